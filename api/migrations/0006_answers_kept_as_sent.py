import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import migrations, models


def bodies_to_content(apps, schema_editor):
    """The answers kept so far (24 hours of them) are written out once: their replays
    keep their meaning, and every answer from now on is kept as it was sent."""
    IdempotentAnswer = apps.get_model("api", "IdempotentAnswer")
    for answer in IdempotentAnswer.objects.filter(body__isnull=False).iterator():
        answer.content = json.dumps(answer.body, cls=DjangoJSONEncoder)
        answer.headers = {"Content-Type": "application/json; charset=utf-8"}
        answer.save(update_fields=["content", "headers"])


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0005_switching_keys_belong_to_a_provider"),
    ]

    operations = [
        migrations.AddField(
            model_name="idempotentanswer",
            name="content",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="idempotentanswer",
            name="headers",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(bodies_to_content, migrations.RunPython.noop),
        migrations.RemoveField(model_name="idempotentanswer", name="body"),
    ]
