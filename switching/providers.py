"""Gaining providers: one account whatever its keys (api.keys gives each switching key
its provider, by name: the first key creates it, the next ones join it)."""

from django.db import IntegrityError, transaction

from switching.models import Provider


def provider_named(name: str) -> Provider:
    """The provider of this name, case aside; created the first time it is named."""
    name = " ".join(name.split())[:100]
    if not name:
        raise ValueError("a provider needs a name")
    found = Provider.objects.filter(name__iexact=name).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Provider.objects.create(name=name)
    except IntegrityError:  # created meanwhile under the same name
        return Provider.objects.get(name__iexact=name)
