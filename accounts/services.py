"""Client-area access: password recovery and first activation by e-mail link."""

import logging

from django.contrib.auth.tokens import default_token_generator
from django.db import DatabaseError, transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts import emails
from accounts.models import AccessLinkRequest, User
from customers.models import Customer
from notifications.secret_links import MASK
from toolbox.links import site_url
from toolbox.throttle import over_limit, refused

logger = logging.getLogger(__name__)

# At most this many access e-mails per client code per hour: enough for a customer
# who mistypes, too few to flood someone's inbox through the form.
MAX_LINKS_PER_HOUR = 3


def normalize_client_code(value: str) -> str:
    return "".join(value.split()).upper()


def _customer_matching(client_code: str, email: str) -> Customer | None:
    return (
        Customer.objects.select_related("user")
        .filter(client_code=normalize_client_code(client_code), email__iexact=email.strip())
        .first()
    )


def _under_rate_limit(customer: Customer) -> bool:
    # Counted first, in the table every worker shares: two workers handling two requests
    # for one customer at once cannot both slip past.
    if over_limit(
        f"access-links:{customer.client_code}", limit=MAX_LINKS_PER_HOUR, window_seconds=3600
    ):
        refused("access-links")
        return False
    return True


def access_link_request(*, client_code: str, email: str) -> None:
    """Keep "Mot de passe oublié" / "Pas encore d'accès ?" for the worker.

    The page does the same thing (one row written) whether or not the pair matches, so
    neither its answer nor its timing tells whether a client code exists; the worker
    decides (handle_one_access_link_request).
    """
    AccessLinkRequest.objects.create(client_code=client_code[:40], email=email[:254])


def handle_one_access_link_request() -> bool:
    """The worker's step: handle the oldest access-link request and delete it. False when
    none is waiting. One that fails is logged and dropped (the visitor can ask again)."""
    with transaction.atomic():
        asked = AccessLinkRequest.objects.select_for_update(skip_locked=True).order_by("pk").first()
        if asked is None:
            return False
        asked.delete()
        try:
            access_link_send(client_code=asked.client_code, email=asked.email)
        except DatabaseError:
            raise
        except Exception:
            logger.exception("Access link request %s failed", asked.pk)
    return True


def access_link_send(*, client_code: str, email: str) -> bool:
    """E-mail a link to choose a password, if the pair matches a customer.

    Run by the worker, never while the visitor waits. A customer without a password yet
    gets an activation e-mail, one with a password a password-reset e-mail: both
    links are single use (the token covers the password hash and the last login)
    and expire after PASSWORD_RESET_TIMEOUT.
    """
    customer = _customer_matching(client_code, email)
    if customer is None:
        return False
    if not _under_rate_limit(customer):
        logger.info("Access link for %s throttled", customer.client_code)
        return False
    with transaction.atomic():
        user = customer.user
        if user is None:
            user = User(username=customer.client_code, email=customer.email)
            user.set_unusable_password()
            user.save()
            customer.user = user
            customer.save(update_fields=["user", "updated_at"])
        elif user.email != customer.email:
            user.email = customer.email
            user.save(update_fields=["email"])
        # The token is made at delivery (access_link_token): staff never see a live link.
        url = site_url("portal:set_password", urlsafe_base64_encode(force_bytes(user.pk)), MASK)
        emails.send_access_link(
            customer,
            user_id=user.pk,
            url_with_mask=url,
            first_access=not user.has_usable_password(),
        )
    return True


def access_link_token(*, user_id: int) -> str:
    """The token of a password or activation link, made when its e-mail is delivered.

    Single use and expiring: it covers the password hash and the last login, and its
    timestamp starts PASSWORD_RESET_TIMEOUT at delivery.
    """
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return MASK  # the account is gone: the link stays dead
    return default_token_generator.make_token(user)
