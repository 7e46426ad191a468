"""Every subscription gets its switching code: added empty, one random code per existing
row, then unique and filled by default for new rows."""

from django.db import migrations, models

import customers.switching_codes


def give_codes(apps, schema_editor):  # type: ignore[no-untyped-def]
    Subscription = apps.get_model("customers", "Subscription")
    pks = list(Subscription.objects.order_by("pk").values_list("pk", flat=True))
    codes: set[str] = set()
    while len(codes) < len(pks):
        codes.add(customers.switching_codes.new_code())
    rows = [Subscription(pk=pk, switching_code=code) for pk, code in zip(pks, codes)]
    Subscription.objects.bulk_update(rows, ["switching_code"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_mailbox_due")]

    operations = [
        migrations.AddField(
            model_name="subscription",
            name="switching_code",
            field=models.CharField(max_length=12, null=True, editable=False),
        ),
        migrations.RunPython(give_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="subscription",
            name="switching_code",
            field=models.CharField(
                "switching code",
                max_length=12,
                unique=True,
                default=customers.switching_codes.new_code,
                editable=False,
            ),
        ),
    ]
