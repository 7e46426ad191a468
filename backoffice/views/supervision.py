"""Supervisors only: the calendar overrides (with their effect previewed), the staff
accounts and roles, the audit log, the export of mailboxes due for deletion, and the
"Santé" page (how Résilia itself is doing)."""

from datetime import datetime, timedelta

from django import forms
from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from accounts.roles import AGENT, SUPERVISOR
from accounts.staff import StaffError, staff_create, staff_set_active, staff_set_role
from audit.models import AuditEntry
from backoffice.access import supervisor_required
from backoffice.exports import audit_csv, mailboxes_csv, wants_export
from backoffice.filters import AuditFilter
from backoffice.selectors import mailboxes_due_for_deletion
from backoffice.templatetags.backoffice import ACTIONS
from cancellations.calendar import calendar_override_add, calendar_override_remove, override_preview
from cancellations.models import CalendarOverride, OverrideKind
from operations.health import Figure, health_groups
from toolbox.client_address import client_ip
from toolbox.filters import ignored_filters
from toolbox.noumea import NOUMEA
from toolbox.numbers import small_int

ROLE_CHOICES = [(AGENT, gettext_lazy("Agent")), (SUPERVISOR, gettext_lazy("Supervisor"))]


class OverrideForm(forms.Form):
    day = forms.DateField(
        label=gettext_lazy("Day"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("Enter a valid date.")},
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Change"), choices=OverrideKind.choices, widget=forms.RadioSelect
    )
    name = forms.CharField(label=gettext_lazy("Name shown to customers"), max_length=100)


@supervisor_required
@require_http_methods(["GET", "POST"])
def calendar(request: HttpRequest) -> HttpResponse:
    form = OverrideForm(request.POST or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        day, kind = form.cleaned_data["day"], form.cleaned_data["kind"]
        if "save" in request.POST:
            try:
                calendar_override_add(
                    day=day,
                    kind=kind,
                    name=form.cleaned_data["name"],
                    actor=request.user,  # type: ignore[arg-type]
                    ip=client_ip(request),
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("The calendar is changed."))
                return redirect("backoffice:calendar")
        else:
            before, after = override_preview(day=day, kind=kind)
            preview = {"day": day, "before": before, "after": after}
    today = timezone.now().astimezone(NOUMEA).date()
    return render(
        request,
        "backoffice/calendar.html",
        {
            "form": form,
            "preview": preview,
            "overrides": CalendarOverride.objects.filter(day__gte=today.replace(day=1)),
        },
        status=400 if request.method == "POST" and form.errors else 200,
    )


@supervisor_required
@require_POST
def calendar_remove(request: HttpRequest, pk: int) -> HttpResponse:
    override = get_object_or_404(CalendarOverride, pk=pk)
    calendar_override_remove(override=override, actor=request.user, ip=client_ip(request))  # type: ignore[arg-type]
    messages.success(request, _("The calendar is changed."))
    return redirect("backoffice:calendar")


class StaffForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("User name"), max_length=150)
    email = forms.EmailField(label=gettext_lazy("E-mail"))
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=ROLE_CHOICES)
    password = forms.CharField(
        label=gettext_lazy("Password (give it to them in person; at least 10 characters)"),
        widget=forms.PasswordInput(render_value=False),
    )


def _staff_users() -> list[tuple[User, str | None]]:
    users = (
        User.objects.filter(customer__isnull=True)
        .filter(Q(groups__name__in=[AGENT, SUPERVISOR]) | Q(is_superuser=True) | Q(is_staff=True))
        .distinct()
        .prefetch_related("groups")
        .order_by("username")
    )
    rows = []
    for user in users:
        names = {g.name for g in user.groups.all()}
        role = (
            SUPERVISOR
            if user.is_superuser or SUPERVISOR in names
            else (AGENT if AGENT in names else None)
        )
        rows.append((user, role))
    return rows


@supervisor_required
@require_http_methods(["GET", "POST"])
def staff(request: HttpRequest) -> HttpResponse:
    form = StaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            staff_create(
                **form.cleaned_data,
                actor=request.user,  # type: ignore[arg-type]
                ip=client_ip(request),
            )
        except StaffError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Account created."))
            return redirect("backoffice:staff")
    return render(
        request,
        "backoffice/staff.html",
        {"form": form, "users": _staff_users(), "roles": ROLE_CHOICES},
        status=400 if request.method == "POST" else 200,
    )


@supervisor_required
@require_POST
def staff_change(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk, customer__isnull=True)
    if user.is_superuser:
        messages.error(request, _("Superusers are managed by the system administrator."))
        return redirect("backoffice:staff")
    actor = request.user
    try:
        if "role" in request.POST:
            staff_set_role(user=user, role=request.POST["role"], actor=actor, ip=client_ip(request))  # type: ignore[arg-type]
        elif "active" in request.POST:
            staff_set_active(
                user=user,
                active=request.POST["active"] == "1",
                actor=actor,  # type: ignore[arg-type]
                ip=client_ip(request),
            )
    except StaffError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Account %(name)s changed.") % {"name": user.username})
    return redirect("backoffice:staff")


@supervisor_required
def audit_log_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    filterset = AuditFilter(request.GET or None, queryset=AuditEntry.objects.order_by("-at", "-id"))
    for label in ignored_filters(filterset):
        messages.warning(
            request,
            _("The filter “%(filter)s” was ignored: its value is not valid.") % {"filter": label},
        )
    export, machine = wants_export(request.GET)
    if export:
        return audit_csv(filterset.qs, actions=ACTIONS, machine=machine)
    page = Paginator(filterset.qs, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "backoffice/audit_log.html",
        {"filter": filterset, "page": page, "query": query.urlencode()},
    )


@supervisor_required
def mailboxes_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    days = request.GET.get("days", "30")
    asked = small_int(days)
    window = asked if asked is not None and 0 < asked <= 366 else 30
    today = timezone.now().astimezone(NOUMEA).date()
    _export, machine = wants_export(request.GET)
    return mailboxes_csv(mailboxes_due_for_deletion(today, window), machine=machine)


def _shown(figure: Figure, now: datetime) -> str:
    """A figure in words: a count, a duration, or an instant with how long ago."""
    if figure.unit == "timestamp":
        if not figure.value:
            return _("never")
        at = datetime.fromtimestamp(figure.value, tz=NOUMEA)
        return _("%(ago)s ago (%(at)s)") % {
            "ago": _duration((now - at).total_seconds(), now),
            "at": date_format(at, "d/m/Y H:i"),
        }
    if figure.unit == "seconds":
        return _duration(figure.value, now)
    return intcomma(round(figure.value))


def _duration(seconds: float, now: datetime) -> str:
    if seconds < 60:
        return _("%(seconds)s s") % {"seconds": max(round(seconds), 0)}
    return timesince(now - timedelta(seconds=seconds), now, depth=2)


@supervisor_required
def health(request: HttpRequest) -> HttpResponse:
    """Santé: what waits, what fails, who is alive; each figure past its alert threshold
    (docs/operations.md) stands out. The same figures as /metrics."""
    now = timezone.now()
    groups = [
        (title, [(figure, _shown(figure, now)) for figure in figures])
        for title, figures in health_groups(now)
    ]
    alerts = sum(figure.alert for _title, rows in groups for figure, _shown_value in rows)
    return render(
        request,
        "backoffice/health.html",
        {"groups": groups, "alerts": alerts, "now": now},
    )
