from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from customers.models import Customer, Mailbox, Plan, Subscription


class ViewOnly:
    """Customers, plans, subscriptions and mailboxes change through the billing import and
    the cancellation services (with their audit entries), never by hand in the admin."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SubscriptionInline(ViewOnly, admin.TabularInline):
    model = Subscription
    extra = 0
    fields = ["reference", "plan", "started_on", "status", "ends_on", "access_line", "line_holder"]
    show_change_link = True


@admin.register(Customer)
class CustomerAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["client_code", "name", "email", "phone", "language"]
    search_fields = ["client_code", "name", "email", "subscriptions__access_line"]
    list_filter = ["language"]
    inlines = [SubscriptionInline]
    raw_id_fields = ["user"]


@admin.register(Plan)
class PlanAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["name", "monthly_price_xpf"]


class MailboxInline(ViewOnly, admin.TabularInline):
    model = Mailbox
    extra = 0


@admin.register(Subscription)
class SubscriptionAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["reference", "customer", "plan", "started_on", "status", "access_line"]
    list_filter = ["status", "plan"]
    search_fields = ["reference", "customer__client_code", "customer__name", "access_line"]
    list_select_related = ["customer", "plan"]
    raw_id_fields = ["customer"]
    inlines = [MailboxInline]


@admin.register(Mailbox)
class MailboxAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["address", "subscription", "status", "retained_until"]
    list_filter = ["status"]
    search_fields = ["address", "subscription__reference"]
    raw_id_fields = ["subscription"]
