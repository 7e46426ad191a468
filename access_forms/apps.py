from django.apps import AppConfig


class AccessFormsConfig(AppConfig):
    name = "access_forms"
    verbose_name = "OPTimo line-access forms"
