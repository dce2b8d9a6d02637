"""Repeat disputes (重复纠纷), found one way for the indicator, its trend and the early warning.

A dispute is a repeat when its party key appears on another dispute (any office) received between
``REPEAT_WINDOW_DAYS`` days before its own received date and that date itself, both ends included
(metrics.md). Keys are given as codes (:meth:`~metrics.indicators.prepared.LedgerReader.party`: equal
codes ⇔ equal keys where a key occurs twice or more, −1 = not given or seen once).

Rows with a key are sorted by (key, received) once (:func:`_sorted`); each row's possible partners are
then one contiguous run of its key — from the first row received ``window_days`` before it to the last
row of its own time — with no loop over keys or rows. A row is a repeat when its run holds another row
(:func:`repeat_flags`, read off its neighbours); the early warnings list the run, found with two binary
searches (:func:`repeat_partners`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

REPEAT_WINDOW_DAYS = 90


def _sorted(codes: np.ndarray, received: np.ndarray, tiebreak: np.ndarray | None = None
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The rows with a key sorted by (key, received[, tiebreak]): ``(sel, key_time, t, uniq, width)`` —
    their positions, the (key, time rank) folded into one int64 (sorted), their times, the distinct
    times (sorted) and the fold's width."""
    sel = np.flatnonzero(codes >= 0)
    t_sel = received[sel].astype("int64")
    # Times ranked among their distinct values (a hash: ledgers hold few distinct days), so that
    # (key, time) folds into one int64 — sorted once, then compared or searched.
    t_rank, uniq = pd.factorize(t_sel, sort=True)
    width = np.int64(len(uniq) + 1)
    key_time = codes[sel].astype(np.int64) * width + t_rank
    order = np.argsort(key_time, kind="stable") if tiebreak is None else np.lexsort((tiebreak[sel], key_time))
    return sel[order], key_time[order], t_sel[order], uniq, width


def _window(days: int) -> np.int64:
    return np.int64(days) * 86_400 * 10**9


def repeat_flags(codes: np.ndarray, received: np.ndarray, window_days: int = REPEAT_WINDOW_DAYS) -> np.ndarray:
    """For each row (party-key ``codes``, ``received`` as ``datetime64[ns]``): is it a repeat?

    A row's run of partners (see the module docstring) holds another row exactly when, in the sorted
    order, the row before it has the same key and lies within the window, or the row after it has the
    same key and the same time — so the flag needs no search, only its neighbours.
    """
    flags = np.zeros(len(codes), dtype=bool)
    if np.count_nonzero(codes >= 0) < 2:
        return flags
    sel, key_time, t, _, width = _sorted(codes, received)
    key = key_time // width
    same_key = key[1:] == key[:-1]
    near_prev = np.r_[False, same_key & (t[1:] - t[:-1] <= _window(window_days))]
    tie_next = np.r_[same_key & (key_time[1:] == key_time[:-1]), False]
    flags[sel] = near_prev | tie_next
    return flags


def repeat_partners(codes: np.ndarray, received: np.ndarray, ids: np.ndarray, recent_from: np.datetime64,
                    id_order: np.ndarray, window_days: int = REPEAT_WINDOW_DAYS
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each repeat dispute received from ``recent_from`` on, with its partners.

    ``codes``, ``received`` and ``ids`` (dispute ids) describe the rows that may take part; ``id_order``
    ranks the ids (the order partners of one day are listed in). A partner is another dispute id in the
    row's run. Returns ``(rows, partners, owner)``: the repeat rows (positions into the inputs, sorted by
    key, received, id), and their partners as pairs (``partners[p]`` is a partner of
    ``rows[owner[p]]``), pairs grouped by owner and listed in (received, id) order.
    """
    empty = np.array([], dtype=np.int64)
    if np.count_nonzero(codes >= 0) < 2:
        return empty, empty, empty
    sel, key_time, t, uniq, width = _sorted(codes, received, id_order)
    k = key_time // width
    lo = np.searchsorted(key_time, k * width + np.searchsorted(uniq, t - _window(window_days), side="left"),
                         side="left")
    hi = np.searchsorted(key_time, key_time, side="right")
    targets = np.flatnonzero((t >= np.datetime64(recent_from, "ns").astype("int64")) & (hi - lo >= 2))
    if not len(targets):
        return empty, empty, empty
    lens = hi[targets] - lo[targets]
    owner = np.repeat(np.arange(len(targets)), lens)
    partner = np.arange(int(lens.sum())) - np.repeat(np.cumsum(lens) - lens, lens) + np.repeat(lo[targets], lens)
    sorted_ids = np.asarray(ids, dtype=object)[sel]
    keep = np.asarray(sorted_ids[partner] != sorted_ids[targets[owner]], dtype=bool)
    owner, partner = owner[keep], partner[keep]
    has = np.bincount(owner, minlength=len(targets)) > 0
    renumber = np.cumsum(has) - 1
    return sel[targets[has]], sel[partner], renumber[owner]
