"""Kinds of notification, with their Chinese labels.

`Notification.kind` stays a plain string so that a new kind needs no migration; these are the kinds sent
on the board's events (notify/subscribers.py). `actions.SMS_KINDS` says which of them also go out by SMS.
"""

from django.db import models


class NotificationKind(models.TextChoices):
    # To the citizen who wrote the message.
    MESSAGE_SUBMITTED = "message_submitted", "留言已提交"
    MESSAGE_PUBLISHED = "message_published", "留言已刊发"
    MESSAGE_REJECTED = "message_rejected", "留言未通过审核"
    MESSAGE_ASSIGNED = "message_assigned", "留言已交办"
    MESSAGE_ACCEPTED = "message_accepted", "留言已受理"
    MESSAGE_MERGED = "message_merged", "留言合并办理"
    REPLY_PUBLISHED = "reply_published", "留言已回复"
    MESSAGE_REOPENED = "message_reopened", "留言重新办理"
    # To the staff of the unit handling the message.
    ASSIGNED = "assigned", "新交办留言"
    REMINDED = "reminded", "催办"
    SUPERVISED = "supervised", "督办"
    INSTRUCTED = "instructed", "领导批示"
    DEADLINE_WARNING = "deadline_warning", "即将超期"
    EXTENSION_DECIDED = "extension_decided", "延期申请已审批"
    REPLY_APPROVED = "reply_approved", "回复已公开"
    REPLY_SENT_BACK = "reply_sent_back", "回复被退回"
    RATED = "rated", "网友已评价"
    FOLLOWED_UP = "followed_up", "网友追问"
    REOPENED = "reopened", "重新办理"
    # To dispatch desks.
    DESK_INCOMING = "desk_incoming", "新留言待交办"
    RETURNED = "returned", "留言被退回"
    EXTENSION_REQUESTED = "extension_requested", "延期申请"
    REVISIT_DUE = "revisit_due", "评价不满意待回访"


class DeliveryChannel(models.TextChoices):
    """The ways a notification leaves the site; each is a `NotificationDelivery` of its own."""

    EMAIL = "email", "邮件"
    SMS = "sms", "短信"
