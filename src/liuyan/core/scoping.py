"""How a model tells accounts.scope where each of its rows sits (NetBox's `restrict()` style): the
lookups from the model to the path of the region a row belongs to and to the unit holding it. The
scope builds its filters and checks from these, so it needs to know no model above it."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ScopeLookups:
    """Django lookups from a model: `region_path` reaches a region's `path`, `unit` a unit (its id), `desk`
    the dispatch desk a row was addressed to (its id). None where rows have no such place (a region holds
    no unit)."""

    region_path: str | None = None
    unit: str | None = None
    desk: str | None = None
