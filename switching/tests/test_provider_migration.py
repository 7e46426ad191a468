"""The migration that made providers accounts of their own: today's switching keys join
the provider of their name, and what each key owned moves to it."""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from toolbox.noumea import NOUMEA

BEFORE = [
    ("switching", "0001_initial"),
    ("api", "0003_switching_scope"),
    ("webhooks", "0003_gaining_provider_endpoints"),
]
AFTER = [
    ("switching", "0004_provider_required"),
    ("api", "0005_switching_keys_belong_to_a_provider"),
    ("webhooks", "0005_provider_audience"),
]
AT = datetime(2026, 11, 10, 9, tzinfo=NOUMEA)


def migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.fixture
def _back_to_the_latest() -> Iterator[None]:
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_back_to_the_latest")
def test_switching_keys_become_providers_by_name() -> None:
    old = migrate(BEFORE)
    User = old.get_model("accounts", "User")
    ApiKey = old.get_model("api", "ApiKey")
    Plan = old.get_model("customers", "Plan")
    Customer = old.get_model("customers", "Customer")
    Subscription = old.get_model("customers", "Subscription")
    SwitchMatch = old.get_model("switching", "SwitchMatch")
    WebhookEndpoint = old.get_model("webhooks", "WebhookEndpoint")
    WebhookEvent = old.get_model("webhooks", "WebhookEvent")
    keys = {}
    for n, (name, scope) in enumerate(
        (
            ("Lagoon", "switching"),
            ("lagoon ", "switching"),
            ("Can'l", "switching"),
            ("Billing", "write"),
        )
    ):
        user = User.objects.create(username=f"api:rsl_{n}", password="!")
        keys[n] = ApiKey.objects.create(
            name=name, prefix=f"rsl_{n}", digest=str(n) * 64, scope=scope, user=user
        )
    plan = Plan.objects.create(name="Fibre 100", monthly_price_xpf=6900)
    customer = Customer.objects.create(
        client_code="C1", name="Alice Wayaridri", email="a@example.nc"
    )
    subscription = Subscription.objects.create(
        reference="SUB-1",
        customer=customer,
        plan=plan,
        switching_code="ABCDEFGHJK23",
        started_on=AT.date(),
    )
    for n in (0, 1, 2):
        SwitchMatch.objects.create(
            public_id=f"mt_{n}",
            subscription=subscription,
            code="ABCDEFGHJK23",
            gaining=keys[n].user,
            gaining_name=keys[n].name,
            created_at=AT,
            expires_at=AT,
            link_nonce="x",
        )
    WebhookEndpoint.objects.create(
        url="https://lagoon.example/hooks", secret="s", owner=keys[1].user
    )
    WebhookEvent.objects.create(
        msg_id="msg_1", type="switch.ordered", body="{}", audience=keys[0].user
    )

    new = migrate(AFTER)
    Provider = new.get_model("switching", "Provider")
    lagoon = Provider.objects.get(name="Lagoon")
    assert sorted(Provider.objects.values_list("name", flat=True)) == ["Can'l", "Lagoon"]
    ApiKey = new.get_model("api", "ApiKey")
    assert dict(ApiKey.objects.values_list("prefix", "provider__name")) == {
        "rsl_0": "Lagoon",
        "rsl_1": "Lagoon",
        "rsl_2": "Can'l",
        "rsl_3": None,
    }
    SwitchMatch = new.get_model("switching", "SwitchMatch")
    assert dict(SwitchMatch.objects.values_list("public_id", "provider__name")) == {
        "mt_0": "Lagoon",
        "mt_1": "Lagoon",
        "mt_2": "Can'l",
    }
    assert new.get_model("webhooks", "WebhookEndpoint").objects.get().provider_id == lagoon.pk
    assert new.get_model("webhooks", "WebhookEvent").objects.get().audience_id == lagoon.pk
