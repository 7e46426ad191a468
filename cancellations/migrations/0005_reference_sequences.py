"""On PostgreSQL, this year's and next year's reference sequences are made here, never by
a request (cancellations/references.py); the daily run makes each following year's."""

from django.db import migrations


def forwards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    from datetime import datetime
    from zoneinfo import ZoneInfo

    counters = apps.get_model("cancellations", "ReferenceSequence")
    this_year = datetime.now(ZoneInfo("Pacific/Noumea")).year
    with schema_editor.connection.cursor() as cursor:
        for year in (this_year, this_year + 1):
            counter = counters.objects.filter(year=year).first()
            start = (counter.last if counter is not None else 0) + 1
            cursor.execute(
                f"CREATE SEQUENCE IF NOT EXISTS resilia_reference_{int(year)} START {int(start)}"
            )


class Migration(migrations.Migration):
    dependencies = [("cancellations", "0004_public_cancellation_and_receipt")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
