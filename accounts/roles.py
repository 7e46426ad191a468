"""Staff roles: agents process requests; supervisors also change settings and export."""

from django.contrib.auth.models import Group

AGENT = "agent"
SUPERVISOR = "supervisor"


def ensure_roles() -> None:
    """Create the two groups; safe to run any number of times. A role is its group: the
    back office checks membership (backoffice.access), not Django permissions, and
    Django's admin is for superusers only."""
    for name in (AGENT, SUPERVISOR):
        Group.objects.get_or_create(name=name)
