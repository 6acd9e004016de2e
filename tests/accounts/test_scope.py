"""The scope module as a matrix: every role × every permission × inside / outside its scope."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from liuyan.accounts.choices import Permission
from liuyan.accounts.scope import can, get_in_scope_or_404, restrict
from liuyan.directory.models import Leader, Region, Unit

pytestmark = pytest.mark.django_db

ALL = set(Permission)
# What each named user (tests/conftest.py) may do inside its scope; outside it, nothing (but editor
# and admin, whose scope is the whole platform).
INSIDE = {
    "citizen": set(),
    "editor": {Permission.VIEW, Permission.MODERATE, Permission.REVIEW_REPLY},
    "dispatcher": {
        Permission.VIEW,
        Permission.ASSIGN,
        Permission.DECIDE_EXTENSION,
        Permission.REMIND,
        Permission.SUPERVISE,
    },
    "handler": {Permission.VIEW, Permission.HANDLE},
    "leader": {Permission.VIEW, Permission.INSTRUCT, Permission.SUPERVISE, Permission.REVIEW_ACCESS},
    "admin_user": ALL,
}
PLATFORM_WIDE = {"editor", "admin_user"}


def objects(inside: bool, for_handler: bool):
    """A region, unit and leader inside the 临沧市 scope (for a handler, its own unit), or in 北京."""
    if inside:
        unit_code = "530900-education" if for_handler else "530923-education"
        return [
            Region.objects.get(pk="530923"),
            Unit.objects.select_related("region").get(code=unit_code),
            Leader.objects.select_related("region").get(code="530923-secretary"),
        ]
    return [
        Region.objects.get(pk="110105"),
        Unit.objects.select_related("region").get(code="110105-education"),
        Leader.objects.select_related("region").get(code="110105-secretary"),
    ]


@pytest.mark.parametrize("who", list(INSIDE))
@pytest.mark.parametrize("inside", [True, False], ids=["inside", "outside"])
@pytest.mark.parametrize("permission", list(Permission))
def test_matrix(request, who, inside, permission):
    user = request.getfixturevalue(who)
    allowed = permission in INSIDE[who] and (inside or who in PLATFORM_WIDE)
    for obj in objects(inside, for_handler=who == "handler"):
        # A handler's scope is its unit, not a place.
        expected = allowed and (who != "handler" or isinstance(obj, Unit))
        assert can(user, permission, obj) is expected, (who, permission, obj)
        in_queryset = restrict(type(obj).objects.all(), user, permission).filter(pk=obj.pk).exists()
        assert in_queryset is expected, (who, permission, obj, "restrict")


def test_a_handler_does_not_reach_another_unit_of_its_region(handler, other_handler):
    own, other = Unit.objects.get(code="530900-education"), Unit.objects.get(code="530923-education")
    assert can(handler, Permission.HANDLE, own) and not can(handler, Permission.HANDLE, other)
    assert can(other_handler, Permission.HANDLE, other) and not can(other_handler, Permission.HANDLE, own)


def test_a_dispatcher_may_assign_to_central_departments_but_not_handle_them(dispatcher):
    ministry = Unit.objects.get(code="central-moe")
    assert can(dispatcher, Permission.ASSIGN, ministry)
    assert not can(dispatcher, Permission.VIEW, ministry)
    assignable = restrict(Unit.objects.all(), dispatcher, Permission.ASSIGN)
    assert assignable.filter(pk=ministry.pk).exists()
    assert not assignable.filter(region__path__startswith="110000/").exists()
    assert (
        assignable.filter(region__path__startswith="530000/530900/").count()
        == Unit.objects.filter(region__path__startswith="530000/530900/").count()
    )


def test_a_dispatcher_scoped_by_region_covers_the_subtree(db):
    from liuyan.accounts.choices import Role
    from tests.conftest import make_user

    user = make_user("province-desk", Role.DISPATCHER, region=Region.objects.get(pk="530000"))
    assert can(user, Permission.ASSIGN, Region.objects.get(pk="530923"))
    assert not can(user, Permission.ASSIGN, Region.objects.get(pk="520000"))


def test_roles_add_up(leader):
    from liuyan.accounts.choices import Role
    from tests.conftest import make_user

    user = make_user("leader", Role.LEADER, region=Region.objects.get(pk="110000"))
    assert user == leader
    assert can(user, Permission.VIEW, Region.objects.get(pk="110105"))
    assert can(user, Permission.VIEW, Region.objects.get(pk="530923"))


def test_anonymous_and_inactive_users_have_no_scope(editor):
    region = Region.objects.get(pk="530923")
    assert not can(AnonymousUser(), Permission.VIEW, region)
    editor.is_active = False
    assert not can(editor, Permission.VIEW, region)


def test_outside_looks_exactly_like_missing(leader):
    with pytest.raises(Http404):
        get_in_scope_or_404(Region.objects.all(), leader, Permission.VIEW, pk="110105")
    with pytest.raises(Http404):
        get_in_scope_or_404(Region.objects.all(), leader, Permission.VIEW, pk="999999")
    assert get_in_scope_or_404(Region.objects.all(), leader, Permission.VIEW, pk="530923").name == "永德县"
