import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from liuyan.directory import catalogue
from liuyan.directory.actions import seed_directory
from liuyan.directory.models import MessageType, Region, SlaPolicy
from liuyan.directory.selectors import SlaTerms, sla_terms

pytestmark = pytest.mark.django_db


def message_type(code: str) -> MessageType:
    return MessageType.objects.get(code=code)


def region(code: str) -> Region:
    return Region.objects.get(pk=code)


def policy(region_code: str | None, type_code: str | None, accept_days: int, reply_days: int) -> SlaPolicy:
    return SlaPolicy.objects.create(
        region_id=region_code,
        message_type=type_code and message_type(type_code),
        accept_days=accept_days,
        reply_days=reply_days,
    )


def terms(region_code: str | None, type_code: str) -> tuple[int, int]:
    found = sla_terms(region_code and region(region_code), message_type(type_code))
    return found.accept_days, found.reply_days


def test_the_seed_creates_the_national_defaults():
    national = {
        (p.message_type.code if p.message_type else None): (p.accept_days, p.reply_days)
        for p in SlaPolicy.objects.filter(region=None).select_related("message_type")
    }
    assert national == {None: (1, 15), "suggestion": (1, 10), "inquiry": (1, 10)}
    assert terms("530923", "complaint") == (1, 15)
    assert terms("530923", "suggestion") == (1, 10)
    assert terms("530923", "inquiry") == (1, 10)
    assert terms(None, "help") == (1, 15)


def test_the_nearest_region_wins_even_over_a_type_specific_policy_further_up():
    policy("530000", "complaint", 4, 7)
    policy("530900", "complaint", 3, 6)
    policy("530923", None, 2, 5)

    assert terms("530923", "complaint") == (2, 5)  # the county's all-types policy
    assert terms("530922", "complaint") == (3, 6)  # another county of 临沧市: the prefecture's
    assert terms("530100", "complaint") == (4, 7)  # another prefecture of 云南省: the province's
    assert terms("530100", "help") == (1, 15)  # the province has nothing for this type: national
    assert terms("110105", "complaint") == (1, 15)  # another province: national


def test_the_type_specific_policy_wins_at_the_same_level():
    policy("530900", None, 3, 9)
    policy("530900", "complaint", 2, 4)

    assert terms("530923", "complaint") == (2, 4)
    assert terms("530923", "help") == (3, 9)
    assert terms("530900", "suggestion") == (3, 9)  # beats the national type-specific row


def test_the_province_applies_below_it():
    policy("530000", None, 2, 12)
    assert terms("530000", "help") == (2, 12)
    assert terms("530900", "help") == (2, 12)
    assert terms("530923", "help") == (2, 12)


def test_the_national_type_specific_row_beats_the_national_all_types_row():
    SlaPolicy.objects.filter(region=None, message_type=None).update(reply_days=20)
    assert terms("530923", "help") == (1, 20)
    assert terms("530923", "suggestion") == (1, 10)


def test_the_code_defaults_apply_when_the_table_is_empty():
    SlaPolicy.objects.all().delete()
    assert terms("530923", "complaint") == catalogue.DEFAULT_SLA_DAYS == (1, 15)
    assert terms("530923", "suggestion") == (1, 10)
    assert terms("530923", "inquiry") == (1, 10)
    assert terms("530923", "thanks") == (1, 15)
    assert sla_terms(region("530923"), message_type("help")) == SlaTerms(accept_days=1, reply_days=15)


def test_one_query_for_the_terms(django_assert_num_queries):
    county, complaint = region("530923"), message_type("complaint")
    policy("530900", "complaint", 3, 6)
    with django_assert_num_queries(1):
        assert sla_terms(county, complaint) == SlaTerms(3, 6)


@pytest.mark.parametrize(
    ("region_code", "type_code"),
    [(None, None), (None, "suggestion"), ("530900", None), ("530900", "complaint")],
)
def test_one_policy_per_region_and_type_even_with_nulls(region_code, type_code):
    if region_code is not None:
        policy(region_code, type_code, 2, 5)
    duplicate = SlaPolicy(
        region_id=region_code,
        message_type=type_code and message_type(type_code),
        accept_days=3,
        reply_days=6,
    )

    # What the admin form runs: refused with a message, before the database sees the row.
    with pytest.raises(ValidationError):
        duplicate.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_the_national_all_types_duplicate_is_explained_in_chinese():
    duplicate = SlaPolicy(region=None, message_type=None, accept_days=2, reply_days=5)
    with pytest.raises(ValidationError) as refused:
        duplicate.validate_constraints()
    assert refused.value.messages == ["全国默认的所有类型时限已存在。"]


def test_a_deadline_is_at_least_one_working_day():
    with pytest.raises(IntegrityError), transaction.atomic():
        policy("530900", None, 0, 5)


@pytest.mark.slow
def test_seeding_restores_a_missing_national_row_and_then_changes_nothing():
    SlaPolicy.objects.filter(region=None, message_type__code="suggestion").delete()
    policy("530900", None, 3, 9)

    report = seed_directory()
    assert report.created["sla policies"] == 1
    assert "sla policies: 1 created, 0 updated" in report.lines()
    assert terms("110105", "suggestion") == (1, 10)

    report = seed_directory()
    assert report.created["sla policies"] == 0
    assert not report.changed
    assert SlaPolicy.objects.count() == 4
