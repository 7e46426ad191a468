"""Tasks take ids and call a service; running one twice is harmless. (The services are
imported when a task runs: they queue these tasks themselves.)"""

from django.tasks import task

from notifications.tasks import URGENT


@task(priority=URGENT)
def check_public_submission(submission_id: int) -> None:
    from cancellations.public import submission_check

    submission_check(submission_id)


@task(priority=URGENT)
def send_public_code(submission_id: int) -> None:
    from cancellations.public import code_send

    code_send(submission_id)


@task()
def write_receipt(request_id: int) -> None:
    """No longer queued (the acknowledgement's delivery writes the receipt); kept so
    that a task queued before the upgrade still runs."""
    from cancellations.receipts import receipt_write

    receipt_write(request_id)
