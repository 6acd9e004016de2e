"""The Django admin's site, which lets staff in only once their session has passed the second factor.

web.staff_sessions already sends a half-signed-in staff member to the second step from every page; this
keeps the admin closed on its own as well, should a path ever slip past that middleware.
"""

from django.contrib import admin
from django.http import HttpRequest


class StaffAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        from liuyan.accounts.two_factor import needs_second_factor  # models are not ready at import

        user = request.user
        verified = not needs_second_factor(user) or (hasattr(user, "is_verified") and user.is_verified())
        return super().has_permission(request) and verified
