from collections.abc import Sequence
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models

from audit.models import AuditEntry
from states import AuditAction


def audit_entry(
    *,
    actor: AbstractBaseUser | None,
    action: AuditAction,
    target: models.Model,
    ip: str | None = None,
    **data: Any,
) -> AuditEntry:
    """One action's entry, not yet written (`audit_log` writes one; `audit_log_entries`
    writes several in one statement)."""
    return AuditEntry(
        actor_id=actor.pk if actor is not None else None,
        actor_label=actor.get_username() if actor is not None else "system",
        action=action,
        object_type=target._meta.label_lower,
        object_id=str(target.pk),
        ip=ip,
        data=data,
    )


def audit_log(
    *,
    actor: AbstractBaseUser | None,
    action: AuditAction,
    target: models.Model,
    ip: str | None = None,
    **data: Any,
) -> AuditEntry:
    """Record one action; call it inside the transaction of the change it describes."""
    entry = audit_entry(actor=actor, action=action, target=target, ip=ip, **data)
    entry.save()
    return entry


def audit_log_entries(entries: Sequence[AuditEntry]) -> None:
    """Several entries made by `audit_entry` (the steps of one change), in one statement."""
    AuditEntry.objects.bulk_create(entries)


def audit_log_many(
    *,
    actor: AbstractBaseUser | None,
    action: AuditAction,
    targets: Sequence[models.Model],
    **data: Any,
) -> None:
    """The same action on many objects (a batch of the daily run), in one statement."""
    label = actor.get_username() if actor is not None else "system"
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                actor_id=actor.pk if actor is not None else None,
                actor_label=label,
                action=action,
                object_type=target._meta.label_lower,
                object_id=str(target.pk),
                data=data,
            )
            for target in targets
        ],
    )
