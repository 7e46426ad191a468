from django.urls import path

from bench import views
from resilia.urls import handler400, handler403, handler404, handler500, urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]

urlpatterns = [
    path("bench/hello", views.hello),
    path("bench/insert", views.insert),
    path("bench/writes", views.writes),
    *urlpatterns,
]
