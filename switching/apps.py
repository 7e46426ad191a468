from django.apps import AppConfig


class SwitchingConfig(AppConfig):
    name = "switching"
    verbose_name = "Switching (a change of provider led by the new provider)"
