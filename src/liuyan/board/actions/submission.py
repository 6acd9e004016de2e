"""A citizen's own actions on a message: submit, withdraw, attach files, support (点赞)."""

import functools
import logging
import re
from collections.abc import Sequence
from contextvars import ContextVar
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from liuyan.accounts.models import User
from liuyan.board import announce, lifecycle, search
from liuyan.board import attachments as attachment_rules
from liuyan.board.actions.base import (
    ActionError,
    Conflict,
    Invalid,
    NotFound,
    load_message,
    record_event,
    transition,
)
from liuyan.board.choices import EventKind, MessageState
from liuyan.board.models import (
    BODY_MAX,
    BODY_MIN,
    TITLE_MAX,
    TITLE_MIN,
    Attachment,
    Campaign,
    Message,
    SerialCounter,
    Support,
)
from liuyan.directory import lookups
from liuyan.directory.models import MessageType, Region

logger = logging.getLogger(__name__)

CONTACT_PHONE = re.compile(r"^\+?[0-9][0-9\- ]{5,18}[0-9]$")


def next_serial(now: datetime) -> str:
    """LY + the local date + that day's sequence number, e.g. LY20261122000042.

    Inside a transaction, the number is taken in it: the day's counter row stays locked until COMMIT, so
    the numbers have no gaps, but the submissions of the day queue behind each other's commit (a disk
    flush each). Outside one (autocommit), the number is taken in a transaction of its own that commits
    without waiting for the disk: the lock is held for that statement alone. It is still never handed out
    twice: the submission's own commit flushes the log up to and past the counter's. A submission that
    fails after taking its number leaves a gap in the day's sequence.
    """
    day = timezone.localdate(now)
    table = connection.ops.quote_name(SerialCounter._meta.db_table)
    # One upsert (PostgreSQL, SQLite ≥ 3.35) that says the number it left there.
    source = "VALUES (%s, 1)"
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # set_config(…, true) lasts until the end of this statement's own transaction, and is read at its
        # commit.
        source = "SELECT %s, 1 FROM (SELECT set_config('synchronous_commit', 'off', true)) AS s"
    sql = (
        f"INSERT INTO {table} (day, last) {source} "
        f"ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1 RETURNING last"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [connection.ops.adapt_datefield_value(day)])
        (last,) = cursor.fetchone()
    return f"LY{day:%Y%m%d}{last:06d}"


class StorageUnavailable(ActionError):
    """The attachment store cannot take the file (disk full, not writable): nothing was saved."""

    status, code = 503, "storage_unavailable"


# The files written by the running action, so that `_files_removed_on_failure` can delete them again.
_written_files: ContextVar[list[str]] = ContextVar("written_attachment_files")


def _files_removed_on_failure(action):
    """For an atomic action that stores attachments: when it fails, its transaction (the commit included)
    has rolled back, so the files it wrote belong to no row: delete them. A message and its attachments
    are saved together or not at all."""

    @functools.wraps(action)
    def wrapper(*args, **kwargs):
        written: list[str] = []
        token = _written_files.set(written)
        try:
            return action(*args, **kwargs)
        except BaseException:
            for name in written:
                _delete_file(name)
            raise
        finally:
            _written_files.reset(token)

    return wrapper


def _delete_file(name: str) -> None:
    try:
        Attachment.file.field.storage.delete(name)
    except OSError:
        logger.exception("Could not delete the attachment file %s of a failed submission", name)


@_files_removed_on_failure
def submit_message(
    author: User,
    *,
    leader_id: int | None,
    message_type: str | None,
    domain: int | str | None,
    title: str | None,
    body: str | None,
    region_code: str | None = None,
    campaign_slug: str | None = None,
    public: bool = True,
    anonymous: bool = False,
    contact_phone: str | None = None,
    files: Sequence[UploadedFile] = (),
    follow_up_in_task: bool = False,
) -> Message:
    """Take a citizen's message into review. All field errors are reported together (Invalid.errors).

    What the citizen need not wait for (search tokens, the similarity index, the `received` count and
    the notification) is done here, or with `follow_up_in_task` by `follow_up_submission` in a task
    enqueued in the same transaction: a channel that takes many submissions a second answers sooner.
    """
    errors: dict[str, str] = {}
    leader = lookups.active_leader(leader_id) if leader_id else None
    if leader is None:
        errors["leader_id"] = "请选择留言对象。"
    kind = lookups.active_message_type(message_type)
    if kind is None:
        errors["type"] = "请选择留言类型。"
    field = lookups.active_domain(domain)
    if field is None:
        errors["domain"] = "请选择留言领域。"
    title = (title or "").strip()
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        errors["title"] = f"标题应为 {TITLE_MIN}–{TITLE_MAX} 个字，现在是 {len(title)} 个字。"
    body = (body or "").strip()
    if not BODY_MIN <= len(body) <= BODY_MAX:
        errors["body"] = f"内容应为 {BODY_MIN}–{BODY_MAX} 个字，现在是 {len(body)} 个字。"
    contact_phone = (contact_phone or "").strip()
    if contact_phone and not CONTACT_PHONE.match(contact_phone):
        errors["contact_phone"] = "联系电话格式不正确。"

    region = leader.region if leader else None
    if leader and region_code:
        region = lookups.region(region_code)
        if leader.region is None:  # a central department's leader: any place, or none
            if region is None:
                errors["region_code"] = "所涉地区不存在，请重新选择。"
        elif region is None or not region.is_within(leader.region):
            errors["region_code"] = f"所涉地区须在{leader.region.name}范围内。"

    if len(files) > attachment_rules.MAX_ATTACHMENTS:
        errors["files"] = f"最多上传 {attachment_rules.MAX_ATTACHMENTS} 个附件。"
    checked = []
    for upload in files[: attachment_rules.MAX_ATTACHMENTS]:
        try:
            checked.append(attachment_rules.clean(upload))
        except attachment_rules.RejectedFile as error:
            errors["files"] = str(error)

    campaign = None
    if campaign_slug:
        campaign = (
            Campaign.objects.prefetch_related("regions", "allowed_types").filter(slug=campaign_slug).first()
        )
        if campaign is None:
            errors["campaign"] = "没有这个专栏。"
    if errors:
        raise Invalid(next(iter(errors.values())), errors=errors, code="invalid_message")
    # region stays None for a central department's leader when no place is named.
    assert leader is not None and kind is not None and field is not None  # else errors

    now = timezone.now()
    if campaign is not None:
        _check_campaign(campaign, region, kind, now)

    serial = next_serial(now)
    # Followed up in a task only where a backlog keeps the submissions waiting for it (board/announce.py).
    follow_up_in_task = follow_up_in_task and announce.backlog() is not None
    with transaction.atomic():
        message = Message.objects.create(
            serial=serial,
            author=author,
            leader=leader,
            region=region,
            message_type=kind,
            domain=field,
            title=title,
            body=body,
            public=public,
            anonymous=anonymous,
            contact_phone=contact_phone,
            campaign=campaign,
            urgent=bool(campaign and campaign.urgent_hours),
            desk=leader.desk,
            created_at=now,
            search_tokens="" if follow_up_in_task else search.document_tokens(title, body),
        )
        for number, cleaned in enumerate(checked, start=1):
            _store_attachment(message, number, cleaned)
        # Dated with the message: the first submission in a process loads the tokenizer's dictionary
        # meanwhile.
        record_event(message, EventKind.SUBMITTED, author, to_state=MessageState.PENDING_REVIEW, at=now)
        announce.submitted(message, later=follow_up_in_task)
        if follow_up_in_task:
            _wake_follow_ups(now)
        else:
            announce.finished(message, fresh=True)
    return message


# A process enqueues the follow-ups' task at most once in this time, to run this long after: one task
# finishes the submissions of a burst together, and each of them answers without enqueuing a task.
FOLLOW_UP_DELAY = timedelta(seconds=1)
_next_wake: list[datetime] = []  # this process's next time to enqueue; a list so that threads share it


def _wake_follow_ups(now: datetime) -> None:
    """Enqueue `follow_up_submissions` (in the submission's transaction) unless this process did within
    FOLLOW_UP_DELAY: that task, due FOLLOW_UP_DELAY after it was enqueued, finds this submission too. A
    submission still uncommitted when it runs is finished by the next such task, or by `run_periodic`."""
    if _next_wake and now < _next_wake[0]:
        return
    # tasks.py imports the actions its tasks call.
    from liuyan.board.tasks import follow_up_submissions

    wake = now + FOLLOW_UP_DELAY
    follow_up_submissions.using(run_after=wake).enqueue()
    # Once committed: a submission that fails takes its task row with it, and the next one enqueues again.
    transaction.on_commit(lambda: _next_wake.__setitem__(slice(None), [wake]))


FOLLOW_UP_BATCH = 200


def follow_up_submissions() -> int:
    """Finish the submissions made with `follow_up_in_task` that wait for it, a batch per transaction;
    returns how many. Workers running it at once share the work (each skips the others' batches)."""
    finished = 0
    while batch := _follow_up_batch():
        finished += batch
    return finished


@transaction.atomic
def _follow_up_batch() -> int:
    backlog = announce.backlog()
    ids = backlog.take_batch(FOLLOW_UP_BATCH) if backlog else []
    for message in Message.objects.select_related("author", "region").filter(pk__in=ids).order_by("pk"):
        _finish(message)
    return len(ids)


@transaction.atomic
def follow_up_submission(message_id: int) -> bool:
    """Finish one submission made with `follow_up_in_task`: its search tokens, its similarity index, its
    `received` count and the citizen's notification. Once only: False when it was done already (by
    `follow_up_submissions`, or the message is gone)."""
    backlog = announce.backlog()
    if backlog is None or not backlog.take(message_id):
        return False
    _finish(Message.objects.select_related("author", "region").get(pk=message_id))
    return True


def _finish(message: Message) -> None:
    message.search_tokens = search.document_tokens(message.title, message.body)
    Message.objects.filter(pk=message.pk).update(search_tokens=message.search_tokens)
    announce.finished(message, fresh=False)


def _check_campaign(campaign: Campaign, region: Region | None, kind: MessageType, now: datetime) -> None:
    if not campaign.is_open(now):
        raise Conflict(f"专栏“{campaign.title}”当前不在征集时间内，不能留言。", code="campaign_closed")
    regions = list(campaign.regions.all())
    if regions and (region is None or not any(region.is_within(r) for r in regions)):
        names = "、".join(r.name for r in regions)
        raise Invalid(f"专栏“{campaign.title}”只受理{names}的留言。", field="region_code")
    types = list(campaign.allowed_types.all())
    if types and kind not in types:
        names = "、".join(t.name for t in types)
        raise Invalid(f"专栏“{campaign.title}”只受理{names}类留言。", field="type")


def _store_attachment(message: Message, number: int, cleaned: attachment_rules.CleanFile) -> Attachment:
    attachment = Attachment(
        message=message,
        number=number,
        content_type=cleaned.content_type,
        size=cleaned.size,
        sha256=cleaned.sha256,
    )
    field = Attachment.file.field
    name = field.generate_filename(attachment, "")
    # Listed before writing: a write that fails half-way (disk full) leaves a partial file under this name.
    _written_files.get().append(name)
    try:
        attachment.file.name = field.storage.save(
            name, ContentFile(cleaned.content), max_length=field.max_length
        )
    except OSError as error:
        logger.error("Attachment storage failed for %s: %s", name, error)
        raise StorageUnavailable(
            "附件存储暂时不可用，本次提交没有保存，请稍后再试。", field="files"
        ) from error
    if attachment.file.name != name:
        _written_files.get().append(attachment.file.name)
    attachment.save()
    return attachment


@_files_removed_on_failure
@transaction.atomic
def add_attachments(user: User, message_id: int, files: Sequence[UploadedFile]) -> list[Attachment]:
    """The author adds files while the message awaits review; at most five in all."""
    message = load_message(message_id, user, author_only=True)
    if message.state != MessageState.PENDING_REVIEW:
        raise Conflict("留言审核后不能再添加附件。")
    if not files:
        raise Invalid("请选择要上传的文件。", field="files")
    held = message.attachments.count()
    if held + len(files) > attachment_rules.MAX_ATTACHMENTS:
        raise Invalid(f"每条留言最多 {attachment_rules.MAX_ATTACHMENTS} 个附件。", field="files")
    checked = []
    for upload in files:
        try:
            checked.append(attachment_rules.clean(upload))
        except attachment_rules.RejectedFile as error:
            raise Invalid(str(error), field="files") from None
    # The message is locked (load_message), so the numbers after the last one are free.
    return [_store_attachment(message, held + number, cleaned) for number, cleaned in enumerate(checked, 1)]


@transaction.atomic
def withdraw_message(user: User, message_id: int) -> Message:
    message = load_message(message_id, user, author_only=True)
    transition(
        message,
        lifecycle.WITHDRAW,
        actor=user,
    )
    return message


@transaction.atomic
def support_message(user: User, message_id: int) -> Message:
    """点赞: once per citizen, on a public message."""
    message = load_message(message_id, user)
    if not message.is_public:
        raise NotFound("留言不存在。")
    try:
        with transaction.atomic():
            Support.objects.create(message=message, user=user)
    except IntegrityError:
        raise Conflict("您已经为这条留言点过赞了。", code="already_supported") from None
    Message.objects.filter(pk=message.pk).update(support_count=F("support_count") + 1)
    message.refresh_from_db(fields=["support_count"])
    return message
