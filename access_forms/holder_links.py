"""A signing link for a line holder who is not the customer (or a customer without an
account): sent by e-mail, good once, its token made only when the message is sent."""

import secrets

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils.translation import gettext as _

from access_forms import emails
from access_forms.errors import FormError
from access_forms.models import (
    AccessLineForm,
)
from access_forms.services import locked_form
from access_forms.signing import unsignable_reason
from accounts.models import User
from audit.services import audit_log
from notifications.secret_links import MASK
from states import AuditAction
from toolbox.links import site_url
from toolbox.throttle import over_limit

LINK_SALT = "access-forms.signing-link"

# Signing links a customer may send in 24 hours: enough to fix a typo in the holder's
# address, too few to use Résilia to flood someone's mailbox.
LINKS_PER_REQUEST_PER_DAY = 5
LINKS_PER_CUSTOMER_PER_DAY = 20


DAY = 24 * 3600


def _too_many_links(form: AccessLineForm) -> bool:
    """Count this link first, for its request and its customer: the count just written
    decides, so links asked for together cannot slip past (a refusal's count is rolled
    back with its transaction, after the next attempt has read it)."""
    return over_limit(
        f"signing-links:request:{form.request_id}",
        limit=LINKS_PER_REQUEST_PER_DAY,
        window_seconds=DAY,
    ) or over_limit(
        f"signing-links:customer:{form.request.customer_id}",
        limit=LINKS_PER_CUSTOMER_PER_DAY,
        window_seconds=DAY,
    )


def form_send_link(
    *,
    form: AccessLineForm,
    email: str,
    actor: User | None,
    ip: str | None,
) -> AccessLineForm:
    with transaction.atomic():
        form = locked_form(form)
        if not form.can_be_signed:
            raise unsignable_reason(form)
        if _too_many_links(form):
            raise FormError(
                "too_many_links",
                _(
                    "Too many signing links were sent today for this form. Try again "
                    "tomorrow, or sign it yourself or upload a scan."
                ),
            )
        form.link_email = email
        form.link_nonce = secrets.token_hex(16)
        form.save(update_fields=["link_email", "link_nonce", "updated_at"])
        # The token is made at delivery (signing_link_token): never stored.
        emails.send_form_sign_link(
            form, to=email, url_with_mask=site_url("access_forms:holder_sign", MASK)
        )
        audit_log(actor=actor, action=AuditAction.FORM_SEND_LINK, target=form, ip=ip, to=email)
    return form


def signing_link_token(*, form_id: int, nonce: str) -> str:
    """The token of a holder's signing link, made when its e-mail is delivered. The nonce
    alone is useless: the token is signed with SECRET_KEY."""
    return signing.dumps({"f": form_id, "n": nonce}, salt=LINK_SALT)


def form_from_link(token: str) -> AccessLineForm:
    """The form a holder's link opens, or FormError if tampered, expired or used."""
    max_age = settings.RESILIA_SIGNING_LINK_DAYS * 86400
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise FormError("link_expired", _("This signing link has expired.")) from None
    except signing.BadSignature:
        raise FormError("link_invalid", _("This signing link is not valid.")) from None
    form = (
        AccessLineForm.objects.select_related("request__customer", "request__subscription")
        .filter(pk=data.get("f"))
        .first()
    )
    if form is None:
        raise FormError("link_invalid", _("This signing link is not valid."))
    if not form.can_be_signed:
        raise unsignable_reason(form)
    if not form.link_nonce or form.link_nonce != data.get("n"):
        raise FormError("link_used", _("This signing link has already been used."))
    return form
