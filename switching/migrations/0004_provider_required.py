import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("switching", "0003_keys_to_providers"),
    ]

    operations = [
        migrations.RemoveField(model_name="switchmatch", name="gaining"),
        migrations.RemoveField(model_name="switchmatch", name="gaining_name"),
        migrations.RemoveField(model_name="switch", name="gaining"),
        migrations.RemoveField(model_name="switch", name="gaining_name"),
        migrations.AlterField(
            model_name="switchmatch",
            name="provider",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="switching.provider",
                verbose_name="new provider",
            ),
        ),
        migrations.AlterField(
            model_name="switch",
            name="provider",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="switching.provider",
                verbose_name="new provider",
            ),
        ),
    ]
