from django.apps import AppConfig


class ResiliaConfig(AppConfig):
    name = "resilia"
    verbose_name = "Résilia"

    def ready(self) -> None:
        from access_forms.holder_links import signing_link_token
        from accounts.services import access_link_token
        from cancellations.emails import mailbox_context, request_context
        from cancellations.public import public_code_token
        from cancellations.receipts import receipt_bytes, receipt_write
        from notifications import registry
        from resilia import checks  # noqa: F401  (`check --deploy`: RESILIA_SITE_URL)
        from switching.objection import objection_link_token

        # What the outbox makes when a message leaves, every maker in one list: the
        # acknowledgement's and the notices' context, the receipt attached (written first
        # if it never was), and the live token of each kind of secret link.
        registry.register_context("request", request_context)
        registry.register_context("mailbox", mailbox_context)
        registry.register_attachment(
            "receipt", lambda request_id: receipt_bytes(receipt_write(int(request_id)))
        )
        registry.register_token("access", access_link_token)
        registry.register_token("signing", signing_link_token)
        registry.register_token("public_code", public_code_token)
        registry.register_token("switch_objection", objection_link_token)
