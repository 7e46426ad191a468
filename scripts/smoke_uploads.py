"""Hostile uploads against the running production server (scripts/smoke-production.sh).

`send`: Bob, logged in, asks to cancel his line, then sends as his signed form a PDF that
inflates to 600 MB and one of ten pages of 100,000 drawing operators each, at once, while
the load balancer's probe asks /healthz every tenth of a second. Each upload is answered
at once (the worker reads PDFs, never a web process), /healthz within a second
throughout, and a burst of uploads meets the hourly limit (429). It prints the request's
reference last.

`read REFERENCE`, after a worker's pass: the form page says why the PDF was refused.
"""

import http.client
import re
import sys
import threading
import time
import uuid
from urllib.parse import urlsplit

from smoke_production import HOST, Browser

from testing.hostile_pdfs import busy_pdf, inflating_pdf

REFERENCE = re.compile(r"/resiliation/envoyee/(RES-\d{4}-\d{6})/")


class Probe(threading.Thread):
    """The load balancer: /healthz every 0.1 s, the slowest answer and any not 200."""

    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.netloc = urlsplit(base).netloc
        self.slowest = 0.0
        self.bad: list[str] = []
        self.asked = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            started = time.monotonic()
            try:
                connection = http.client.HTTPConnection(self.netloc, timeout=30)
                connection.request("GET", "/healthz", headers={"Host": HOST})
                status = connection.getresponse().status
                connection.close()
            except OSError as exc:
                status, error = 0, str(exc)
            else:
                error = ""
            took = time.monotonic() - started
            self.asked += 1
            self.slowest = max(self.slowest, took)
            if status != 200:
                self.bad.append(f"/healthz answered {status} {error}".strip())
            time.sleep(0.1)


def _csrf(page: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    return found.group(1) if found else ""


def _upload(browser: Browser, reference: str, name: str, content: bytes) -> tuple[int, float]:
    page = browser.request("GET", f"/mes-demandes/{reference}/bon/")[1]
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
            f"{_csrf(page)}\r\n--{boundary}\r\nContent-Disposition: form-data; "
            f'name="document"; filename="{name}"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    connection = http.client.HTTPConnection(browser.netloc, timeout=60)
    headers = {
        "Host": HOST,
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": "203.0.113.8",
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Origin": f"https://{HOST}",
        "Referer": f"https://{HOST}/mes-demandes/{reference}/bon/",
        "Cookie": "; ".join(f"{k}={v}" for k, v in browser.cookies.items()),
    }
    started = time.monotonic()
    connection.request("POST", f"/mes-demandes/{reference}/bon/scan/", body=body, headers=headers)
    status = connection.getresponse().status
    connection.close()
    return status, time.monotonic() - started


def _bob(base: str) -> Browser:
    bob = Browser(base)
    login = bob.expect("GET", "/connexion/", 200)
    bob.expect(
        "POST",
        "/connexion/",
        302,
        body={
            "csrfmiddlewaretoken": _csrf(login),
            "username": "C100002",
            "password": "resilia-demo",
        },
    )
    return bob


def read(base: str, reference: str) -> int:
    """After the worker's pass: the form page says the last PDF could not be read."""
    bob = _bob(base)
    page = bob.expect("GET", f"/mes-demandes/{reference}/bon/", 200)
    told = "too long to read" in page or "trop long à lire" in page
    print(f"the form page {'tells' if told else 'does NOT tell'} why the PDF was refused")
    return 0 if told and not bob.failures else 1


def send(base: str) -> int:
    bob = _bob(base)
    form = bob.expect("GET", "/resiliation/", 200)
    date = re.search(r'name="desired_date" value="([0-9-]+)"', form)
    sent = bob.expect(
        "POST",
        "/resiliation/confirmer/",
        302,
        body={
            "csrfmiddlewaretoken": _csrf(form),
            "subscription": "SUB-100002-1",
            "desired_date": date.group(1) if date else "",
            "kind": "definitive",
            "idempotency_key": uuid.uuid4().hex,
        },
    )
    found = REFERENCE.search(sent)
    if not found:
        print(f"FAILED: Bob's request was not sent (answer: {sent[:200]!r})", file=sys.stderr)
        return 1
    reference = found.group(1)
    probe = Probe(base)
    probe.start()
    time.sleep(0.5)
    answers: dict[str, tuple[int, float]] = {}
    hostile = {"inflating.pdf": inflating_pdf(600), "busy.pdf": busy_pdf(10, 100_000)}
    senders = [
        threading.Thread(
            target=lambda n=n, c=c: answers.__setitem__(n, _upload(bob, reference, n, c))
        )
        for n, c in hostile.items()
    ]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    burst = [_upload(bob, reference, f"again-{i}.pdf", hostile["busy.pdf"]) for i in range(10)]
    time.sleep(0.5)
    probe.done.set()
    probe.join()
    failures = list(probe.bad)
    for name, (status, took) in answers.items():
        print(f"upload {name}: {status} in {took:.2f} s")
        if status != 302 or took > 5:
            failures.append(f"{name} was answered {status} in {took:.1f} s, not 302 at once")
    statuses = [status for status, _took in burst]
    print(f"burst of 10 more: {statuses}")
    if 429 not in statuses or any(status not in (302, 429) for status in statuses):
        failures.append(f"the burst of uploads did not meet the limit: {statuses}")
    print(f"/healthz asked {probe.asked} times, slowest {probe.slowest:.2f} s")
    if probe.slowest >= 1.0:
        failures.append(f"/healthz took {probe.slowest:.2f} s during the uploads")
    print(reference)  # the last line: the request whose form the worker reads next
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures or bob.failures else 0


if __name__ == "__main__":
    base, step = sys.argv[1], sys.argv[2]
    sys.exit(send(base) if step == "send" else read(base, step))
