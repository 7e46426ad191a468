from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"

    def ready(self) -> None:
        from api.idempotency import prune
        from cancellations.retention import register_pruning

        register_pruning(prune)  # the daily run deletes answers past their 24 hours
