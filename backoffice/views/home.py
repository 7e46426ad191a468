"""The landing page ("Today"), the dashboard and the staff login."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice import charts
from backoffice.access import StaffLoginForm, agent_required
from backoffice.selectors import (
    dashboard_cached,
    month_end_countdown,
    needs_action_counts,
)
from cancellations.models import Channel, Kind
from rules import MAILBOX_REMINDER_DAYS
from toolbox.noumea import NOUMEA


class LoginView(auth_views.LoginView):
    template_name = "backoffice/login.html"
    authentication_form = StaffLoginForm
    next_page = "backoffice:today"

    def get_default_redirect_url(self) -> str:
        from django.urls import reverse

        return reverse("backoffice:today")


class LogoutView(auth_views.LogoutView):
    next_page = "backoffice:login"


@agent_required
def today(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    local_today = now.astimezone(NOUMEA).date()
    return render(
        request,
        "backoffice/today.html",
        {
            "counts": needs_action_counts(local_today),
            "month_end": month_end_countdown(now),
            "today": local_today,
            "auto_confirm": settings.RESILIA_AUTO_CONFIRM,
            "reminder_days": settings.RESILIA_FORM_REMINDER_DAYS,
            "mailbox_days": MAILBOX_REMINDER_DAYS,
        },
    )


@agent_required
def dashboard(request: HttpRequest) -> HttpResponse:
    figures = dashboard_cached()
    kind_names = dict(Kind.choices)
    weekly_series = [
        (str(kind_names[kind]), counts) for kind, counts in figures.weekly_by_kind.items()
    ]
    week_labels = [week.strftime("%d/%m") for week in figures.weeks]
    weekly_rows = [
        (week, [counts[n] for _, counts in weekly_series], sum(c[n] for _, c in weekly_series))
        for n, week in enumerate(figures.weeks)
    ]
    mailbox_rows = [(week.strftime("%d/%m"), n) for week, n in figures.mailboxes_by_week]
    channel_names = dict(Channel.choices)  # labelled here, in the reader's language
    channels = [(str(channel_names.get(code, code)), n) for code, n in figures.channels]
    return render(
        request,
        "backoffice/dashboard.html",
        {
            "figures": figures,
            "weekly_series": weekly_series,
            "weekly_rows": weekly_rows,
            "isp_share": round(100 * figures.isp_changes / figures.total) if figures.total else 0,
            "charts": {
                "weekly": charts.stacked_columns(
                    "weekly", _("Requests per week, by kind"), week_labels, weekly_series
                ),
                "isps": charts.horizontal_bars("isps", _("New providers named"), figures.new_isps),
                "channels": charts.horizontal_bars("channels", _("Requests per channel"), channels),
                "switches": charts.horizontal_bars(
                    "switches",
                    _("Switches placed, per new provider"),
                    [(name, placed) for name, placed, _completed in figures.switches_by_provider],
                ),
                "ages": charts.horizontal_bars(
                    "ages", _("Forms waiting, by age in days"), figures.forms_by_age
                ),
                "mailboxes": charts.horizontal_bars(
                    "mailboxes",
                    _("Mailboxes due for deletion, by week"),
                    [(_("week of %(day)s") % {"day": label}, n) for label, n in mailbox_rows],
                ),
            },
            "mailbox_rows": mailbox_rows,
            "channels": channels,
        },
    )
