"""Creating, checking and revoking API keys; every change audited."""

import hashlib
import secrets
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from api.models import ApiKey, Scope
from audit.services import audit_log
from states import AuditAction
from switching.providers import provider_named

PREFIX = "rsl_"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_key_create(
    *,
    name: str,
    scope: str,
    expires_at: datetime | None,
    actor: User | None,
    ip: str | None = None,
    provider: str = "",
) -> tuple[ApiKey, str]:
    """The new key and its secret value, to show once. A switching key belongs to the
    gaining provider named `provider` (its own name when not given): the first key
    creates the provider, the next ones join it, so that a new key takes over the
    switches, budgets and endpoints of the key it replaces."""
    if scope not in Scope.values:
        raise ValueError(scope)
    if provider and scope != Scope.SWITCHING:
        raise ValueError("only a switching key belongs to a provider")
    secret = PREFIX + secrets.token_urlsafe(32)
    prefix = secret[: len(PREFIX) + 8]
    with transaction.atomic():
        owner = provider_named(provider or name) if scope == Scope.SWITCHING else None
        user = User(username=f"api:{prefix}")
        user.set_unusable_password()
        user.save()
        api_key = ApiKey.objects.create(
            name=name.strip()[:100],
            prefix=prefix,
            user=user,
            digest=_digest(secret),
            scope=scope,
            provider=owner,
            expires_at=expires_at,
            created_by=actor,
        )
        audit_log(
            actor=actor,
            action=AuditAction.API_KEY_CREATE,
            target=api_key,
            ip=ip,
            scope=scope,
            **({"provider": owner.name} if owner is not None else {}),
        )
    return api_key, secret


def api_key_revoke(*, api_key: ApiKey, actor: User, ip: str | None = None) -> None:
    with transaction.atomic():
        ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        audit_log(actor=actor, action=AuditAction.API_KEY_REVOKE, target=api_key, ip=ip)


def api_key_for(secret: str) -> ApiKey | None:
    """The live key with this value, or None (unknown, revoked or expired)."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    api_key = (
        ApiKey.objects.select_related("user", "provider")
        .filter(digest=_digest(secret), revoked_at__isnull=True)
        .first()
    )
    if api_key is None or (api_key.expires_at and api_key.expires_at <= timezone.now()):
        return None
    return api_key


def api_key_used(api_key: ApiKey, ip: str | None) -> None:
    """Record the last use (at most once a minute per key: no write on every call)."""
    now = timezone.now()
    if api_key.last_used_at and (now - api_key.last_used_at).total_seconds() < 60:
        return
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now, last_used_ip=ip)
