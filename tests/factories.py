"""Messages brought to a given state through the real actions (driven by a platform administrator)."""

from liuyan.board.actions import dispatch, handling, moderation, replies, submission
from liuyan.board.choices import MessageState
from liuyan.board.models import Message, Reply
from liuyan.directory.models import Leader, Unit

# Where a message lives: inside the 临沧市 scope of the named users, or in 北京 (outside it).
PLACES = {
    True: {
        "leader": "530900-head",
        "region": "530923",
        "unit": "530900-education",
        "other_unit": "530900-housing",
    },
    False: {
        "leader": "110105-head",
        "region": "110105",
        "unit": "110105-education",
        "other_unit": "110105-housing",
    },
}
ORDER = [
    MessageState.PENDING_REVIEW,
    MessageState.PUBLISHED,
    MessageState.ASSIGNED,
    MessageState.IN_PROGRESS,
    MessageState.REPLY_REVIEW,
    MessageState.REPLIED,
]


def make_message(author, staff, state: str = MessageState.PENDING_REVIEW, *, inside: bool = True, **fields):
    """A message by `author`, brought to `state` by `staff` (a superuser)."""
    place = PLACES[inside]
    message = submission.submit_message(
        author,
        leader_id=Leader.objects.get(code=place["leader"]).id,
        message_type=fields.pop("message_type", "complaint"),
        domain=fields.pop("domain", "教育"),
        title=fields.pop("title", "学校门口交通拥堵"),
        body=fields.pop("body", "每天上学放学时段学校门口严重拥堵，存在安全隐患，请有关部门疏导。"),
        region_code=place["region"],
        **fields,
    )
    unit = Unit.objects.get(code=place["unit"])
    steps = {
        MessageState.PUBLISHED: lambda: moderation.publish_message(staff, message.id),
        MessageState.ASSIGNED: lambda: dispatch.assign_message(staff, message.id, unit.id),
        MessageState.IN_PROGRESS: lambda: handling.accept_message(staff, message.id),
        MessageState.REPLY_REVIEW: lambda: replies.submit_reply(
            staff, message.id, "已安排交警在上下学时段疏导交通。"
        ),
        MessageState.REPLIED: lambda: replies.approve_reply(staff, latest_reply(message).id),
    }
    for step in ORDER[1 : ORDER.index(state) + 1]:
        steps[step]()
    return Message.objects.get(pk=message.pk)


def latest_reply(message: Message) -> Reply:
    return message.replies.order_by("-id").first()


def other_unit(inside: bool) -> Unit:
    return Unit.objects.get(code=PLACES[inside]["other_unit"])


def unit_of(inside: bool) -> Unit:
    return Unit.objects.get(code=PLACES[inside]["unit"])


def submitted_and_published(
    author, staff, *, region: str = "530923", domain: str = "教育", title: str = "学校门口交通拥堵"
):
    """A message about `region` (a place under 临沧市 by default) published to the 临沧市 desk."""
    message = submission.submit_message(
        author,
        leader_id=Leader.objects.get(code="530900-head").id,
        message_type="complaint",
        domain=domain,
        title=title,
        body="每天上学放学时段学校门口严重拥堵，存在安全隐患，请有关部门疏导。",
        region_code=region,
    )
    moderation.publish_message(staff, message.id)
    return Message.objects.get(pk=message.pk)
