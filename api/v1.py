from ninja import NinjaAPI

from api import public
from api.errors import install_error_handlers

api = NinjaAPI(
    title="Résilia API",
    version="1",
    description=(
        "Cancellation rules of the ISP (business calendar, quote) and, with an API key, "
        "customers, subscriptions and cancellation requests. Errors are JSON with a "
        "stable `code` and a human `message`."
    ),
    urls_namespace="api-v1",
)
install_error_handlers(api)
api.add_router("", public.router)
