from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """Anyone who logs in: a customer (username = client code) or a staff member.

    A customer's identity and contact details live on `customers.Customer`; the user
    only carries what authentication needs.
    """

    @property
    def is_customer(self) -> bool:
        return hasattr(self, "customer")
