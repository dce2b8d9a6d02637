"""README section "rubric": the default rubric explained in Chinese and English, generated from
``config/rubric.toml`` so the docs cannot drift from the file (``python -m metrics.readme``)."""

from __future__ import annotations

from metrics.explain import format_value
from metrics.rubric import Rubric, load_rubric
from metrics.scoring import stars_text


def rubric_markdown(rubric: Rubric | None = None) -> str:
    """Markdown for the README: items table, missing-data rule, bands, caps, quota, ranking rule."""
    r = rubric or load_rubric()
    top = r.top_stars
    lines = [
        f"默认评分规则 `config/rubric.toml`，版本 `{r.version}`。每项在起点（0 分）与目标（满分）之间线性计分；"
        "起点高于目标的项越低越好。",
        f"Default rubric `config/rubric.toml`, version `{r.version}`. Each item scores linearly from its floor "
        "(0 points) to its target (full weight); where the floor is above the target, lower is better.",
        "",
        "| 评分项 · item | 指标 · metric | 权重 · weight | 起点 · floor | 目标 · target | 方向 · better |",
        "|---|---|---:|---:|---:|---|",
    ]
    for it in r.items:
        better = "越低越好 · lower" if it.better == "lower" else "越高越好 · higher"
        lines.append(
            f"| {it.label} | `{it.metric}` | {it.weight:g} | {format_value(it.metric, it.floor)} | "
            f"{format_value(it.metric, it.target)} | {better} |"
        )
    bands = "；".join(f"≥ {b.min_score:g} 分 {stars_text(b.stars, top)}" for b in r.bands)
    bands_en = "; ".join(f"≥ {b.min_score:g}: {b.stars} stars" for b in r.bands)
    lines += [
        "",
        f"- 缺数据：无数据的项不得分；有数据项的权重合计 ≥ {r.min_weight_with_data:g} 时按 100 分折算，否则为“待评”"
        f"（不评分、不评星、不排名）。 · Missing data: an item without data earns nothing; if the items with data "
        f"carry ≥ {r.min_weight_with_data:g} weight points the score is rescaled to 100, otherwise the office is "
        "not rated (待评).",
        f"- 星级（按未四舍五入的得分）：{bands}；其余 {stars_text(1, top)}。 · Stars (unrounded score): {bands_en}; "
        "otherwise 1 star.",
    ]
    for c in r.caps:
        lines.append(
            f"- 封顶：{c.label}（`{c.metric} {c.op} {c.threshold:g}`）最高 {stars_text(c.max_stars, top)}。 · "
            f"Cap: when `{c.metric} {c.op} {c.threshold:g}`, at most {c.max_stars} stars."
        )
    if r.quota.enabled:
        lines.append(
            f"- 五星名额：不超过已评单位的 {r.quota.top_share:.0%}，超出者按得分由低到高降为下一档。 · "
            f"Quota: at most {r.quota.top_share:.0%} of rated offices keep the top star."
        )
    else:
        lines.append(
            f"- 五星名额：未启用（可设 `top_share = {r.quota.top_share:g}`）。 · Top-star quota: off "
            f"(`top_share = {r.quota.top_share:g}` when switched on)."
        )
    lines.append(
        "- 排名：按得分由高到低，同分依次比较矛盾纠纷化解率、驻社区日均时长（高者在前）、警务室编码（升序）；"
        "全局、分局内、派出所内分别排名。 · Ranking: by score; ties broken by resolution_rate, then "
        "avg_daily_hours (higher first), then office code; ranks within the bureau, each branch and each station."
    )
    lines.append(
        "- 稳健性：各权重乘以 [0.8, 1.2] 内随机系数后归一，抽样 1000 次，给出排名中位数、5%–95% 区间，"
        "星级变化超过 10% 的单位标为不稳定。 · Robustness: 1,000 weight perturbations (×U[0.8, 1.2], "
        "rescaled to 100): median rank, 5th–95th percentile rank, offices whose star changes in > 10 % of draws."
    )
    return "\n".join(lines) + "\n"
