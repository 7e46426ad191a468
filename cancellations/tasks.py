"""Tasks take ids and call a service; running one twice is harmless."""

from django.tasks import task

from cancellations import public


@task()
def check_public_submission(submission_id: int) -> None:
    public.submission_check(submission_id)


@task()
def send_public_code(submission_id: int) -> None:
    public.code_send(submission_id)
