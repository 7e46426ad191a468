"""Staff accounts, managed by supervisors in the back office: create, change the role,
deactivate. Each change writes its audit entry; a supervisor cannot lock themselves out."""

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import AGENT, SUPERVISOR, ensure_roles
from audit.services import audit_log
from states import AuditAction
from toolbox.refusals import Refusal

ROLES = (AGENT, SUPERVISOR)


class StaffError(Refusal):
    """A change of staff accounts refused (the last supervisor, one's own role...)."""


def _set_role(user: User, role: str) -> None:
    ensure_roles()
    user.groups.remove(*Group.objects.filter(name__in=ROLES))
    user.groups.add(Group.objects.get(name=role))


def staff_create(
    *, username: str, email: str, role: str, password: str, actor: User, ip: str | None = None
) -> User:
    username = username.strip()
    if role not in ROLES:
        raise StaffError("invalid_role", _("Choose a role."))
    if User.objects.filter(username__iexact=username).exists():
        raise StaffError("taken", _("This user name is already used."))
    candidate = User(username=username, email=email)
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        raise StaffError("weak_password", " ".join(exc.messages)) from None
    with transaction.atomic():
        user = User.objects.create_user(
            username=username, email=email, password=password, is_staff=True
        )
        _set_role(user, role)
        audit_log(actor=actor, action=AuditAction.STAFF_CREATE, target=user, ip=ip, role=role)
    return user


def staff_set_role(*, user: User, role: str, actor: User, ip: str | None = None) -> None:
    if role not in ROLES:
        raise StaffError("invalid_role", _("Choose a role."))
    if user.pk == actor.pk and role != SUPERVISOR:
        raise StaffError("self", _("You cannot remove your own supervisor role."))
    with transaction.atomic():
        _set_role(user, role)
        audit_log(actor=actor, action=AuditAction.STAFF_ROLE, target=user, ip=ip, role=role)


def staff_set_active(*, user: User, active: bool, actor: User, ip: str | None = None) -> None:
    if user.pk == actor.pk:
        raise StaffError("self", _("You cannot deactivate your own account."))
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit_log(
            actor=actor,
            action=AuditAction.STAFF_ACTIVATE if active else AuditAction.STAFF_DEACTIVATE,
            target=user,
            ip=ip,
        )
