"""The directory rows a submission names (its leader, type, domain and region), and the directory's size the
home page shows, from a per-process copy.

Submissions come by the hundred a second and each names rows that change a few times a year, so each
process keeps what it read for RECHECK_SECONDS: another process's change (the admin, `seed_directory`)
reaches it within that time, and any directory row saved or deleted in this process empties the copy at
once. The rows handed out are shared by every request of the process: read them, never change them.
"""

import threading
import time
from dataclasses import dataclass
from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from liuyan import inputs
from liuyan.directory.models import Domain, Leader, MessageType, Region, Unit

RECHECK_SECONDS = 30


@dataclass(frozen=True)
class _Catalogue:
    """The active message types and domains, read together: a few dozen rows."""

    loaded_at: float
    types_by_code: dict[str, MessageType]
    types_by_name: dict[str, MessageType]
    domains_by_id: dict[int, Domain]
    root_domains_by_name: dict[str, Domain]


_lock = threading.Lock()
_catalogue: _Catalogue | None = None
# Read one at a time, on first use: thousands of leaders and regions, few of them named in a day.
_leaders: dict[int, tuple[float, Leader | None]] = {}
_regions: dict[str, tuple[float, Region | None]] = {}
# The directory's size, shown on the home page: counting some 70,000 units takes longer than the rest of it.
_size: tuple[float, dict[str, int]] | None = None


def _fresh(loaded_at: float) -> bool:
    return time.monotonic() - loaded_at < RECHECK_SECONDS


def _current_catalogue() -> _Catalogue:
    global _catalogue
    catalogue = _catalogue
    if catalogue is not None and _fresh(catalogue.loaded_at):
        return catalogue
    with _lock:
        if _catalogue is None or not _fresh(_catalogue.loaded_at):
            loaded_at = time.monotonic()
            types = list(MessageType.objects.filter(active=True).order_by("id"))
            domains = list(Domain.objects.filter(active=True).order_by("id"))
            _catalogue = _Catalogue(
                loaded_at=loaded_at,
                # First match wins, as the queries' `.first()` in id order did.
                types_by_code={t.code: t for t in reversed(types)},
                types_by_name={t.name: t for t in reversed(types)},
                domains_by_id={d.pk: d for d in domains},
                root_domains_by_name={d.name: d for d in reversed(domains) if d.parent_id is None},
            )
        return _catalogue


def active_message_type(value: str | None) -> MessageType | None:
    """The active type whose code, or else whose name, is `value`."""
    value = (value or "").strip()
    catalogue = _current_catalogue()
    return catalogue.types_by_code.get(value) or catalogue.types_by_name.get(value)


def active_domain(value: int | str | None) -> Domain | None:
    """The active domain with id `value` (a number, or a string of digits), or the top-level one named
    `value`."""
    if isinstance(value, str) and (number := inputs.parse_id(value)) is not None:
        value = number
    catalogue = _current_catalogue()
    if isinstance(value, int):
        return catalogue.domains_by_id.get(value)
    return catalogue.root_domains_by_name.get((value or "").strip())


def active_domains() -> list[Domain]:
    """Every active domain, in id order (a filter's choices, a domain's subtree)."""
    return list(_current_catalogue().domains_by_id.values())


def active_message_types() -> list[MessageType]:
    """Every active message type, in id order."""
    return sorted(_current_catalogue().types_by_code.values(), key=lambda t: t.pk)


def active_leader(leader_id: int) -> Leader | None:
    """The active leader `leader_id`, its region and desk loaded."""
    entry = _leaders.get(leader_id)
    if entry is None or not _fresh(entry[0]):
        loaded_at = time.monotonic()
        leader = Leader.objects.select_related("region", "desk").filter(pk=leader_id, active=True).first()
        entry = _leaders[leader_id] = (loaded_at, leader)
    return entry[1]


def region(code: str) -> Region | None:
    """The current region `code`: one that has gone (Region.active false) takes no new messages."""
    entry = _regions.get(code)
    if entry is None or not _fresh(entry[0]):
        loaded_at = time.monotonic()
        entry = _regions[code] = (loaded_at, Region.objects.filter(pk=code, active=True).first())
    return entry[1]


def directory_size() -> dict[str, int]:
    """How many current regions, active leaders and active units the directory holds."""
    global _size
    entry = _size
    if entry is None or not _fresh(entry[0]):
        loaded_at = time.monotonic()
        entry = _size = (
            loaded_at,
            {
                "regions": Region.objects.filter(active=True).count(),
                "leaders": Leader.objects.filter(active=True).count(),
                "units": Unit.objects.filter(active=True).count(),
            },
        )
    return entry[1]


def forget() -> None:
    """Empty this process's copy: the next look-ups read the database."""
    global _catalogue, _size
    with _lock:
        _catalogue = None
        _size = None
        _leaders.clear()
        _regions.clear()


@receiver([post_save, post_delete], sender=Region)
@receiver([post_save, post_delete], sender=Unit)
@receiver([post_save, post_delete], sender=Leader)
@receiver([post_save, post_delete], sender=Domain)
@receiver([post_save, post_delete], sender=MessageType)
def forget_on_change(**kwargs: Any) -> None:
    forget()
