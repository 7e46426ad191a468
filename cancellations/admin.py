from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cancellations.models import CalendarOverride, CancellationRequest, RequestEvent, Status
from cancellations.services import RequestError, request_confirm
from resilia.client_address import client_ip


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["day", "kind", "name", "created_by", "created_at"]
    list_filter = ["kind"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class RequestEventInline(admin.TabularInline):
    model = RequestEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "status", "actor", "note"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CancellationRequest)
class CancellationRequestAdmin(admin.ModelAdmin):
    """Read-only listing; every change goes through the services (and their audit)."""

    list_display = [
        "reference",
        "customer",
        "subscription",
        "kind",
        "status",
        "received_at",
        "effective_date",
        "channel",
    ]
    list_filter = ["status", "kind", "channel", "on_time_for_month_end"]
    search_fields = [
        "reference",
        "customer__client_code",
        "customer__name",
        "subscription__access_line",
    ]
    list_select_related = ["customer", "subscription"]
    date_hierarchy = "received_at"
    inlines = [RequestEventInline]
    actions = ["confirm_selected"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in CancellationRequest._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Confirm (prise en compte) the selected received requests")
    def confirm_selected(self, request: HttpRequest, queryset: Any) -> None:
        confirmed = 0
        for cancellation in queryset.filter(status=Status.SUBMITTED):
            try:
                request_confirm(
                    request=cancellation,
                    actor=request.user,  # type: ignore[arg-type]
                    ip=client_ip(request),
                )
                confirmed += 1
            except RequestError:
                continue
        self.message_user(request, f"{confirmed} request(s) confirmed.")
