from django.db import migrations, models


def slots(apps, schema_editor) -> None:
    Slot = apps.get_model("bench", "Slot")
    Slot.objects.bulk_create([Slot(pk=n) for n in range(1, 10_001)])


class Migration(migrations.Migration):
    dependencies = [("bench", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="Slot",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
            ],
        ),
        migrations.RunPython(slots, migrations.RunPython.noop),
    ]
