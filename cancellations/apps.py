from django.apps import AppConfig


class CancellationsConfig(AppConfig):
    name = "cancellations"
    verbose_name = "Cancellations"

    def ready(self) -> None:
        from cancellations import calendar  # noqa: F401 (connects the cache invalidation)
        from cancellations.emails import mailbox_context, request_context
        from cancellations.receipts import receipt_bytes, receipt_write
        from notifications import registry

        # The acknowledgement and the notices are rendered by the sender, the receipt
        # attached then (written first if it never was).
        registry.register_context("request", request_context)
        registry.register_context("mailbox", mailbox_context)
        registry.register_attachment(
            "receipt", lambda request_id: receipt_bytes(receipt_write(int(request_id)))
        )
