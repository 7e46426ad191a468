"""The sessions go back to Django's own table (django.contrib.sessions), copied so that
no one is logged out by the move; the table with a user column goes."""

from django.db import migrations


def _copy(source, target) -> None:
    from django.utils import timezone

    live = source.objects.filter(expire_date__gt=timezone.now()).order_by("pk")
    batch = []
    for session in live.iterator(chunk_size=2000):
        batch.append(
            target(
                session_key=session.session_key,
                session_data=session.session_data,
                expire_date=session.expire_date,
            )
        )
        if len(batch) == 2000:
            target.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    target.objects.bulk_create(batch, ignore_conflicts=True)
    source.objects.all().delete()


def forwards(apps, schema_editor) -> None:
    _copy(apps.get_model("accounts", "Session"), apps.get_model("sessions", "Session"))


def backwards(apps, schema_editor) -> None:
    # Back to the table with a user column: the user is read again from each session's
    # data by that version's code, and sessions without it read as anonymous visits.
    _copy(apps.get_model("sessions", "Session"), apps.get_model("accounts", "Session"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_session_with_user_column"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.DeleteModel(name="Session"),
    ]
