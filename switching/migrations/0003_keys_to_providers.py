from django.db import migrations


def keys_to_providers(apps, schema_editor):
    """Each switching key joins the provider of its name (case and spaces aside): the
    first key of a name creates it. Everything a key's account owned (matches, switches,
    webhook endpoints and events) moves to its provider."""
    ApiKey = apps.get_model("api", "ApiKey")
    Provider = apps.get_model("switching", "Provider")
    SwitchMatch = apps.get_model("switching", "SwitchMatch")
    Switch = apps.get_model("switching", "Switch")
    WebhookEndpoint = apps.get_model("webhooks", "WebhookEndpoint")
    WebhookEvent = apps.get_model("webhooks", "WebhookEvent")
    providers: dict[str, object] = {}
    for key in ApiKey.objects.filter(scope="switching").order_by("created_at", "pk"):
        name = " ".join(key.name.split())[:100] or key.prefix
        provider = providers.get(name.casefold())
        if provider is None:
            provider = providers[name.casefold()] = Provider.objects.create(name=name)
        key.provider = provider
        key.save(update_fields=["provider"])
        SwitchMatch.objects.filter(gaining_id=key.user_id).update(provider=provider)
        Switch.objects.filter(gaining_id=key.user_id).update(provider=provider)
        WebhookEndpoint.objects.filter(owner_id=key.user_id).update(provider=provider)
        WebhookEvent.objects.filter(audience_id=key.user_id).update(audience_provider=provider)
    # An endpoint of an account no switching key names any more keeps its restriction: a
    # provider of its own, named after the account, for a supervisor to look at (left
    # without one, it would receive every customer's events).
    for endpoint in WebhookEndpoint.objects.filter(owner__isnull=False, provider__isnull=True):
        name = f"? {endpoint.owner.username}"[:100]
        provider = providers.get(name.casefold())
        if provider is None:
            provider = providers[name.casefold()] = Provider.objects.create(name=name)
        endpoint.provider = provider
        endpoint.save(update_fields=["provider"])
        WebhookEvent.objects.filter(audience_id=endpoint.owner_id).update(
            audience_provider=provider
        )
    # A match or switch whose key was deleted meanwhile keeps the name it was given.
    for model in (SwitchMatch, Switch):
        for row in model.objects.filter(provider__isnull=True):
            name = " ".join(row.gaining_name.split())[:100] or "?"
            provider = providers.get(name.casefold())
            if provider is None:
                provider = providers[name.casefold()] = Provider.objects.create(name=name)
            row.provider = provider
            row.save(update_fields=["provider"])


class Migration(migrations.Migration):
    dependencies = [
        ("switching", "0002_providers"),
        ("api", "0004_apikey_provider"),
        ("webhooks", "0004_provider_endpoints"),
    ]

    operations = [migrations.RunPython(keys_to_providers, migrations.RunPython.noop)]
