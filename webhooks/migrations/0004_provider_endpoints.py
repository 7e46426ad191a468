import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """A gaining provider's endpoints and events point to the provider (filled by
    switching 0003; the key accounts' columns go in 0005)."""

    dependencies = [
        ("webhooks", "0003_gaining_provider_endpoints"),
        ("switching", "0002_providers"),
    ]

    operations = [
        migrations.AddField(
            model_name="webhookendpoint",
            name="provider",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="switching.provider",
                verbose_name="new provider",
            ),
        ),
        migrations.AddField(
            model_name="webhookevent",
            name="audience_provider",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="switching.provider",
            ),
        ),
    ]
