from ninja import NinjaAPI

from api import public
from api.errors import install_error_handlers

api = NinjaAPI(
    title="Résilia API",
    version="1",
    description=(
        "The ISP's cancellation rules, public and without a key: the business calendar of "
        "a month and the quote of a cancellation received at a given instant (dates, "
        "end-of-month deadline). Errors are JSON with a stable `code` and a human `message`."
    ),
    urls_namespace="api-v1",
)
install_error_handlers(api)
api.add_router("", public.router)
