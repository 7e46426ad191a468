from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from cancellations.calendar import calendar_override_add, calendar_override_remove
from cancellations.models import CalendarOverride, CancellationRequest, RequestEvent
from toolbox.client_address import client_ip


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    """Supervisors add and remove days; each goes through the service and its audit entry.
    An override is never edited in place: remove it and add the right one."""

    list_display = ["day", "kind", "name", "created_by", "created_at"]
    list_filter = ["kind"]
    readonly_fields = ["created_by", "created_at"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            raise PermissionDenied
        saved = calendar_override_add(
            day=obj.day,
            kind=obj.kind,
            name=obj.name,
            actor=request.user,  # type: ignore[arg-type]
            ip=client_ip(request),
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        calendar_override_remove(override=obj, actor=request.user, ip=client_ip(request))  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for override in queryset:
            self.delete_model(request, override)


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

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in CancellationRequest._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # view only: staff act in the back office, through the services

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
