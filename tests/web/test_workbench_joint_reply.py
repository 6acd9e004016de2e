"""The joint-reply picker (同时答复) on the handling page: the unit's other messages in progress, most similar
to this one first (not nearest deadline first), each still with its deadline and its similarity."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from liuyan.board.choices import MessageState
from liuyan.board.models import Message
from tests.factories import make_message

pytestmark = pytest.mark.django_db

PARKING = "小区周边道路违规停车严重，占用消防通道，晚上车辆乱停乱放，居民出行困难，请交警部门加强整治。"


def test_candidates_are_ordered_by_similarity_with_their_deadline(client, handler, citizen, admin_user):
    message = make_message(
        citizen, admin_user, MessageState.IN_PROGRESS, title="小区周边违规停车", body=PARKING
    )
    unrelated = make_message(
        citizen,
        admin_user,
        MessageState.IN_PROGRESS,
        title="学校食堂价格偏高",
        body="学校食堂饭菜价格逐年上涨，分量减少，学生家长负担加重，请教育部门核查食堂收费标准。",
    )
    similar = make_message(
        citizen,
        admin_user,
        MessageState.IN_PROGRESS,
        title="道路违规停车占用消防通道",
        body=PARKING.replace("晚上", "每到晚上"),
    )
    # The unrelated one is due first: by deadline alone it would come first.
    now = timezone.now()
    Message.objects.filter(pk=unrelated.pk).update(reply_deadline=now + timedelta(days=1))
    Message.objects.filter(pk=similar.pk).update(reply_deadline=now + timedelta(days=9))
    client.force_login(handler)

    html = client.get(f"/workbench/messages/{message.pk}/").content.decode()

    picker = html.split('class="field wb-joint', 1)[1].split("</fieldset>", 1)[0]
    labels = [
        " ".join(re.sub(r"<[^>]+>", " ", label).split())
        for label in re.findall(r"<label.*?</label>", picker, re.S)
    ]
    assert [label.split()[0] for label in labels] == [similar.serial, unrelated.serial]
    first, second = labels
    assert "回复时限 " in first and "回复时限 " in second
    score = lambda label: int(re.search(r"相似度 (\d+)%", label).group(1))  # noqa: E731
    assert score(first) >= 50 > score(second)
    assert "按与本留言的相似度排列" in picker
