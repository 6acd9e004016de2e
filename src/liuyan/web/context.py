"""What every page's navigation needs: the signed-in user's unread notices and whether they have a
workbench. Two small queries for a signed-in user, none for a visitor."""

from liuyan.accounts.choices import Role
from liuyan.notify.selectors import unread_count


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_unread": 0, "nav_staff": False}
    staff_roles = {Role.EDITOR, Role.DISPATCHER, Role.HANDLER, Role.LEADER, Role.ADMIN}
    return {
        "nav_unread": unread_count(user),
        "nav_staff": user.is_superuser or user.memberships.filter(role__in=staff_roles).exists(),
    }
