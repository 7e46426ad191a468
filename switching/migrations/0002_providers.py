import django.db.models.deletion
import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    """A gaining provider becomes an account of its own (issue 38): its matches and
    switches point to it, not to one of its keys. Filled by 0003, required by 0004."""

    dependencies = [
        ("switching", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Provider",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "verbose_name": "new provider",
                "verbose_name_plural": "new providers",
                "ordering": ["name"],
                "constraints": [
                    models.UniqueConstraint(
                        django.db.models.functions.text.Lower("name"), name="one_provider_per_name"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="switchmatch",
            name="provider",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="switching.provider",
                verbose_name="new provider",
            ),
        ),
        migrations.AddField(
            model_name="switch",
            name="provider",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="switching.provider",
                verbose_name="new provider",
            ),
        ),
    ]
