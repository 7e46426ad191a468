from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "backoffice"

    def ready(self) -> None:
        from backoffice.selectors import dashboard_refresh_if_due
        from notifications import periodic

        # The worker keeps the dashboard's figures fresh (computed when four minutes old).
        periodic.register(dashboard_refresh_if_due)
