"""A dataset prepared once for many computations, and how the indicator steps read the ledger.

The ledger is read as dates (arrays) and text columns as integer codes.

Every ledger component is a mask over some rows — "status is 已化解", "source is proactive", "same
party as another dispute" — and testing text is the costly part of computing them. The steps therefore
ask the :class:`LedgerReader` for the codes of a text column at the rows they read, and test the few
distinct values (``uniques``) instead of every row. A reader either factorises the asked rows on each
call (nothing kept: a ledger read once, as by the command line) or keeps each column factorised whole.

The engine always computes on a :class:`PreparedDataset`: :func:`prepare` builds one that keeps
(the app prepares the bureau's rows once per data version and computes many periods, levels and trends
on them), :func:`view` one for a single computation on a plain dataset (its reader keeps nothing).
Either way the steps, and so the numbers, are the same; only what is kept differs.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from metrics.dataset import Dataset
from metrics.indicators.factors import MonthlyIndex, index_monthly
from metrics.indicators.units import UnitGroups, office_table, unit_groups

CODED_COLUMNS = ("office_code", "source", "risk", "complexity", "level", "status", "party_key")
"""The ledger columns the indicator steps read as codes (``codes``, and ``party`` for party_key): a
store that keeps them dictionary-encoded can hand them over (``prepare(..., ledger_codes=...)``)."""


def as_datetime(values) -> np.ndarray:
    """A date column (Series or array) as ``datetime64[ns]`` numpy values (NaT when not given)."""
    if isinstance(values, np.ndarray) and values.dtype == "datetime64[ns]":
        return values
    if isinstance(values, pd.Series) and values.dtype == "datetime64[ns]":
        return values.to_numpy()
    return pd.to_datetime(values).to_numpy(dtype="datetime64[ns]")


def take_objects(values: pd.Series, rows: np.ndarray) -> np.ndarray:
    """The values at ``rows`` as an object array; only those rows are converted (a pandas ``str``
    column would otherwise be turned into Python objects whole)."""
    if values.dtype == object:
        return values.to_numpy()[rows]
    return values.take(rows).to_numpy(dtype=object)


def member_of(codes: np.ndarray, uniques: np.ndarray, names: Collection) -> np.ndarray:
    """Which rows' value (``uniques[codes]``; code −1 = not given) is one of ``names`` (booleans)."""
    table = np.array([u in names for u in uniques] + [False], dtype=bool)
    return table[codes]


def _same(values: np.ndarray, value: str) -> np.ndarray:
    """Which of the object array ``values`` equal ``value`` (values that cannot be compared: no)."""
    try:
        return np.asarray(values == value, dtype=bool)
    except (TypeError, ValueError):  # pandas NA among the values
        return np.array([isinstance(x, str) and x == value for x in values.tolist()], dtype=bool)


def lookup(codes: np.ndarray, uniques: np.ndarray, mapping: Mapping, default: float) -> np.ndarray:
    """``mapping[value]`` for each row as float64 (``default`` when absent or not given)."""
    table = np.array([float(mapping.get(u, default)) for u in uniques] + [default], dtype="float64")
    return table[codes]


def shared_key_codes(keys: np.ndarray) -> np.ndarray:
    """Factorised ``keys`` for the keys that occur at least twice; −1 for a key seen once or not given.

    A key seen once can never be a repeat, and most party keys are seen once. Each key's (cached)
    Python string hash is folded into a bucket number with about four buckets per key: a row alone in
    its bucket has a key seen once. Only the rest are grouped by full hash, and only rows whose hash
    occurs twice or more are compared exactly. Equal keys have equal hashes and buckets, so this drops
    exactly the keys seen once — no estimate.
    """
    n = len(keys)
    codes = np.full(n, -1, dtype=np.intp)
    if n < 2:
        return codes
    hashed = np.fromiter(map(hash, keys), dtype=np.int64, count=n)
    bits = max(10, n.bit_length() + 2)
    bucket = ((hashed ^ (hashed >> 32)) & ((1 << bits) - 1)).astype(np.intp)
    candidates = np.flatnonzero(np.bincount(bucket, minlength=1 << bits)[bucket] >= 2)
    if not len(candidates):
        return codes
    same_hash, _ = pd.factorize(hashed[candidates])
    keep = np.bincount(same_hash)[same_hash] >= 2
    shared, group = candidates[keep], same_hash[keep]
    if not len(shared):
        return codes
    # Rows of one hash are checked against its first row (codes number hashes in order of appearance);
    # should two different keys ever share a hash, every shared row is factorised exactly instead.
    first = same_hash > np.maximum.accumulate(np.r_[-1, same_hash[:-1]])
    representative = candidates[first]
    try:
        same = np.asarray(keys[shared] == keys[representative[group]], dtype=bool)
    except (TypeError, ValueError):
        same = np.zeros(len(shared), dtype=bool)
    if same.all():
        # A missing key (None) has one hash; NaN is never equal to itself and so never gets here.
        none = hashed[representative] == hash(None)
        none[none] = [keys[r] is None for r in representative[none]]
        codes[shared] = np.where(none[group], -1, group)
    else:
        exact, _ = pd.factorize(keys[shared])
        seen = np.bincount(exact[exact >= 0], minlength=1)
        codes[shared] = np.where((exact >= 0) & (seen[np.maximum(exact, 0)] >= 2), exact, -1)
    return codes


def _shared_of_codes(codes: np.ndarray) -> np.ndarray:
    """Factorised keys → :func:`shared_key_codes`' answer: the code where the key occurs twice or
    more, −1 otherwise."""
    given = codes >= 0
    seen = np.bincount(codes[given], minlength=1)
    return np.where(given & (seen[np.where(given, codes, 0)] >= 2), codes, -1).astype(np.intp)


class LedgerReader:
    """How the indicator steps read the ledger (see the module docstring): dates as arrays, text columns
    as codes.

    A text column is factorised at the rows asked for, afresh at each call, unless it is kept: columns
    handed over as codes (``codes``: ``column → (codes, uniques)``, numbered as ``pandas.factorize``
    numbers them: −1 = not given, ``uniques`` distinct, e.g. by the columnar store) are kept, and with
    ``keep`` every column is factorised whole on first use and kept, then only its rows are taken. A
    ledger read once (the command line, a test) is cheapest read afresh; a prepared dataset keeps.
    """

    def __init__(self, ledger: pd.DataFrame, codes: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None,
                 keep: bool = False):
        self.frame = ledger
        self.keep = keep
        self._dates: dict[str, np.ndarray] = {}
        self._codes: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._party: np.ndarray | None = None
        for name, (col_codes, uniques) in (codes or {}).items():
            if name not in ledger.columns or len(col_codes) != len(ledger):
                raise ValueError(f"codes of {name!r} do not fit the ledger")
            self._codes[name] = (np.asarray(col_codes), np.asarray(uniques, dtype=object))
        if "party_key" in self._codes:
            self._party = _shared_of_codes(self._codes["party_key"][0])

    def has(self, name: str) -> bool:
        return name in self.frame.columns

    def dates(self, name: str) -> np.ndarray:
        """The whole date column as ``datetime64[ns]``."""
        if name not in self._dates:
            self._dates[name] = as_datetime(self.frame[name])
        return self._dates[name]

    def codes(self, name: str, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(codes, uniques)`` of text column ``name`` at ``rows``: ``uniques[codes[i]]`` is row
        ``rows[i]``'s value, code −1 when not given."""
        if name not in self._codes and not self.keep:
            codes, uniques = pd.factorize(take_objects(self.frame[name], rows))
            return codes, np.asarray(uniques, dtype=object)
        if name not in self._codes:
            codes, uniques = pd.factorize(self.frame[name].to_numpy(dtype=object))
            # The smallest integer type that holds the codes: taking rows of it moves fewer bytes.
            small = next(t for t in (np.int8, np.int16, np.int32, np.int64) if len(uniques) < np.iinfo(t).max)
            self._codes[name] = (codes.astype(small), np.asarray(uniques, dtype=object))
        codes, uniques = self._codes[name]
        return codes[rows], uniques

    def matches(self, name: str, rows: np.ndarray, names: Collection) -> np.ndarray:
        """Which of ``rows`` hold one of ``names`` in text column ``name`` (booleans): a test on the kept
        codes' few distinct values, or — not kept — a comparison of the rows' values (cheaper than
        factorising them for one test)."""
        if name in self._codes or self.keep:
            return member_of(*self.codes(name, rows), names)
        values = take_objects(self.frame[name], rows)
        out = np.zeros(len(values), dtype=bool)
        for value in names:
            out |= _same(values, value)
        return out

    def given(self, name: str, rows: np.ndarray) -> np.ndarray:
        """Which of ``rows`` give a value in column ``name`` (not None, NaN or NA)."""
        if name in self._codes or self.keep:
            return self.codes(name, rows)[0] >= 0
        return ~np.asarray(pd.isna(take_objects(self.frame[name], rows)), dtype=bool)

    def offices(self) -> np.ndarray:
        """Every office code of the ledger, once each (object array)."""
        codes, uniques = self.codes("office_code", np.arange(len(self.frame)))
        return uniques[pd.unique(codes[codes >= 0])]

    def party(self, rows: np.ndarray) -> np.ndarray:
        """Party-key codes at ``rows``: equal codes ⇔ equal keys for keys seen twice or more (among the
        rows, or in the whole ledger when kept); −1 for a key not given or seen once."""
        if self._party is None and not self.keep:
            return shared_key_codes(take_objects(self.frame["party_key"], rows))
        if self._party is None:
            self._party = shared_key_codes(self.frame["party_key"].to_numpy(dtype=object))
        return self._party[rows]


@dataclass
class PreparedDataset(Dataset):
    """A dataset whose frames will not change any more, with what the indicator steps read of them
    built once and kept: the ledger reader (:class:`LedgerReader`), the monthly sheet's office and month
    codes (:class:`~metrics.indicators.factors.MonthlyIndex`), the office table and the units of each
    level.

    Changing a frame after preparing would leave the kept values stale: prepare the changed dataset
    again instead (``prepare(dataset)``).
    """

    ledger_codes: dict = field(default_factory=dict, repr=False, compare=False)
    """Ledger columns already held as codes (see :class:`LedgerReader`); used once, then dropped."""
    keep_ledger: bool = field(default=True, repr=False, compare=False)
    """Whether the ledger reader keeps each text column factorised whole (False: :func:`view`)."""

    def __post_init__(self) -> None:
        self.ledger_reader = LedgerReader(self.ledger, self.ledger_codes, keep=self.keep_ledger)
        self.ledger_codes = {}
        self._kept: dict[tuple, object] = {}

    def _keep(self, key: tuple, build):
        if key not in self._kept:
            self._kept[key] = build()
        return self._kept[key]

    @property
    def monthly_index(self) -> MonthlyIndex:
        return self._keep(("monthly_index",), lambda: index_monthly(self.monthly))

    def office_table(self, ledger_offices: np.ndarray) -> pd.DataFrame:
        """``units.office_table`` of the monthly rows and these ledger offices, kept per set of ledger
        offices that have no monthly row (usually none)."""
        base = self._keep(("offices", ()), lambda: office_table(self.monthly, None, index=self.monthly_index))
        at = base.index.get_indexer(pd.Index(ledger_offices, dtype=object)) if len(base) else \
            np.full(len(ledger_offices), -1)
        extra = tuple(sorted(set(np.asarray(ledger_offices, dtype=object)[at < 0]), key=str))
        if not extra:
            return base
        return self._keep(("offices", extra), lambda: office_table(
            self.monthly, pd.DataFrame({"office_code": list(extra)}), index=self.monthly_index))

    def unit_groups(self, offices: pd.DataFrame, level: str) -> UnitGroups | None:
        """``units.unit_groups``, kept for the office tables this dataset gave."""
        if not any(v is offices for k, v in self._kept.items() if k[0] == "offices"):
            return unit_groups(offices, level)
        return self._keep(("groups", id(offices), level), lambda: unit_groups(offices, level))


def prepare(dataset: Dataset, ledger_codes: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None
            ) -> PreparedDataset:
    """``dataset`` as a :class:`PreparedDataset` that keeps (the same frames, not copied).
    ``ledger_codes``: ledger columns already held as codes, which must describe exactly
    ``dataset.ledger``'s rows (see :class:`LedgerReader`)."""
    if isinstance(dataset, PreparedDataset) and dataset.ledger_reader.keep and not ledger_codes:
        return dataset
    return PreparedDataset(monthly=dataset.monthly, ledger=dataset.ledger, sources=list(dataset.sources),
                           ledger_codes=dict(ledger_codes or {}))


def view(dataset: Dataset) -> PreparedDataset:
    """``dataset`` as the engine reads it: itself when prepared, else a :class:`PreparedDataset` for
    this one computation, whose ledger reader factorises only the rows asked for."""
    if isinstance(dataset, PreparedDataset):
        return dataset
    return PreparedDataset(monthly=dataset.monthly, ledger=dataset.ledger, sources=list(dataset.sources),
                           keep_ledger=False)
