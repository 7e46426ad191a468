"""Staff roles: agents process requests; supervisors also change settings and export."""

from django.contrib.auth.models import Group, Permission

AGENT = "agent"
SUPERVISOR = "supervisor"

# Permissions by "app_label.codename". A supervisor has everything an agent has.
AGENT_PERMISSIONS = [
    "customers.view_customer",
    "customers.view_subscription",
    "customers.view_mailbox",
    "customers.view_plan",
    "notifications.view_outboundemail",
    "cancellations.view_calendaroverride",
    "cancellations.view_cancellationrequest",
    "cancellations.change_cancellationrequest",
    "audit.view_auditentry",
    "access_forms.view_accesslineform",
    "access_forms.change_accesslineform",
    "access_forms.view_forwardingbatch",
]
SUPERVISOR_PERMISSIONS = [
    *AGENT_PERMISSIONS,
    "customers.change_customer",
    "customers.change_subscription",
    "customers.change_plan",
    "customers.add_plan",
    "customers.export_customers",
    "cancellations.add_calendaroverride",
    "cancellations.change_calendaroverride",
    "cancellations.delete_calendaroverride",
]


def _permissions(names: list[str]) -> list[Permission]:
    found = []
    for name in names:
        app_label, codename = name.split(".")
        permission = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if permission is not None:
            found.append(permission)
    return found


def ensure_roles() -> None:
    """Create or refresh the two groups; safe to run any number of times."""
    for name, permissions in ((AGENT, AGENT_PERMISSIONS), (SUPERVISOR, SUPERVISOR_PERMISSIONS)):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(_permissions(permissions))
