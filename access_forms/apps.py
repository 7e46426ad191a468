from django.apps import AppConfig


class AccessFormsConfig(AppConfig):
    name = "access_forms"
    verbose_name = "OPTimo line-access forms"

    def ready(self) -> None:
        from access_forms import receivers  # noqa: F401 (connects them)
        from access_forms.signing import handle_one_form_reminder
        from cancellations.jobs import register_daily_step

        register_daily_step("forms_reminded", handle_one_form_reminder)
