"""Tasks take ids and call a service; running one twice is harmless."""

from django.tasks import task

from notifications import services

# Tasks that lead to a code or a link that expires run ahead of the others.
URGENT = 50


@task()
def deliver_email(email_id: int) -> None:
    services.email_deliver(email_id=email_id)


@task(priority=URGENT)
def deliver_urgent_email(email_id: int) -> None:
    services.email_deliver(email_id=email_id)
