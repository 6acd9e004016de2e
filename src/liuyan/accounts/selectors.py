"""Reads of accounts."""

from liuyan.accounts.models import User


def user_summary(user: User) -> dict:
    """The user with its roles and their scopes, as plain data (for the CLI and the API)."""
    memberships = user.memberships.select_related("unit", "region").order_by("id")
    return {
        "id": user.id,
        "username": user.username,
        "nickname": user.nickname,
        "roles": [
            {
                "role": m.role,
                "unit": {"id": m.unit.id, "name": m.unit.name} if m.unit else None,
                "region": {"code": m.region.code, "name": m.region.name} if m.region else None,
            }
            for m in memberships
        ],
    }
