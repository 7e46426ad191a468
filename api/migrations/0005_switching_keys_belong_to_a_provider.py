from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0004_apikey_provider"),
        ("switching", "0003_keys_to_providers"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="apikey",
            constraint=models.CheckConstraint(
                condition=models.Q(("provider__isnull", False), ("scope", "switching"))
                | models.Q(models.Q(("scope", "switching"), _negated=True), ("provider__isnull", True)),
                name="switching_keys_belong_to_a_provider",
            ),
        ),
    ]
