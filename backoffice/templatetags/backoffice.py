from functools import lru_cache
from typing import Any

from django import forms, template
from django.apps import apps
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from api.models import ApiKey
from audit.models import AuditEntry
from states import AuditAction

register = template.Library()

# The audit log's actions, as staff read them (the stored code stays stable).
ACTIONS: dict[str, Promise] = {
    AuditAction.REQUEST_SUBMIT: _("request received"),
    AuditAction.REQUEST_CONFIRM: _("taken into account"),
    AuditAction.REQUEST_REJECT: _("rejected"),
    AuditAction.REQUEST_WITHDRAW: _("withdrawn"),
    AuditAction.REQUEST_COMPLETE: _("completed"),
    AuditAction.REQUEST_NOTE: _("internal note"),
    AuditAction.REQUEST_RESCHEDULE: _("date changed"),
    AuditAction.REQUEST_RETENTION: _("mailbox retention changed"),
    AuditAction.FORM_SIGN: _("form signed online"),
    AuditAction.FORM_UPLOAD: _("scanned form uploaded"),
    AuditAction.FORM_ORDER: _("form written from the new provider's switch order"),
    AuditAction.FORM_NEW_DATE: _("form dated again"),
    AuditAction.FORM_SEND_LINK: _("signing link sent to the line holder"),
    AuditAction.FORM_VALID: _("form checked: valid"),
    AuditAction.FORM_INVALID: _("form checked: not valid"),
    AuditAction.FORM_REMIND: _("reminder to sign sent"),
    AuditAction.FORM_CANCEL: _("form cancelled"),
    AuditAction.FORM_RECALL: _("form recalled from the operator"),
    AuditAction.FORM_ACKNOWLEDGED: _("operator accepted the form"),
    AuditAction.FORM_REFUSED: _("operator refused the form"),
    AuditAction.FORM_RECALL_CONFIRMED: _("operator confirmed the recall"),
    AuditAction.FORM_RECALL_REFUSED: _("operator refused the recall"),
    AuditAction.FORMS_FORWARD: _("batch sent to the operator"),
    AuditAction.EMAIL_RESEND: _("e-mail sent again"),
    AuditAction.CUSTOMER_SEND_ACCESS_LINK: _("access link sent"),
    AuditAction.MAILBOX_REMIND: _("mailbox deletion reminder sent"),
    AuditAction.MAILBOX_DELETE: _("mailbox deleted"),
    AuditAction.CALENDAR_ADD: _("calendar changed"),
    AuditAction.CALENDAR_REMOVE: _("calendar change removed"),
    AuditAction.STAFF_CREATE: _("staff account created"),
    AuditAction.STAFF_ROLE: _("role changed"),
    AuditAction.STAFF_ACTIVATE: _("account reactivated"),
    AuditAction.STAFF_DEACTIVATE: _("account deactivated"),
    AuditAction.API_CALL: _("API call"),
    AuditAction.API_KEY_CREATE: _("API key created"),
    AuditAction.API_KEY_REVOKE: _("API key revoked"),
    AuditAction.WEBHOOK_CREATE: _("webhook endpoint added"),
    AuditAction.WEBHOOK_ENABLE: _("webhook endpoint enabled"),
    AuditAction.WEBHOOK_DISABLE: _("webhook endpoint disabled"),
    AuditAction.WEBHOOK_TEST: _("webhook test event sent"),
    AuditAction.WEBHOOK_REPLAY: _("webhook event sent again"),
    AuditAction.PUBLIC_SUBMIT: _("request received on the page without login"),
    AuditAction.PUBLIC_NEW_CODE: _("new code asked for on the page without login"),
    AuditAction.PUBLIC_CONFIRM: _("confirmed with the e-mailed code"),
    AuditAction.PUBLIC_VERIFY: _("identity verified by an agent"),
    AuditAction.PUBLIC_REFUSE: _("identity not verified: refused"),
    AuditAction.SWITCH_MATCH: _("switch: customer matched by a new provider"),
    AuditAction.SWITCH_ORDER: _("switch ordered by the new provider"),
    AuditAction.SWITCH_RESCHEDULE: _("switch moved by the new provider"),
    AuditAction.SWITCH_CANCEL: _("switch cancelled by the new provider"),
    AuditAction.SWITCH_OBJECT: _("switch stopped by the customer"),
    AuditAction.SWITCH_RETENTION: _("switch: mailbox retention chosen by the customer"),
    AuditAction.SUBSCRIPTION_NEW_SWITCHING_CODE: _("switching code renewed"),
}


@register.filter
def actor_label(label: str) -> str:
    """Who did it, as staff read it: a username or client code, an API key by its name
    (a new provider's switching key by its provider's), or Résilia itself."""
    if label == "system":
        return str(_("Résilia (automatic)"))
    if label.startswith("api:"):
        name = _api_key_name(label.removeprefix("api:"))
        return f"{name} (API)" if name else label
    return label


@lru_cache(maxsize=1024)
def _api_key_name(prefix: str) -> str | None:
    """A key's name, or its provider's, never changes: read once per process."""
    return (
        ApiKey.objects.filter(prefix=prefix)
        .values_list(Coalesce("provider__name", "name"), flat=True)
        .first()
    )


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
