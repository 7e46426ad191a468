"""Django's admin is the superusers' inspection tool; staff work in /backoffice/."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class ResiliaAdminSite(admin.AdminSite):
    site_header = "Résilia"
    site_title = "Résilia"

    def has_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)


class ResiliaAdminConfig(AdminConfig):
    """django.contrib.admin with the site above: Django's documented way to replace it."""

    default_site = "resilia.admin.ResiliaAdminSite"
