from functools import lru_cache
from typing import Any

from django import forms, template
from django.apps import apps
from django.http import QueryDict
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from api.models import ApiKey
from audit.models import AuditEntry

register = template.Library()

# The audit log's actions, as staff read them (the stored code stays stable).
ACTIONS = {
    "request.submit": _("request received"),
    "request.confirm": _("taken into account"),
    "request.reject": _("rejected"),
    "request.withdraw": _("withdrawn"),
    "request.complete": _("completed"),
    "request.note": _("internal note"),
    "request.reschedule": _("date changed"),
    "form.sign": _("form signed online"),
    "form.upload": _("scanned form uploaded"),
    "form.order": _("form written from the new provider's switch order"),
    "form.new_date": _("form dated again"),
    "form.send_link": _("signing link sent to the line holder"),
    "form.valid": _("form checked: valid"),
    "form.invalid": _("form checked: not valid"),
    "form.remind": _("reminder to sign sent"),
    "form.cancel": _("form cancelled"),
    "form.recall": _("form recalled from the operator"),
    "form.acknowledged": _("operator accepted the form"),
    "form.refused": _("operator refused the form"),
    "form.recall_confirmed": _("operator confirmed the recall"),
    "form.recall_refused": _("operator refused the recall"),
    "forms.forward": _("batch sent to the operator"),
    "email.resend": _("e-mail sent again"),
    "customer.send_access_link": _("access link sent"),
    "mailbox.remind": _("mailbox deletion reminder sent"),
    "mailbox.delete": _("mailbox deleted"),
    "calendar.add": _("calendar changed"),
    "calendar.remove": _("calendar change removed"),
    "staff.create": _("staff account created"),
    "staff.role": _("role changed"),
    "staff.activate": _("account reactivated"),
    "staff.deactivate": _("account deactivated"),
    "api.call": _("API call"),
    "api_key.create": _("API key created"),
    "api_key.revoke": _("API key revoked"),
    "webhook.create": _("webhook endpoint added"),
    "webhook.enable": _("webhook endpoint enabled"),
    "webhook.disable": _("webhook endpoint disabled"),
    "webhook.test": _("webhook test event sent"),
    "webhook.replay": _("webhook event sent again"),
    "public.submit": _("request received on the page without login"),
    "public.new_code": _("new code asked for on the page without login"),
    "public.confirm": _("confirmed with the e-mailed code"),
    "public.verify": _("identity verified by an agent"),
    "public.refuse": _("identity not verified: refused"),
    "switch.match": _("switch: customer matched by a new provider"),
    "switch.order": _("switch ordered by the new provider"),
    "switch.reschedule": _("switch moved by the new provider"),
    "switch.cancel": _("switch cancelled by the new provider"),
    "switch.object": _("switch stopped by the customer"),
    "switch.retention": _("switch: mailbox retention chosen by the customer"),
    "subscription.new_switching_code": _("switching code renewed"),
}


@register.filter
def actor_label(label: str) -> str:
    """Who did it, as staff read it: a username or client code, an API key by its name
    (a new provider's switching key is named after the provider), or Résilia itself."""
    if label == "system":
        return str(_("Résilia (automatic)"))
    if label.startswith("api:"):
        name = _api_key_name(label.removeprefix("api:"))
        return f"{name} (API)" if name else label
    return label


@lru_cache(maxsize=1024)
def _api_key_name(prefix: str) -> str | None:
    """A key's name never changes: read once per process."""
    return ApiKey.objects.filter(prefix=prefix).values_list("name", flat=True).first()


@register.filter
def action_label(code: str) -> str:
    return str(ACTIONS.get(code, code))


@register.filter
def object_label(entry: AuditEntry) -> str:
    """What an audit entry is about, as staff read it: "Demande de résiliation #71"."""
    try:
        model = apps.get_model(entry.object_type)
    except (LookupError, ValueError):
        return f"{entry.object_type} #{entry.object_id}"
    return f"{capfirst(model._meta.verbose_name)} #{entry.object_id}"


@register.simple_tag(takes_context=True)
def sort_header(context: template.Context, key: str, label: str) -> SafeString:
    """A column title that sorts the list by it (and in reverse on the second click),
    keeping the other filters; aria-sort tells screen readers the current order."""
    request = context["request"]
    query: QueryDict = request.GET.copy()
    current = query.get("order", "")
    query.pop("page", None)
    query.pop("export", None)
    query["order"] = f"-{key}" if current == key else key
    state = "ascending" if current == key else "descending" if current == f"-{key}" else ""
    arrow = " ▲" if state == "ascending" else " ▼" if state == "descending" else ""
    return format_html(
        '<th scope="col"{}><a href="?{}">{}{}</a></th>',
        format_html(' aria-sort="{}"', state) if state else "",
        query.urlencode(),
        label,
        arrow,
    )


@register.simple_tag
def filter_parts(form: forms.Form) -> dict[str, Any]:
    """A list's filters as its page lays them out: the search box on its own, the other
    fields (folded on a phone), how many of those are in use, and whether one is wrong
    (then they unfold)."""
    fields = list(form)
    search = next((field for field in fields if field.name == "q"), None)
    others = [field for field in fields if field is not search]
    return {
        "search": search,
        "others": others,
        "active": sum(1 for field in others if form.data.get(field.name) not in (None, "")),
        "errors": any(field.errors for field in others),
    }
