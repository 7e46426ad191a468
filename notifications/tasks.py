"""Tasks take ids and call a service; running one twice is harmless."""

from django.tasks import task

from notifications import services


@task()
def deliver_email(email_id: int) -> None:
    services.email_deliver(email_id=email_id)
