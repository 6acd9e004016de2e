"""个人信息查阅记录: every staff look at a citizen's unmasked data is recorded (the workbench message page,
the API's detail for staff, full-field exports), and administrators and the region's leaders review the
records on a page and as CSV; nobody edits them through the site."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from liuyan.accounts.choices import AccessKind
from liuyan.accounts.models import AccessRecord
from liuyan.board.choices import MessageState
from liuyan.directory.models import Region
from tests.api_client import ApiClient, ok
from tests.conftest import make_user
from tests.factories import make_message

pytestmark = pytest.mark.django_db

LOG = "/workbench/access-log/"
LOG_CSV = "/workbench/access-log/export.csv"


@pytest.fixture
def message(citizen, admin_user):
    """A message about 永德县 (under 临沧市) held by 临沧市教育局, with the citizen's phone."""
    return make_message(citizen, admin_user, MessageState.IN_PROGRESS, contact_phone="13912345678")


def records(**lookup) -> list[AccessRecord]:
    return list(AccessRecord.objects.filter(**lookup).order_by("id"))


def record(user, kind, *, region=None, serial="", detail="", at=None, message_id=None) -> AccessRecord:
    """A record as record_access would have written it (for the review page's tests)."""
    return AccessRecord.objects.create(
        user=user,
        kind=kind,
        region_id=region,
        serial=serial,
        message_id=message_id,
        detail=detail,
        address="10.0.0.9",
        at=at or timezone.now(),
    )


def csv_rows(response) -> list[list[str]]:
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


# ---- What is recorded ----------------------------------------------------------------------------------


class TestRecording:
    def test_the_workbench_message_page_records_who_what_when_where(self, client, handler, message):
        client.force_login(handler)
        before = timezone.now()
        response = client.get(f"/workbench/messages/{message.pk}/", REMOTE_ADDR="192.0.2.7")
        assert response.status_code == 200 and "13912345678" in response.content.decode()
        [look] = records(user=handler)
        assert (look.kind, look.message_id, look.serial, look.region_id, look.address) == (
            AccessKind.MESSAGE,
            message.pk,
            message.serial,
            "530923",
            "192.0.2.7",
        )
        assert before <= look.at <= timezone.now()
        client.get(f"/workbench/messages/{message.pk}/")
        assert len(records(user=handler)) == 2  # every opening, not once per message

    def test_a_page_that_is_not_shown_records_nothing(self, client, other_handler, message):
        client.force_login(other_handler)
        assert client.get(f"/workbench/messages/{message.pk}/").status_code == 404
        assert records() == []

    def test_the_api_detail_for_staff_is_recorded_not_for_the_author_or_the_public(
        self, handler, citizen, message
    ):
        message.public = True
        message.save(update_fields=["public"])
        staff = ok(ApiClient(handler).get(f"/messages/{message.pk}"))
        assert staff["staff"]["contact_phone"] == "13912345678"
        assert [(r.user, r.kind, r.message_id) for r in records()] == [
            (handler, AccessKind.MESSAGE, message.pk)
        ]
        ok(ApiClient(citizen).get(f"/messages/{message.pk}"))  # the author reads their own
        ok(ApiClient().get(f"/messages/{message.pk}"))  # anonymous: masked, nothing to record
        ok(ApiClient(make_user("passer-by", "citizen")).get(f"/messages/{message.pk}"))
        assert len(records()) == 1

    def test_a_staff_action_answered_with_the_detail_is_recorded(self, handler, message):
        answer = ok(ApiClient(handler).act(message.pk, "extension", {"days": 3, "reason": "需要现场勘查"}))
        assert answer["staff"]["contact_phone"] == "13912345678"
        assert [(r.user, r.kind, r.message_id) for r in records()] == [
            (handler, AccessKind.MESSAGE, message.pk)
        ]
        # Returned to the desk, the message is out of the unit's sight: the answer is masked, not recorded.
        answer = ok(ApiClient(handler).act(message.pk, "return", {"reason": "不属本单位职责"}))
        assert answer["staff"] is None and len(records()) == 1

    def test_a_full_field_export_records_its_filters_and_region(self, client, dispatcher, message):
        client.force_login(dispatcher)
        response = client.get("/workbench/export.csv?region=530923&q=学校")
        assert response.status_code == 200
        assert any("13912345678" in ",".join(row) for row in csv_rows(response))
        [look] = records(user=dispatcher)
        assert look.kind == AccessKind.EXPORT and look.message_id is None and look.region_id == "530923"
        assert "region=530923" in look.detail and "q=学校" in look.detail and "CSV" in look.detail

    def test_an_unfiltered_export_is_filed_under_the_users_own_region(self, client, dispatcher, message):
        client.force_login(dispatcher)
        assert client.get("/workbench/export.xlsx").status_code == 200
        [look] = records(user=dispatcher)
        assert look.region_id == "530900" and "XLSX" in look.detail and "筛选：无" in look.detail

    def test_a_queue_export_records_the_queue_and_its_row_count(self, client, handler, message):
        client.force_login(handler)
        response = client.get("/workbench/queues/unit_in_progress/export.csv")
        assert response.status_code == 200 and len(csv_rows(response)) == 2
        [look] = records(user=handler)
        assert look.kind == AccessKind.EXPORT and look.region_id == "530900"
        assert look.detail == "导出工作台队列“办理中”（CSV），1 条"

    def test_a_refused_export_records_nothing(self, client, dispatcher, citizen):
        client.force_login(dispatcher)
        assert client.get("/workbench/export.csv?region=12").status_code == 400
        client.force_login(citizen)
        assert client.get("/workbench/export.csv").status_code == 403
        assert records() == []


# ---- Who reviews it ----------------------------------------------------------------------------------


class TestReview:
    @pytest.fixture
    def looks(self, handler, dispatcher, editor):
        now, day = timezone.now(), timedelta(days=1)
        return {
            "county": record(handler, AccessKind.MESSAGE, region="530923", serial="LY1", at=now),
            "city": record(dispatcher, AccessKind.EXPORT, region="530900", detail="导出", at=now - day),
            "beijing": record(editor, AccessKind.MESSAGE, region="110105", serial="LY2", at=now - 2 * day),
            "nowhere": record(editor, AccessKind.EXPORT, detail="全国导出", at=now - 3 * day),
        }

    def shown(self, response) -> list[int]:
        return [r.pk for r in response.context["page"].object_list]

    def test_an_admin_sees_every_record_newest_first(self, client, admin_user, looks):
        client.force_login(admin_user)
        response = client.get(LOG)
        assert response.status_code == 200
        assert self.shown(response) == [looks[k].pk for k in ("county", "city", "beijing", "nowhere")]
        assert "个人信息查阅记录" in response.content.decode()

    def test_a_leader_sees_the_records_of_their_region_subtree(self, client, leader, looks):
        client.force_login(leader)  # 临沧市
        response = client.get(LOG)
        assert self.shown(response) == [looks["county"].pk, looks["city"].pk]

    def test_a_provincial_leader_sees_the_cities_below(self, client, looks):
        yunnan = make_user("yunnan-leader", "leader", region=Region.objects.get(pk="530000"))
        client.force_login(yunnan)
        assert self.shown(client.get(LOG)) == [looks["county"].pk, looks["city"].pk]

    @pytest.mark.parametrize("role", ["citizen", "editor", "dispatcher", "handler"])
    def test_everyone_else_gets_404(self, client, request, role, looks):
        client.force_login(request.getfixturevalue(role))
        assert client.get(LOG).status_code == 404
        assert client.get(LOG_CSV).status_code == 404

    def test_anonymous_is_sent_to_sign_in(self, client, looks):
        response = client.get(LOG)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    def test_the_workbench_links_it_for_those_who_review(self, client, leader, handler):
        client.force_login(leader)
        assert f'href="{LOG}"' in client.get("/workbench/").content.decode()
        client.force_login(handler)
        assert f'href="{LOG}"' not in client.get("/workbench/").content.decode()

    def test_filters_by_user_kind_and_dates(self, client, admin_user, editor, looks):
        client.force_login(admin_user)
        assert self.shown(client.get(LOG, {"user": "editor"})) == [looks["beijing"].pk, looks["nowhere"].pk]
        assert self.shown(client.get(LOG, {"user": "editor", "kind": "export"})) == [looks["nowhere"].pk]
        today = timezone.localdate()
        one_day = {"start": f"{today - timedelta(1)}", "end": f"{today - timedelta(1)}"}
        assert self.shown(client.get(LOG, one_day)) == [looks["city"].pk]
        assert self.shown(client.get(LOG, {"start": f"{today}"})) == [looks["county"].pk]
        assert self.shown(client.get(LOG, {"user": "nobody"})) == []

    @pytest.mark.parametrize(
        ("query", "error"),
        [
            ({"start": "2026-02-30"}, "请输入有效的日期（如 2026-03-01）。"),
            ({"start": "0001-01-01"}, "日期应在 2000-01-01 至 2099-12-31 之间。"),
            ({"end": "9999-12-31"}, "日期应在 2000-01-01 至 2099-12-31 之间。"),
            ({"start": "2026-03-02", "end": "2026-03-01"}, "结束日期不能早于开始日期。"),
            ({"kind": "delete"}, "没有这个类别。"),
        ],
    )
    def test_bad_filters_are_a_clear_400(self, client, admin_user, looks, query, error):
        client.force_login(admin_user)
        response = client.get(LOG, query)
        assert response.status_code == 400 and error in response.content.decode()
        assert client.get(LOG_CSV, query).status_code == 400

    def test_pages_keep_the_filter(self, client, admin_user, handler):
        for n in range(25):
            record(handler, AccessKind.MESSAGE, region="530923", serial=f"LY{n:02d}")
        client.force_login(admin_user)
        response = client.get(LOG, {"user": "handler", "page": "99999999999999999999"})
        assert response.status_code == 200 and response.context["page"].number == 2
        assert 'href="?user=handler&amp;page=1"' in response.content.decode()

    def test_csv_of_the_same_filter_guards_against_formulas(self, client, leader, handler, looks):
        record(handler, AccessKind.EXPORT, region="530923", detail='=HYPERLINK("http://x")')
        record(handler, AccessKind.EXPORT, region="110105", detail="北京的记录")
        client.force_login(leader)
        response = client.get(LOG_CSV, {"user": "handler"})
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        rows = csv_rows(response)
        assert rows[0][:4] == ["时间", "用户", "昵称", "类别"]
        assert [row[5] for row in rows[1:]] == ['\'=HYPERLINK("http://x")', ""]
        assert [row[3] for row in rows[1:]] == ["导出（含完整字段）", "查看留言（含联系方式）"]
        assert all(row[6] == "530923" and row[8] == "10.0.0.9" for row in rows[1:])
        assert "北京的记录" not in str(rows)


# ---- Nobody edits it ------------------------------------------------------------------------------


class TestReadOnly:
    def test_the_admin_shows_records_but_cannot_add_change_or_delete(self, client, admin_user, handler):
        look = record(handler, AccessKind.MESSAGE, region="530923", serial="LY1")
        client.force_login(admin_user)
        changelist = client.get("/admin/accounts/accessrecord/")
        assert changelist.status_code == 200 and "LY1" in changelist.content.decode()
        assert client.get("/admin/accounts/accessrecord/add/").status_code == 403
        page = client.get(f"/admin/accounts/accessrecord/{look.pk}/change/")
        assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
        edit = client.post(f"/admin/accounts/accessrecord/{look.pk}/change/", {"serial": "LY-edited"})
        assert edit.status_code == 403
        assert client.get(f"/admin/accounts/accessrecord/{look.pk}/delete/").status_code == 403
        client.post(
            "/admin/accounts/accessrecord/",
            {"action": "delete_selected", "_selected_action": [look.pk], "post": "yes"},
        )
        look.refresh_from_db()
        assert look.serial == "LY1"

    def test_reviewing_the_log_writes_nothing_to_it(self, client, admin_user, handler):
        record(handler, AccessKind.MESSAGE, region="530923")
        client.force_login(admin_user)
        client.get(LOG)
        csv_rows(client.get(LOG_CSV))
        assert AccessRecord.objects.count() == 1
