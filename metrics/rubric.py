"""The star-rating rubric as validated data (shared/spec/rubric.md).

``load_rubric(path)`` reads a TOML file (``config/rubric.toml`` by default), checks every entry and
returns a frozen :class:`Rubric`; a broken rubric raises :class:`RubricError` whose Chinese message names
the bad entry — it never produces scores. ``rubric_from_dict`` does the same for data the app's editor
built, and ``rubric_to_toml`` writes a rubric back (round trip: ``rubric_from_dict(tomllib.loads(
rubric_to_toml(r))) == r``).
"""

from __future__ import annotations

import hashlib
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import tomli_w

from metrics.indicators.registry import INDICATORS

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "config" / "rubric.toml"

CAP_OPS = (">", ">=", "<", "<=")
TOTAL_WEIGHT = 100.0
_EPS = 1e-9


def known_metrics() -> frozenset[str]:
    """Indicator keys a rubric may use: those of the indicators registry (metrics.md)."""
    return frozenset(INDICATORS)


class RubricError(ValueError):
    """A rubric that must not be used; the message (Chinese) names the bad entry."""


@dataclass(frozen=True)
class Item:
    """One scored item: ``weight`` points at ``target``, 0 at ``floor``, linear in between."""

    key: str
    label: str
    metric: str
    weight: float
    floor: float
    target: float

    @property
    def better(self) -> Literal["higher", "lower"]:
        """Which direction is better, derived from floor and target (floor > target: lower is better)."""
        return "lower" if self.floor > self.target else "higher"

    def fraction(self, value: float) -> float:
        """Share of the weight earned by ``value`` (0..1); NaN when the value is missing."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return math.nan
        return min(1.0, max(0.0, (value - self.floor) / (self.target - self.floor)))

    def points(self, value: float) -> float:
        """Points earned by ``value``: weight × clip((value − floor) / (target − floor), 0, 1)."""
        return self.weight * self.fraction(value)


@dataclass(frozen=True)
class Band:
    """Scores ≥ ``min_score`` (unrounded) earn ``stars``."""

    min_score: float
    stars: int


@dataclass(frozen=True)
class Cap:
    """After the bands: when ``metric op threshold`` holds, the office gets at most ``max_stars``."""

    metric: str
    label: str
    op: str
    threshold: float
    max_stars: int

    def triggered(self, value: float) -> bool:
        """True when the cap applies to ``value`` (a missing value never triggers a cap)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return False
        return _compare(self.op, value, self.threshold)

    @property
    def condition_text(self) -> str:
        return f"{self.metric} {self.op} {_fmt_num(self.threshold)}"


@dataclass(frozen=True)
class Quota:
    """Optional quota on the top star: at most ``top_share`` of rated offices keep it."""

    enabled: bool = False
    top_share: float = 0.2


@dataclass(frozen=True)
class Rubric:
    """A validated rubric. Build it with :func:`load_rubric` or :func:`rubric_from_dict` only."""

    version: str
    items: tuple[Item, ...]
    bands: tuple[Band, ...]
    caps: tuple[Cap, ...]
    quota: Quota = Quota()
    min_weight_with_data: float = 80.0

    @property
    def top_stars(self) -> int:
        return self.bands[0].stars if self.bands else 1

    def item(self, key: str) -> Item:
        for it in self.items:
            if it.key == key:
                return it
        raise KeyError(key)

    def stars_for(self, score: float) -> int:
        """Stars of the bands for an unrounded ``score`` (caps not applied)."""
        for band in self.bands:
            if score >= band.min_score:
                return band.stars
        return 1

    def to_dict(self) -> dict[str, Any]:
        """Plain data (TOML/JSON-ready) that :func:`rubric_from_dict` turns back into this rubric."""
        return {
            "version": self.version,
            "min_weight_with_data": self.min_weight_with_data,
            "items": [
                {"key": i.key, "label": i.label, "metric": i.metric, "weight": i.weight,
                 "floor": i.floor, "target": i.target}
                for i in self.items
            ],
            "bands": [{"min_score": b.min_score, "stars": b.stars} for b in self.bands],
            "caps": [
                {"metric": c.metric, "label": c.label, "op": c.op, "threshold": c.threshold,
                 "max_stars": c.max_stars}
                for c in self.caps
            ],
            "quota": {"enabled": self.quota.enabled, "top_share": self.quota.top_share},
        }  # fmt: skip

    def digest(self) -> str:
        """SHA-256 of the rubric's content (same content → same digest, whatever the file looked like)."""
        return hashlib.sha256(rubric_to_toml(self).encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------------------------------
# Loading and validation


def _compare(op: str, a: float, b: float) -> bool:
    if op == ">":
        return a > b
    if op == ">=":
        return a >= b
    if op == "<":
        return a < b
    return a <= b


def _fmt_num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _number(where: str, field: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RubricError(f"{where}：“{field}”必须是数字，当前为“{value!r}”。")
    f = float(value)
    if not math.isfinite(f):
        raise RubricError(f"{where}：“{field}”必须是有限的数字，当前为 {value!r}。")
    return f


def _integer(where: str, field: str, value: Any) -> int:
    f = _number(where, field, value)
    if not f.is_integer():
        raise RubricError(f"{where}：“{field}”必须是整数，当前为 {value!r}。")
    return int(f)


def _text(where: str, field: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RubricError(f"{where}：“{field}”必须是非空文字，当前为“{value!r}”。")
    return value.strip()


def _table(where: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise RubricError(f"{where}：应为一组键值（表），当前为“{value!r}”。")
    return value


def _only(where: str, entry: Mapping[str, Any], allowed: set[str], required: set[str]) -> None:
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise RubricError(f"{where}：不认识的字段“{'、'.join(unknown)}”（可用字段：{'、'.join(sorted(allowed))}）。")
    missing = [k for k in sorted(required) if k not in entry]
    if missing:
        raise RubricError(f"{where}：缺少字段“{'、'.join(missing)}”。")


def _items(raw: Any, known: frozenset[str]) -> tuple[Item, ...]:
    if not isinstance(raw, list) or not raw:
        raise RubricError("评分规则：至少需要一个评分项（[[items]]）。")
    items: list[Item] = []
    seen_keys: dict[str, int] = {}
    seen_metrics: dict[str, int] = {}
    for n, entry in enumerate(raw, start=1):
        where = f"评分项第 {n} 项"
        entry = _table(where, entry)
        label = entry.get("label")
        if isinstance(label, str) and label.strip():
            where = f"评分项第 {n} 项（{label.strip()}）"
        _only(where, entry, {"key", "label", "metric", "weight", "floor", "target"},
              {"label", "metric", "weight", "floor", "target"})  # fmt: skip
        metric = _text(where, "metric", entry["metric"])
        if metric not in known:
            raise RubricError(f"{where}：指标“{metric}”不是已知指标，请使用指标表中的指标键名（如 resolution_rate）。")
        key = _text(where, "key", entry.get("key", metric))
        label = _text(where, "label", entry["label"])
        weight = _number(where, "weight", entry["weight"])
        if weight <= 0:
            raise RubricError(f"{where}：权重必须为正数，当前为 {_fmt_num(weight)}。")
        floor = _number(where, "floor", entry["floor"])
        target = _number(where, "target", entry["target"])
        if floor == target:
            raise RubricError(f"{where}：起点（floor）与目标（target）不能相同（均为 {_fmt_num(floor)}）。")
        if key in seen_keys:
            raise RubricError(f"{where}：键名“{key}”与第 {seen_keys[key]} 项重复。")
        if metric in seen_metrics:
            raise RubricError(f"{where}：指标“{metric}”已由第 {seen_metrics[metric]} 项评分，同一指标只能评一次。")
        seen_keys[key] = n
        seen_metrics[metric] = n
        items.append(Item(key=key, label=label, metric=metric, weight=weight, floor=floor, target=target))
    total = sum(i.weight for i in items)
    if abs(total - TOTAL_WEIGHT) > _EPS:
        parts = " + ".join(f"{i.label} {_fmt_num(i.weight)}" for i in items)
        raise RubricError(f"评分项权重合计必须为 100，当前为 {total:g}（{parts}）。")
    return tuple(items)


def _bands(raw: Any) -> tuple[Band, ...]:
    if not isinstance(raw, list) or not raw:
        raise RubricError("评分规则：至少需要一个星级分档（[[bands]]）。")
    bands: list[Band] = []
    for n, entry in enumerate(raw, start=1):
        where = f"星级分档第 {n} 档"
        entry = _table(where, entry)
        _only(where, entry, {"min_score", "stars"}, {"min_score", "stars"})
        min_score = _number(where, "min_score", entry["min_score"])
        stars = _integer(where, "stars", entry["stars"])
        if not 0 < min_score <= TOTAL_WEIGHT:
            raise RubricError(f"{where}：分数线必须在 0（不含）到 100 之间，当前为 {_fmt_num(min_score)}。")
        if not 2 <= stars <= 5:
            raise RubricError(f"{where}：星级必须为 2 到 5 之间的整数（低于最后一档为 1 星），当前为 {stars}。")
        if bands:
            prev = bands[-1]
            if min_score >= prev.min_score:
                raise RubricError(
                    f"{where}：分数线必须严格递减，{_fmt_num(min_score)} 不低于上一档的 {_fmt_num(prev.min_score)}。"
                )
            if stars >= prev.stars:
                raise RubricError(f"{where}：星级必须严格递减，{stars} 星不低于上一档的 {prev.stars} 星。")
        bands.append(Band(min_score=min_score, stars=stars))
    return tuple(bands)


def _caps(raw: Any, known: frozenset[str], top: int) -> tuple[Cap, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise RubricError("评分规则：封顶规则（[[caps]]）应为列表。")
    caps: list[Cap] = []
    for n, entry in enumerate(raw, start=1):
        where = f"封顶规则第 {n} 条"
        entry = _table(where, entry)
        label = entry.get("label")
        if isinstance(label, str) and label.strip():
            where = f"封顶规则第 {n} 条（{label.strip()}）"
        _only(where, entry, {"metric", "label", "op", "threshold", "max_stars"},
              {"metric", "op", "threshold", "max_stars"})  # fmt: skip
        metric = _text(where, "metric", entry["metric"])
        if metric not in known:
            raise RubricError(f"{where}：指标“{metric}”不是已知指标。")
        op = entry["op"]
        if op not in CAP_OPS:
            raise RubricError(f"{where}：比较符“{op}”无效，只能是 {'、'.join(CAP_OPS)}。")
        threshold = _number(where, "threshold", entry["threshold"])
        max_stars = _integer(where, "max_stars", entry["max_stars"])
        if not 1 <= max_stars < top:
            raise RubricError(f"{where}：封顶星级必须为 1 到 {top - 1} 之间的整数，当前为 {max_stars}。")
        label = _text(where, "label", entry.get("label", f"{metric} {op} {_fmt_num(threshold)}"))
        caps.append(Cap(metric=metric, label=label, op=op, threshold=threshold, max_stars=max_stars))
    return tuple(caps)


def _quota(raw: Any) -> Quota:
    if raw is None:
        return Quota()
    where = "五星名额（[quota]）"
    raw = _table(where, raw)
    _only(where, raw, {"enabled", "top_share"}, set())
    enabled = raw.get("enabled", False)
    if not isinstance(enabled, bool):
        raise RubricError(f"{where}：“enabled”必须是 true 或 false，当前为“{enabled!r}”。")
    share = _number(where, "top_share", raw.get("top_share", 0.2))
    if not 0 < share <= 1:
        raise RubricError(f"{where}：“top_share”必须在 0（不含）到 1 之间，当前为 {share:g}。")
    return Quota(enabled=enabled, top_share=share)


def rubric_from_dict(data: Mapping[str, Any]) -> Rubric:
    """Validate plain data (as parsed from TOML or built by the app's editor) into a :class:`Rubric`.

    Raises :class:`RubricError` with a Chinese message naming the first bad entry.
    """
    if not isinstance(data, Mapping):
        raise RubricError("评分规则必须是一组键值（TOML 表）。")
    _only("评分规则", data, {"version", "min_weight_with_data", "items", "bands", "caps", "quota"},
          {"version", "items", "bands"})  # fmt: skip
    version = _text("评分规则", "version", data["version"])
    known = known_metrics()
    items = _items(data["items"], known)
    min_w = _number("评分规则", "min_weight_with_data", data.get("min_weight_with_data", 80))
    if not 0 < min_w <= TOTAL_WEIGHT:
        raise RubricError(f"评分规则：“min_weight_with_data”必须在 0（不含）到 100 之间，当前为 {_fmt_num(min_w)}。")
    bands = _bands(data["bands"])
    caps = _caps(data.get("caps"), known, bands[0].stars)
    quota = _quota(data.get("quota"))
    return Rubric(version=version, items=items, bands=bands, caps=caps, quota=quota, min_weight_with_data=min_w)


def parse_rubric(text: str) -> Rubric:
    """A rubric from TOML text (RubricError when the text is not TOML or the rubric is broken)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RubricError(f"评分规则文件不是有效的 TOML：{exc}。") from None
    return rubric_from_dict(data)


def load_rubric(path: str | Path | None = None) -> Rubric:
    """The rubric in ``path`` (default ``config/rubric.toml``), validated."""
    p = Path(path) if path is not None else DEFAULT_PATH
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise RubricError(f"找不到评分规则文件“{p}”。") from None
    except OSError as exc:
        raise RubricError(f"无法读取评分规则文件“{p}”：{exc.strerror or exc}。") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RubricError(f"评分规则文件“{p}”不是 UTF-8 编码。") from None
    return parse_rubric(text)


def rubric_to_toml(rubric: Rubric) -> str:
    """The rubric as TOML text (what the app's editor saves as a new version)."""
    return tomli_w.dumps(rubric.to_dict())
