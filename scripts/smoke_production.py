"""Fetch the pages a customer and a load balancer use from a running production server.

Called by scripts/smoke-production.sh against gunicorn with DEBUG off. It talks to the
server as the TLS proxy in front of it would (Host, X-Forwarded-Proto, X-Forwarded-For)
and fails on any status other than the expected one.
"""

import http.client
import re
import sys
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

HOST = "resilia.example.nc"


class Browser:
    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.netloc = parts.netloc
        self.cookies: dict[str, str] = {}
        self.failures: list[str] = []

    def request(
        self, method: str, path: str, body: dict[str, str] | None = None
    ) -> tuple[int, str]:
        connection = http.client.HTTPConnection(self.netloc, timeout=30)
        headers = {
            "Host": HOST,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "203.0.113.7",
            "Accept-Language": "fr",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://{HOST}"
            headers["Referer"] = f"https://{HOST}{path}"
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        text = response.read().decode("utf-8", "replace")
        connection.close()
        location = response.headers.get("Location", "")
        return response.status, location if 300 <= response.status < 400 else text

    def expect(self, method: str, path: str, status: int, **kwargs: object) -> str:
        got, text = self.request(method, path, **kwargs)  # type: ignore[arg-type]
        mark = "ok " if got == status else "BAD"
        print(f"{mark} {method} {path} -> {got} (expected {status})")
        if got != status:
            self.failures.append(f"{method} {path}: {got}, expected {status}")
        return text


def main(base: str) -> int:
    browser = Browser(base)
    login = browser.expect("GET", "/connexion/", 200)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login)
    stylesheet = re.search(r'href="(/static/css/resilia\.[0-9a-f]{12}\.css)"', login)
    if not token or not stylesheet:
        browser.failures.append("the log-in page has no CSRF token or no hashed stylesheet")
    else:
        browser.expect("GET", stylesheet.group(1), 200)
        where = browser.expect(
            "POST",
            "/connexion/",
            302,
            body={
                "csrfmiddlewaretoken": token.group(1),
                "username": "C100001",
                "password": "resilia-demo",
            },
        )
        if where not in {"/", f"https://{HOST}/"}:
            browser.failures.append(f"log-in redirected to {where!r}, not the home page")
        home = browser.expect("GET", "/", 200)
        if "Alice" not in home:
            browser.failures.append("the home page does not greet Alice")
        form = browser.expect("GET", "/resiliation/", 200)
        if "desired_date" not in form:
            browser.failures.append("the cancellation form has no desired date field")
    staff = Browser(base)
    staff_login = staff.expect("GET", "/backoffice/connexion/", 200)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', staff_login)
    if not token:
        staff.failures.append("the back office's log-in page has no CSRF token")
    else:
        staff.expect(
            "POST",
            "/backoffice/connexion/",
            302,
            body={
                "csrfmiddlewaretoken": token.group(1),
                "username": "superviseur",
                "password": "resilia-superviseur",
            },
        )
        for path in (
            "/backoffice/",
            "/backoffice/demandes/?needs_action=on&order=-effective",
            "/backoffice/demandes/?received_from=not-a-date",
            "/backoffice/clients/?q=C100001",
            "/backoffice/clients/C100001/",
            "/backoffice/bons/",
            "/backoffice/lots/",
            "/backoffice/tableau-de-bord/",
            "/backoffice/calendrier/",
            "/backoffice/journal/",
            "/backoffice/demandes/?export=csv",
        ):
            staff.expect("GET", path, 200)
    browser.failures += staff.failures
    browser.expect("GET", "/api/v1/docs", 200)
    browser.expect("GET", "/api/v1/openapi.json", 200)
    browser.expect("GET", "/healthz", 200)
    browser.expect("GET", "/demo/boite-mail/", 404)
    browser.expect("GET", "/page-qui-n-existe-pas/", 404)
    for failure in browser.failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if browser.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
