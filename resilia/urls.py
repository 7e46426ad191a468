from django.contrib import admin
from django.urls import include, path

from api.v1 import api
from operations.metrics import metrics
from portal.language import set_language
from resilia.views import favicon, healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    # Browsers and crawlers ask for /favicon.ico whatever the pages say.
    path("favicon.ico", favicon),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("backoffice/", include("backoffice.urls")),
    path("api/v1/", api.urls),
    path("", include("cancellations.urls")),
    path("", include("access_forms.urls")),
    path("", include("switching.urls")),
    path("", include("portal.urls")),
]

handler400 = "resilia.errors.bad_request"
handler403 = "resilia.errors.permission_denied"
handler404 = "resilia.errors.page_not_found"
handler500 = "resilia.errors.server_error"
