"""/metrics in Prometheus' text format (the `prometheus-client` library): the figures of
`operations.health` read from the database at each scrape, and the HTTP answers by
status, counted by every web process.

With several gunicorn workers, set PROMETHEUS_MULTIPROC_DIR to an empty directory before
they start (docs/operations.md): the counts of all of the machine's processes are then
added up, as prometheus-client documents. Without it, a scrape sees one process's counts.
"""

import contextlib
import ipaddress
import os
from collections.abc import Callable, Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from operations.health import health_figures

ANSWERS = Counter("resilia_http_responses", "HTTP answers by status.", ["status"])


class CountAnswersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Never a page's failure: a missing PROMETHEUS_MULTIPROC_DIR loses a count only.
        with contextlib.suppress(OSError):
            ANSWERS.labels(status=str(response.status_code)).inc()
        return response


class FiguresCollector(Collector):
    """The Santé page's figures, one metric family per name."""

    def collect(self) -> Iterator[Metric]:
        families: dict[str, Metric] = {}
        for figure in health_figures():
            family = families.get(figure.metric)
            if family is None:
                kind = CounterMetricFamily if figure.counter else GaugeMetricFamily
                family = kind(figure.metric, figure.help, labels=list(figure.labels))
                families[figure.metric] = family
            family.add_metric(list(figure.labels.values()), figure.value)  # type: ignore[attr-defined]
        yield from families.values()


def _may_read(request: HttpRequest) -> bool:
    """The token, or a direct connection from a trusted network. The address judged is
    the connection's own (REMOTE_ADDR), and only without X-Forwarded-For: a header anyone
    can write, and a request through the proxy is a stranger's."""
    token = settings.RESILIA_METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and constant_time_compare(given, f"Bearer {token}"):
        return True
    if "X-Forwarded-For" in request.headers:
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR") or "")
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(network, strict=False)
        for network in settings.RESILIA_METRICS_NETWORKS
    )


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """For Prometheus: with the token, or from the trusted networks; 403 otherwise."""
    if not _may_read(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)  # type: ignore[no-untyped-call]
    else:
        processes = REGISTRY
    figures = CollectorRegistry()
    figures.register(FiguresCollector())
    response = HttpResponse(
        generate_latest(processes) + generate_latest(figures), content_type=CONTENT_TYPE_LATEST
    )
    response["Cache-Control"] = "no-store"
    return response
