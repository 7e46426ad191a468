from django.apps import AppConfig


class AccessFormsConfig(AppConfig):
    name = "access_forms"
    verbose_name = "OPTimo line-access forms"

    def ready(self) -> None:
        from access_forms import receivers  # noqa: F401 (connects them)
