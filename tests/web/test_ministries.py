"""Ministry boards (部委留言板): the seeded desks and leaders, the leaders API, a message to a ministry leader
with or without a place, the ministry desk's queue and scope, the ministry and leader pages, the statistics
counted under the department."""

import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from liuyan.accounts.choices import Role
from liuyan.board.choices import MessageState
from liuyan.board.models import Message
from liuyan.directory.actions import seed_ministries
from liuyan.directory.choices import UnitKind
from liuyan.directory.models import Domain, Leader, Unit
from liuyan.reports.choices import Dimension
from liuyan.reports.models import DailyCount
from tests.conftest import make_user, post_action

pytestmark = pytest.mark.django_db

TITLE = "关于上市公司信息披露不及时的投诉"
BODY = "某上市公司多次延迟披露重大事项，投资者无法及时了解公司经营情况，请证监会依法查处并规范信息披露。"


def csrc_head() -> Leader:
    return Leader.objects.select_related("desk", "department").get(code="central-csrc-head")


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (12, 16), "navy").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def ministry_dispatcher(db):
    """Staff of the desk of 中国证券监督管理委员会."""
    return make_user("csrc-desk", Role.DISPATCHER, unit=Unit.objects.get(code="central-csrc-desk"))


def post_to_ministry(client, citizen, **fields):
    client.force_login(citizen)
    data = {
        "department": "central-csrc",
        "leader_id": str(csrc_head().id),
        "type": "complaint",
        "domain": str(Domain.objects.get(name="金融", parent=None).id),
        "title": TITLE,
        "body": BODY,
        "public": "on",
        "campaign": "",
        **fields,
    }
    return client.post("/post/", data)


def test_each_central_department_has_a_desk_and_leaders_and_a_second_seed_adds_none():
    department = Unit.objects.get(code="central-csrc")
    desk = Unit.objects.get(code="central-csrc-desk")
    assert (desk.kind, desk.region_id, desk.parent_id) == (UnitKind.DISPATCH_DESK, None, department.pk)
    leaders = Leader.objects.filter(department=department).order_by("order")
    titles = list(leaders.values_list("title", flat=True))
    assert titles == ["中国证券监督管理委员会主席", "中国证券监督管理委员会副主席"]
    assert Leader.objects.get(code="central-moe-head").title == "教育部部长"
    assert Leader.objects.get(code="central-pbc-head").title == "中国人民银行行长"
    assert Leader.objects.get(code="central-ndrc-head").title == "国家发展和改革委员会主任"
    assert Leader.objects.get(code="central-samr-head").title == "国家市场监督管理总局局长"
    assert all(leader.desk_id == desk.pk for leader in Leader.objects.filter(department=department))
    assert seed_ministries() == (0, 0)


def test_the_leaders_api_lists_the_central_departments_leaders(client):
    response = client.get("/api/v1/leaders?central=true")
    assert response.status_code == 200
    body = response.json()
    assert len(body) == Leader.objects.filter(department__isnull=False, active=True).count() > 20
    head = next(row for row in body if row["title"] == "中国证券监督管理委员会主席")
    assert head["region"] is None and head["department"]["name"] == "中国证券监督管理委员会"
    assert head["desk"]["name"] == "中国证券监督管理委员会留言办理工作机构"

    one = client.get("/api/v1/leaders?central=true&department=central-csrc").json()
    assert [row["title"] for row in one] == ["中国证券监督管理委员会主席", "中国证券监督管理委员会副主席"]
    local = client.get("/api/v1/leaders?region=530900").json()
    assert local and all(row["department"] is None and row["region"] == "530900" for row in local)


@pytest.mark.parametrize(
    "query, status, code",
    [
        ("", 422, "validation_error"),
        ("?central=true&region=530900", 422, "validation_error"),
        ("?central=true&department=central-nothing", 404, "department_not_found"),
        ("?central=true&department=530900-desk", 404, "department_not_found"),
        ("?central=maybe", 422, None),
    ],
)
def test_the_leaders_api_refuses_a_bad_query_clearly(client, query, status, code):
    response = client.get(f"/api/v1/leaders{query}")
    assert response.status_code == status
    if code:
        assert response.json()["error"]["code"] == code


def test_a_message_to_a_ministry_leader_naming_no_place_reaches_the_ministry_desk(
    client, citizen, editor, ministry_dispatcher, dispatcher
):
    response = post_to_ministry(client, citizen)
    assert response.status_code == 302, response.content.decode()[:2000]
    message = Message.objects.get(title=TITLE)
    assert message.region_id is None and message.desk.code == "central-csrc-desk"
    assert message.leader.code == "central-csrc-head"

    # Counted nationally and under the leader (so the department), under no region.
    counted = DailyCount.objects.filter(day=message.created_at.astimezone().date(), received__gt=0)
    assert counted.filter(dimension=Dimension.LEADER, key=str(message.leader_id)).exists()
    assert counted.filter(dimension=Dimension.NATIONAL).exists()

    assert post_action(client, editor, message, "publish").status_code in (200, 302)
    message.refresh_from_db()
    assert message.state == MessageState.PUBLISHED

    # The ministry desk's staff see it in their queue; the 临沧市 desk's do not.
    client.force_login(ministry_dispatcher)
    queue = client.get("/api/v1/workbench/queues/desk_incoming")
    assert queue.status_code == 200, queue.content
    assert [row["serial"] for row in queue.json()["rows"]] == [message.serial]
    assert queue.json()["rows"][0]["region"] is None
    page = client.get(f"/workbench/messages/{message.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and "未涉及具体地区" in html
    # Its own department is offered first, before the other central departments.
    assert html.index(">中国证券监督管理委员会</option>") < html.index(">教育部</option>")
    client.force_login(dispatcher)
    assert client.get(f"/workbench/messages/{message.pk}/").status_code == 404

    # The public page says it names no place, and the ministry's figures count it.
    public = client.get(f"/messages/{message.pk}/")
    assert public.status_code == 200 and "未涉及具体地区" in public.content.decode()
    api = client.get(f"/api/v1/messages/{message.pk}").json()
    assert api["region"] is None


def test_a_ministry_message_may_name_a_place_anywhere(client, citizen):
    response = post_to_ministry(client, citizen, region_1="530000", region_2="530900")
    assert response.status_code == 302
    message = Message.objects.get(title=TITLE)
    assert message.region_id == "530900" and message.desk.code == "central-csrc-desk"


def test_the_ministry_desk_assigns_to_the_central_department(client, citizen, editor, ministry_dispatcher):
    post_to_ministry(client, citizen)
    message = Message.objects.get(title=TITLE)
    post_action(client, editor, message, "publish")
    department = Unit.objects.get(code="central-csrc")
    response = post_action(client, ministry_dispatcher, message, "assign", {"unit_id": department.pk})
    assert response.status_code in (200, 302)
    message.refresh_from_db()
    assert (message.state, message.unit_id) == (MessageState.ASSIGNED, department.pk)


def test_the_post_form_offers_the_departments_and_their_leaders(client, citizen):
    client.force_login(citizen)
    html = client.get("/post/").content.decode()
    assert '<option value="central-csrc">中国证券监督管理委员会</option>' in html
    assert "部委留言板" in html and "post_ministry.js" in html

    chosen = client.get(f"/post/?leader={csrc_head().id}")
    form = chosen.context["form"]
    assert form.department.code == "central-csrc" and form.initial["leader_id"] == csrc_head().id
    assert form.fields["leader_id"].choices[1][0] == "中国证券监督管理委员会"

    stepped = client.post("/post/", {"department": "central-csrc", "step": "place"})
    assert stepped.status_code == 200
    assert "中国证券监督管理委员会主席" in stepped.content.decode()


def test_an_unknown_department_is_refused_in_chinese(client, citizen):
    response = post_to_ministry(client, citizen, department="central-nothing")
    assert response.status_code == 422
    assert "请从列表中选择部委。" in response.content.decode()
    assert not Message.objects.filter(title=TITLE).exists()


def test_the_ministry_pages(client, django_assert_max_num_queries):
    index = client.get("/ministries/")
    assert index.status_code == 200
    assert "中国证券监督管理委员会" in index.content.decode()

    head = csrc_head()
    head.person_name = "吴清"
    head.save()
    with django_assert_max_num_queries(15):
        page = client.get("/ministries/central-csrc/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "中国证券监督管理委员会主席" in html and "吴清" in html
    assert "中国证券监督管理委员会留言办理工作机构" in html
    assert client.get("/ministries/central-nothing/").status_code == 404
    assert client.get("/ministries/530900-desk/").status_code == 404

    stats = client.get("/stats/ministries/central-csrc/")
    assert stats.status_code == 200 and "中国证券监督管理委员会" in stats.content.decode()
    assert client.get("/stats/ministries/central-nothing/").status_code == 404


def test_a_leader_page_shows_the_name_photo_and_since(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    head = csrc_head()
    head.person_name = "吴清"
    head.since = "2024-02-07"
    head.photo.save("wu.png", ContentFile(png_bytes()), save=True)

    page = client.get(f"/leaders/{head.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "吴清" in html and "任职时间：2024年2月" in html
    assert f'src="/leaders/{head.pk}/photo"' in html
    assert "部委留言板" in html and "/ministries/central-csrc/" in html

    photo = client.get(f"/leaders/{head.pk}/photo")
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"
    assert b"".join(photo.streaming_content) == png_bytes()
    other = Leader.objects.get(code="530900-head")
    assert client.get(f"/leaders/{other.pk}/photo").status_code == 404
    api = client.get("/api/v1/leaders?central=true&department=central-csrc").json()
    assert api[0]["photo"] == f"/leaders/{head.pk}/photo" and api[0]["since"] == "2024-02-07"


def test_statistics_count_a_ministry_message_under_its_department(client, citizen, editor):
    post_to_ministry(client, citizen)
    deputy = Leader.objects.get(code="central-csrc-deputy")
    post_to_ministry(client, citizen, leader_id=str(deputy.id), title=TITLE + "（二）", region_1="530000")
    for message in Message.objects.filter(title__startswith=TITLE):
        assert post_action(client, editor, message, "publish").status_code in (200, 302)

    ministry = client.get("/api/v1/stats/ministries/central-csrc")
    assert ministry.status_code == 200
    body = ministry.json()
    assert body["scope"]["name"] == "中国证券监督管理委员会"
    assert body["figures"]["published"] == 2
    head = client.get("/api/v1/stats/leaders/central-csrc-head").json()
    assert head["figures"]["published"] == 1
    other = client.get("/api/v1/stats/ministries/central-moe").json()
    assert other["figures"]["published"] == 0
    yunnan = client.get("/api/v1/stats/regions/530000").json()
    assert yunnan["figures"]["published"] == 1  # the one naming 云南省 counts there too
    assert client.get("/api/v1/stats/ministries/central-nothing").status_code == 404
