from django.apps import AppConfig


class CancellationsConfig(AppConfig):
    name = "cancellations"
    verbose_name = "Cancellations"

    def ready(self) -> None:
        from cancellations import calendar  # noqa: F401 (connects the cache invalidation)
