"""Tasks take plain values and call a service; running one twice is harmless (the
service's hourly limit counts the e-mails already written)."""

from django.tasks import task

from accounts import services
from notifications.tasks import URGENT


@task(priority=URGENT)
def send_access_link(client_code: str, email: str, site_url: str) -> None:
    services.access_link_send(client_code=client_code, email=email, site_url=site_url)
