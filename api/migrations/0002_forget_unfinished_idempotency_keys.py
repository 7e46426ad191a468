"""Idempotency keys are now written in the work's own transaction, with their answer: a
row without an answer is a reservation the old code left behind when the work failed.
Each would answer 409 for a day; they are removed, so a retry does the work."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def forget_unfinished(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("api", "IdempotentAnswer").objects.filter(status__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("api", "0001_api_keys")]

    operations = [migrations.RunPython(forget_unfinished, migrations.RunPython.noop)]
