import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0004_provider_endpoints"),
        ("switching", "0003_keys_to_providers"),
    ]

    operations = [
        migrations.RemoveField(model_name="webhookendpoint", name="owner"),
        migrations.RemoveField(model_name="webhookevent", name="audience"),
        migrations.RenameField(
            model_name="webhookevent", old_name="audience_provider", new_name="audience"
        ),
    ]
