from ninja import NinjaAPI

from api import customers, forms, public, requests, switches
from api.errors import install_error_handlers

api = NinjaAPI(
    title="Résilia API",
    version="1",
    description=(
        "The ISP's cancellation rules, public and without a key: the business calendar of "
        "a month and the quote of a cancellation received at a given instant (dates, "
        "end-of-month deadline). With an API key (`Authorization: Bearer rsl_…`, created "
        "by a supervisor in the back office): customers and their bulk upsert, requests "
        "(list, read, create, confirm, reject, withdraw), a subscription's quote, OPTimo "
        "forms and the operator's answers, final-invoice data. With a `switching` key (one "
        "of a gaining provider's keys: what one key does, every key of the provider sees): "
        "match a customer by switching code and last name, order, follow, move (3 times a "
        "day) or cancel a switch. Every POST honours an "
        "`Idempotency-Key` header (24 hours). Errors are JSON with a stable `code` and a "
        "human `message`."
    ),
    urls_namespace="api-v1",
)
install_error_handlers(api)
api.add_router("", public.router)
api.add_router("", customers.router)
api.add_router("", requests.router)
api.add_router("", forms.router)
api.add_router("", switches.router)
