"""What makes the page cache (web/page_cache.py) show a change: when a change the public sees commits,
the public generation (every cached page) or one message's generation (its own page and API detail) gets
a new token.

The board does not know about the cache: these receivers listen to the rows it writes. A message's
public history is its Events, so an Event of a kind that the public timeline shows (or a hide, an
unhide) refreshes every page: lists, counts and the message's page all may show it. So does an edit of
a message outside the actions (the admin site; messages are never deleted, their Events protect them).
A 点赞 refreshes only that message's page: the lists' 点赞 figures may lag by the entries' lifetime, so
that a popular message being supported does not empty the cache at every click. Campaigns and the
directory (places, units, leaders, domains, types) appear on many pages and change rarely: any change
refreshes every page.

The new token is set after the commit, never before: a reader that read the old token may still be
rendering from the old rows, and what it stores must be unreachable once the change is visible. One
transaction sets one new public token for the many rows it may write (a directory import writes thousands).
"""

from django.conf import settings
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from liuyan.board.choices import PUBLIC_EVENT_KINDS, EventKind, ReplyState
from liuyan.board.models import Campaign, Event, Message, Reply, Support
from liuyan.directory.models import Domain, Leader, MessageType, Region, Unit
from liuyan.web.page_cache import PUBLIC_GENERATION, message_generation_key, new_token, page_store

# A submission is in the public timeline once published, and nothing public changes when it arrives.
REFRESHING_KINDS = (PUBLIC_EVENT_KINDS | {EventKind.HIDDEN, EventKind.UNHIDDEN}) - {EventKind.SUBMITTED}
DIRECTORY_MODELS = (Region, Unit, Leader, Domain, MessageType)


def _replace(key: str) -> None:
    page_store().set(key, new_token(), timeout=None)


def _replace_public() -> None:
    _replace(PUBLIC_GENERATION)


def refresh_public_pages() -> None:
    """Give every cached page a new generation once the current transaction commits (at once outside
    one). Asked again in the same transaction, it waits for the same commit."""
    if not settings.LIUYAN_PAGE_CACHE:
        return
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        # A replacement already waiting, registered under savepoints that are all still open, runs at
        # this commit unless a rollback also undoes the change at hand: one is enough.
        open_savepoints = set(connection.savepoint_ids)
        for savepoints, callback, _robust in connection.run_on_commit:
            if callback is _replace_public and savepoints <= open_savepoints:
                return
    # robust: a cache that cannot be written (Redis down) is logged; the change itself has committed.
    transaction.on_commit(_replace_public, robust=True)


def refresh_message_page(message_id: int) -> None:
    """Give one message's page and API detail a new generation once the transaction commits."""
    if settings.LIUYAN_PAGE_CACHE:
        key = message_generation_key(message_id)
        transaction.on_commit(lambda: _replace(key), robust=True)


@receiver(post_save, sender=Event)
def event_recorded(sender, instance: Event, created: bool, **kwargs) -> None:
    if created and instance.kind in REFRESHING_KINDS:
        refresh_public_pages()


@receiver(post_save, sender=Message)
def message_saved(sender, instance: Message, created: bool, update_fields, **kwargs) -> None:
    # The actions save named fields and write an Event; a whole save of an existing message is an edit
    # in the admin site or a script, which says nothing of what changed.
    if not created and update_fields is None:
        refresh_public_pages()


@receiver(post_save, sender=Reply)
def reply_saved(sender, instance: Reply, **kwargs) -> None:
    # Approving a reply writes its Event too; this catches a published reply edited afterwards.
    if instance.state == ReplyState.PUBLISHED:
        refresh_public_pages()


@receiver(post_save, sender=Support)
def message_supported(sender, instance: Support, created: bool, **kwargs) -> None:
    if created:
        refresh_message_page(instance.message_id)


@receiver([post_save, post_delete], sender=Campaign)
def campaign_changed(sender, **kwargs) -> None:
    refresh_public_pages()


@receiver(m2m_changed, sender=Campaign.regions.through)
@receiver(m2m_changed, sender=Campaign.allowed_types.through)
def campaign_scope_changed(sender, action: str, **kwargs) -> None:
    if action.startswith("post_"):
        refresh_public_pages()


def directory_changed(sender, **kwargs) -> None:
    refresh_public_pages()


for model in DIRECTORY_MODELS:
    post_save.connect(directory_changed, sender=model, dispatch_uid=f"page-cache-{model.__name__}-save")
    post_delete.connect(directory_changed, sender=model, dispatch_uid=f"page-cache-{model.__name__}-delete")
