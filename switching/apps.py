from django.apps import AppConfig


class SwitchingConfig(AppConfig):
    name = "switching"
    verbose_name = "Switching (a change of provider led by the new provider)"

    def ready(self) -> None:
        from switching.companions import switch_events
        from webhooks.services import register_companion_events

        # A switch's request and form changes are told to its gaining provider.
        register_companion_events(switch_events)
