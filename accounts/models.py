from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """Anyone who logs in: a customer (username = client code) or a staff member.

    A customer's identity and contact details live on `customers.Customer`; the user
    only carries what authentication needs.
    """

    @property
    def is_customer(self) -> bool:
        return hasattr(self, "customer")


class AccessLinkRequest(models.Model):
    """ "Mot de passe oublié" / "Pas encore d'accès ?" as typed, until the worker handles
    it (accounts.services.handle_one_access_link_request) and deletes it: the page does the
    same work whether or not the pair matches a customer."""

    client_code = models.CharField(max_length=40)
    email = models.CharField(max_length=254)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.client_code} {self.created_at:%Y-%m-%d %H:%M}"
