"""The 通报's charts as PNG images, drawn with matplotlib (no browser needed, unlike plotly's static
export) in a CJK font the machine has (Noto Sans CJK, installed by ``scripts/test.sh``). Without
matplotlib or such a font there are no charts, and the document says nothing it cannot show."""

from __future__ import annotations

import io
import logging

from metrics.display import format_value
from metrics.indicators.registry import label_in

LOG = logging.getLogger("dashboard.bulletin")
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei", "SimHei", "Microsoft YaHei")
STATION_CHART_KEY = "resolution_rate"


def _cjk_font():
    """A FontProperties of the first CJK family installed, or None."""
    from matplotlib import font_manager
    for family in CJK_FAMILIES:
        try:
            path = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
        except ValueError:
            continue
        return font_manager.FontProperties(fname=path)
    return None


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight")
    return buf.getvalue()


def render(ov) -> list[bytes]:
    """[star distribution, stations by 化解率] as PNG bytes; [] when they cannot be drawn."""
    try:  # a bare Figure draws with Agg without pyplot: no global backend switched in the app's process
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        return []
    font = _cjk_font()
    if font is None:
        LOG.warning("no CJK font found: the bulletin has no charts")
        return []
    out = []
    fig = Figure(figsize=(7, 3))
    ax = fig.subplots()
    bars = ax.bar(list(ov.stars["label"]), list(ov.stars["count"]), color="#4472C4")
    ax.bar_label(bars, fmt="%d")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(f"{ov.period.label_zh}警务室星级分布", fontproperties=font)
    ax.set_ylabel("警务室数", fontproperties=font)
    for label in ax.get_xticklabels():
        label.set_fontproperties(font)
    out.append(_png(fig))

    frame = ov.stations.sort_values(STATION_CHART_KEY, ascending=False)
    fig = Figure(figsize=(7, 0.8 + 0.35 * max(len(frame), 1)))
    ax = fig.subplots()
    values = [0.0 if v != v else float(v) * 100 for v in frame[STATION_CHART_KEY]]
    bars = ax.barh(list(frame["station"]), values, color="#70AD47")
    ax.bar_label(bars, labels=[format_value(STATION_CHART_KEY, v) for v in frame[STATION_CHART_KEY]])
    ax.invert_yaxis()
    ax.set_title(f"各派出所{label_in(STATION_CHART_KEY)}", fontproperties=font)
    ax.set_xlabel("%")
    for label in ax.get_yticklabels():
        label.set_fontproperties(font)
    out.append(_png(fig))
    return out
