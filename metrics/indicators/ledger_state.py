"""The state of disputes as of a date — the one definition that indicators, trends, early warnings and the
dispute board read (metrics.md, sheet B).

As of ``as_of`` a dispute is

* **resolved** — status 已化解 with resolved_date ≤ as_of;
* **open** — status 化解中, or 已化解 without a resolved_date up to as_of (resolved later, or no date);
* **transferred** (已移交) and **failed** (调解不成) — as the status stands.

From these, for the resolved: **on time** (resolved_date − received_date ≤ the time limit of the
complexity), **followed up** (follow_up_date ≤ as_of, at most ``FOLLOW_UP_DAYS`` after resolution; due
when resolved_date + ``FOLLOW_UP_DAYS`` ≤ as_of or a follow-up is recorded), the mediation level
(**level given**, **grassroots** = 社区); for the open: **overdue** (as_of − received_date past the limit)
and **red** (risk 红).

:class:`LedgerState` computes these as boolean masks over some rows of the ledger, each read only when
asked for, through a :class:`~metrics.indicators.prepared.LedgerReader` (text columns as codes).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property

import numpy as np

from metrics.indicators.prepared import LedgerReader, lookup
from metrics.schema import FOLLOW_UP_DAYS, PROACTIVE_SOURCES, TIME_LIMIT_DAYS

DAY = np.timedelta64(1, "D")


class LedgerState:
    """The disputes at ``rows`` (positions in the reader's ledger) as of ``cut``: one ``datetime64[ns]``
    for all rows, or one per row (each dispute read as of its own period's as_of). ``time_limits``
    overrides the days per complexity (default ``schema.TIME_LIMIT_DAYS``).

    Every attribute is a boolean array with one element per row (``limit`` and the dates: values).
    """

    def __init__(self, reader: LedgerReader, rows: np.ndarray, cut, time_limits: Mapping[str, int] | None = None,
                 received: np.ndarray | None = None):
        self.reader, self.rows, self.cut = reader, rows, cut
        self.time_limits = dict(TIME_LIMIT_DAYS if time_limits is None else time_limits)
        if received is not None:
            self.__dict__["received"] = received

    def _codes(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        return self.reader.codes(name, self.rows)

    def _is(self, name: str, values) -> np.ndarray:
        return self.reader.matches(name, self.rows, values)

    @cached_property
    def _marked(self) -> np.ndarray:
        return self._is("status", ("已化解",))

    @cached_property
    def received(self) -> np.ndarray:
        return self.reader.dates("received_date")[self.rows]

    @cached_property
    def resolved_date(self) -> np.ndarray:
        return self.reader.dates("resolved_date")[self.rows]

    @cached_property
    def follow_up_date(self) -> np.ndarray:
        return self.reader.dates("follow_up_date")[self.rows]

    @cached_property
    def resolved(self) -> np.ndarray:
        return self._marked & (self.resolved_date <= self.cut)

    @cached_property
    def open(self) -> np.ndarray:
        return self._is("status", ("化解中",)) | (self._marked & ~self.resolved)

    @property
    def transferred(self) -> np.ndarray:
        return self._is("status", ("已移交",))

    @property
    def failed(self) -> np.ndarray:
        return self._is("status", ("调解不成",))

    @cached_property
    def limit(self) -> np.ndarray:
        """Each dispute's time limit in days from its complexity (NaN when the complexity is unknown)."""
        return lookup(*self._codes("complexity"), self.time_limits, np.nan)

    @cached_property
    def age(self) -> np.ndarray:
        """Days from receipt to the cut."""
        return (self.cut - self.received) / DAY

    @property
    def on_time(self) -> np.ndarray:
        return self.resolved & ((self.resolved_date - self.received) / DAY <= self.limit)

    @cached_property
    def followed(self) -> np.ndarray:
        return self.follow_up_date <= self.cut

    @property
    def follow_up_done(self) -> np.ndarray:
        window = np.timedelta64(FOLLOW_UP_DAYS, "D")
        return self.resolved & self.followed & (self.follow_up_date - self.resolved_date <= window)

    @property
    def follow_up_due(self) -> np.ndarray:
        window = np.timedelta64(FOLLOW_UP_DAYS, "D")
        return self.resolved & ((self.resolved_date + window <= self.cut) | self.followed)

    @property
    def proactive(self) -> np.ndarray:
        return self._is("source", PROACTIVE_SOURCES)

    @property
    def level_given(self) -> np.ndarray:
        """Resolved with a mediation level given (the level counts only for resolved disputes)."""
        return self.resolved & self.reader.given("level", self.rows)

    @property
    def grassroots(self) -> np.ndarray:
        """Resolved at level 社区."""
        return self.resolved & self._is("level", ("社区",))

    @property
    def overdue_open(self) -> np.ndarray:
        return self.open & (self.age > self.limit)

    @property
    def red_open(self) -> np.ndarray:
        return self.open & self._is("risk", ("红",))
