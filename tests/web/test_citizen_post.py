"""The post form (/post/): the place chosen level by level without JavaScript, errors next to their
fields with everything typed kept, a successful post and its confirmation, campaigns, rate limits."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from liuyan.board.actions.campaigns import create_campaign
from liuyan.board.choices import CampaignState, MessageState
from liuyan.board.models import Message
from liuyan.directory.models import Domain, Leader

pytestmark = pytest.mark.django_db

TITLE = "建议在永德县城增设公共充电桩"
BODY = "永德县城新能源汽车越来越多，但公共充电桩很少，建议在县城主要停车场增设充电桩。"


@pytest.fixture
def signed_in(client, citizen):
    client.force_login(citizen)
    return client


def leader(code: str) -> Leader:
    return Leader.objects.get(code=code)


def post_data(**fields) -> dict:
    data = {
        "region_1": "530000",
        "region_2": "530900",
        "region_3": "530923",
        "leader_id": str(leader("530923-head").id),
        "type": "suggestion",
        "domain": str(Domain.objects.get(name="交通", parent=None).id),
        "title": TITLE,
        "body": BODY,
        "contact_phone": "",
        "public": "on",
        "campaign": "",
    }
    data.update(fields)
    return {name: value for name, value in data.items() if value is not None}


def png(name: str = "photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_a_visitor_signs_in_first_and_comes_back(client):
    response = client.get("/post/?campaign=x")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/post/%3Fcampaign%3Dx"


def test_the_form_starts_with_the_provinces(signed_in, django_assert_max_num_queries):
    with django_assert_max_num_queries(30):
        response = signed_in.get("/post/")

    html = response.content.decode()
    form = response.context["form"]
    assert response.status_code == 200
    assert '<option value="530000">云南省</option>' in html
    assert form.fields["region_1"].offered and not form.fields["region_2"].offered
    assert "请先选择地区" in html and 'name="csrfmiddlewaretoken"' in html
    assert 'enctype="multipart/form-data"' in html and "multiple" in html
    assert 'src="/static/web/post.js"' in html and "<script>" not in html
    assert [c[0] for c in form.fields["type"].choices] == [
        "",
        "suggestion",
        "complaint",
        "help",
        "inquiry",
        "thanks",
    ]


def test_without_javascript_the_place_is_chosen_a_level_at_a_time(signed_in):
    step = signed_in.post("/post/", post_data(region_2=None, region_3=None, leader_id="", step="place"))

    html = step.content.decode()
    form = step.context["form"]
    assert step.status_code == 200 and not form.errors
    assert form.fields["region_2"].offered and form.fields["region_2"].label == "市（地区、州、盟）"
    assert '<option value="530900">临沧市</option>' in html
    assert f'value="{TITLE}"' in html and BODY in html  # what was typed is kept
    assert [group for group, _options in form.fields["leader_id"].choices[1:]] == ["云南省"]

    step = signed_in.post("/post/", post_data(region_3=None, leader_id="", step="place"))
    step = signed_in.post("/post/", post_data(leader_id="", step="place"))

    form = step.context["form"]
    assert [group for group, _options in form.fields["leader_id"].choices[1:]] == [
        "永德县",
        "临沧市",
        "云南省",
    ]
    assert not Message.objects.exists()


def test_a_municipality_has_its_districts_right_under_it(signed_in):
    step = signed_in.post("/post/", post_data(region_1="110000", region_2=None, region_3=None, step="place"))

    form = step.context["form"]
    assert form.fields["region_2"].label == "县（市、区、旗）"
    assert ("110105", "朝阳区") in form.fields["region_2"].choices
    assert not form.fields["region_3"].offered


def test_a_changed_level_drops_the_levels_below_it(signed_in):
    step = signed_in.post("/post/", post_data(region_1="110000", step="place"))

    form = step.context["form"]
    assert [region.code for region in form.place] == ["110000"]
    assert form.initial["region_2"] == "530900"  # shown as typed, but not offered under 北京
    assert ("530900", "临沧市") not in form.fields["region_2"].choices


def test_the_leader_page_can_choose_the_place_and_leader(signed_in):
    chosen = leader("530900-secretary")
    response = signed_in.get(f"/post/?leader={chosen.id}")

    form = response.context["form"]
    assert [region.code for region in form.place] == ["530000", "530900"]
    assert form.initial["leader_id"] == chosen.id
    assert f'<option value="{chosen.id}" selected>临沧市委书记</option>' in response.content.decode()


def test_a_post_creates_the_message_and_shows_its_serial(signed_in, citizen):
    response = signed_in.post(
        "/post/",
        post_data(contact_phone="0883-1234567", anonymous="on", files=[png("a.png"), png("b.png")]),
    )

    message = Message.objects.get()
    assert response.status_code == 302 and response.url == f"/post/?submitted={message.id}"
    assert message.author == citizen and message.state == MessageState.PENDING_REVIEW
    assert message.leader.code == "530923-head" and message.region_id == "530923"
    assert message.message_type.code == "suggestion" and message.domain.name == "交通"
    assert (message.title, message.body) == (TITLE, BODY)
    assert message.public and message.anonymous and message.contact_phone == "0883-1234567"
    assert message.attachments.count() == 2
    assert message.events.get().kind == "submitted"

    done = signed_in.get(response.url)
    html = done.content.decode()
    assert done.status_code == 200
    assert message.serial in html and "永德县留言办理工作机构" in html
    assert "交办后 1 个工作日内受理" in html and "交办后 10 个工作日内答复" in html
    assert f'href="/messages/{message.id}/"' in html


def test_a_private_message_below_a_county_leader_goes_to_the_chosen_place(signed_in):
    response = signed_in.post(
        "/post/", post_data(leader_id=str(leader("530900-head").id), public=None, type="complaint")
    )

    message = Message.objects.get()
    assert response.status_code == 302
    assert message.leader.code == "530900-head" and message.region_id == "530923" and not message.public


def test_errors_are_shown_next_to_their_fields_and_nothing_typed_is_lost(signed_in):
    response = signed_in.post(
        "/post/",
        post_data(type="", domain="", title="短", body=BODY, contact_phone="电话", files=[png()]),
    )

    form = response.context["form"]
    html = response.content.decode()
    assert response.status_code == 422
    assert form.errors["type"] == ["请选择留言类型。"]
    assert form.errors["domain"] == ["请选择留言领域。"]
    assert form.errors["title"] == ["标题应为 4–60 个字，现在是 1 个字。"]
    assert form.errors["contact_phone"] == ["联系电话格式不正确。"]
    assert form.errors["files"] == ["附件需要重新选择。"]
    assert 'id="id_title_error"' in html and "标题应为 4–60 个字，现在是 1 个字。" in html
    assert 'value="短"' in html and BODY in html and 'value="电话"' in html
    assert '<option value="530923" selected>永德县</option>' in html
    assert f'<option value="{leader("530923-head").id}" selected>' in html
    assert not Message.objects.exists()


def test_a_missing_leader_and_a_bad_file_are_reported(signed_in):
    not_an_image = SimpleUploadedFile("notes.png", b"just some text", content_type="image/png")
    response = signed_in.post(
        "/post/", post_data(region_2=None, region_3=None, leader_id="", files=[not_an_image])
    )

    form = response.context["form"]
    assert response.status_code == 422
    assert form.errors["leader_id"] == ["请选择留言对象。"]
    assert form.errors["files"] == ["“notes.png”不是 JPEG、PNG、WebP 图片或 PDF 文件。 请重新选择附件。"]


def test_a_leader_outside_the_chosen_place_is_refused(signed_in):
    response = signed_in.post("/post/", post_data(leader_id=str(leader("110105-head").id)))

    assert response.status_code == 422
    assert response.context["form"].errors["leader_id"] == ["所选领导不在所选地区，请重新选择留言对象。"]
    assert not Message.objects.exists()


def test_the_confirmation_is_only_the_authors(client, citizen, other_handler, admin_user):
    from tests.factories import make_message

    message = make_message(citizen, admin_user)
    client.force_login(other_handler)
    assert client.get(f"/post/?submitted={message.id}").status_code == 404
    assert client.get("/post/?submitted=x").status_code == 404


@pytest.fixture
def campaign(editor):
    now = timezone.now()
    return create_campaign(
        editor,
        title="我为家乡发展建言献策",
        slug="hometown",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=30),
        region_codes=["530900"],
        type_codes=["suggestion"],
        state=CampaignState.OPEN,
    )


def test_posting_from_an_open_campaign(signed_in, campaign):
    page = signed_in.get("/post/?campaign=hometown")

    form = page.context["form"]
    html = page.content.decode()
    assert "我为家乡发展建言献策" in html and "本专栏只受理临沧市的建言类留言。" in html
    assert [region.code for region in form.place] == ["530000", "530900"]  # its one region, chosen
    assert [c[0] for c in form.fields["type"].choices] == ["", "suggestion"]
    assert 'name="campaign" value="hometown"' in html

    response = signed_in.post("/post/", post_data(campaign="hometown"))

    assert response.status_code == 302
    assert Message.objects.get().campaign == campaign


def test_a_closed_campaign_takes_no_messages(signed_in, campaign):
    campaign.state = CampaignState.CLOSED
    campaign.save()

    page = signed_in.get("/post/?campaign=hometown")
    html = page.content.decode()
    assert page.status_code == 200
    assert "本专栏当前不在征集时间内，不能通过专栏留言。" in html and 'id="post-form"' not in html

    response = signed_in.post("/post/", post_data(campaign="hometown"))

    assert response.status_code == 409
    assert response.context["form"].non_field_errors() == [
        "专栏“我为家乡发展建言献策”当前不在征集时间内，不能留言。",
        "您填写的内容已保留，可以不通过专栏直接提交。",
    ]
    html = response.content.decode()
    assert BODY in html and 'value="hometown"' not in html
    assert not Message.objects.exists()

    again = signed_in.post("/post/", post_data(campaign=""))
    assert again.status_code == 302 and Message.objects.get().campaign is None


def test_a_campaign_outside_its_place_is_refused_next_to_the_place(signed_in, campaign):
    response = signed_in.post(
        "/post/",
        post_data(
            region_1="110000",
            region_2="110105",
            region_3=None,
            leader_id=str(leader("110105-head").id),
            campaign="hometown",
        ),
    )

    assert response.status_code == 422
    assert response.context["form"].errors["region_2"] == ["专栏“我为家乡发展建言献策”只受理临沧市的留言。"]


def test_draft_and_unknown_campaigns_are_not_found(signed_in, campaign):
    campaign.state = CampaignState.DRAFT
    campaign.save()
    assert signed_in.get("/post/?campaign=hometown").status_code == 404
    assert signed_in.get("/post/?campaign=nothing-here").status_code == 404
    assert signed_in.post("/post/", post_data(campaign="nothing-here")).status_code == 404


def test_posting_is_rate_limited_per_user(signed_in, settings):
    settings.LIUYAN_SUBMIT_RATE = "1/m"
    assert signed_in.post("/post/", post_data()).status_code == 302

    response = signed_in.post("/post/", post_data(title="第二条留言的标题"))

    assert response.status_code == 429
    assert (
        "提交过于频繁" in response.content.decode()
        and 'value="第二条留言的标题"' in response.content.decode()
    )
    assert Message.objects.count() == 1


def test_only_get_and_post(signed_in):
    assert signed_in.put("/post/").status_code == 405


def test_an_urgent_campaign_promises_hours(signed_in, editor):
    now = timezone.now()
    create_campaign(
        editor,
        title="防灾减灾紧急求助通道",
        slug="urgent",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=30),
        urgent_hours=24,
        state=CampaignState.OPEN,
    )
    assert "一般在 24 小时内答复" in signed_in.get("/post/?campaign=urgent").content.decode()

    response = signed_in.post("/post/", post_data(campaign="urgent", type="help"), follow=True)

    assert Message.objects.get().urgent
    assert "一般在交办后 24 小时内答复。" in response.content.decode()
