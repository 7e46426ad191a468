from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("switching", "0004_provider_required"),
    ]

    operations = [
        migrations.AddField(
            model_name="switch", name="moved_on", field=models.DateField(blank=True, null=True)
        ),
        migrations.AddField(
            model_name="switch",
            name="moves_that_day",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="switch",
            name="move_told_on",
            field=models.DateField(blank=True, null=True),
        ),
    ]
