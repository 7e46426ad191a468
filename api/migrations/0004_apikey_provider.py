import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0003_switching_scope"),
        ("switching", "0002_providers"),
    ]

    operations = [
        migrations.AddField(
            model_name="apikey",
            name="provider",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="api_keys",
                to="switching.provider",
                verbose_name="new provider",
            ),
        ),
    ]
