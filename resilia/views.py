from django.contrib.staticfiles.storage import staticfiles_storage
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static

# A file every page links to: if its hashed name cannot be found, pages answer 500.
HEALTH_STATIC_FILE = "css/resilia.css"


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return False
    return True


def _static_files_served() -> bool:
    try:
        staticfiles_storage.url(HEALTH_STATIC_FILE)
    except ValueError:  # no manifest entry: collectstatic did not run or failed
        return False
    return True


def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers: 200 only when the application can serve pages, that is when
    the database answers and the static files were collected; 503 otherwise."""
    checks = {
        "database": "ok" if _database_answers() else "unreachable",
        "static": "ok" if _static_files_served() else "missing",
    }
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )


def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers and crawlers ask for whatever the pages say: the icon
    the pages link to."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
