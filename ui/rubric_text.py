"""Sentences of the 评分规则 screen and of the rubric version picker (星级评定), added to the one
message table like ``ui.analysis_text``. Version names come from ``metrics.rubric.version_name``."""

from __future__ import annotations

from ui import i18n

ENTRIES: dict[str, tuple[str, str]] = {
    "rub_units_hint": ("起点、目标按指标本身的单位填写：比率和同比按百分数（填 70 或 70% 均表示 70%），"
                       "时长按小时/人·天。规则随输入即时检查。",
                       "Floors and targets are in the indicator's own unit: rates and year-on-year changes in "
                       "per cent (70 or 70% both mean 70%), hours per officer-day. Checked as you type."),
    "rub_item_where": ("评分项第 {n} 项（{label}）", "Item {n} ({label})"),
    "rub_band_where": ("星级分档第 {n} 档", "Band {n}"),
    "rub_cap_where": ("封顶规则第 {n} 条（{label}）", "Cap {n} ({label})"),
    "rub_floor_unit": ("起点（0 分）{unit}", "Floor (0 points) {unit}"),
    "rub_target_unit": ("目标（满分）{unit}", "Target (full points) {unit}"),
    "rub_threshold_unit": ("阈值 {unit}", "Threshold {unit}"),
    "rub_reverse": ("反向计分", "Reversed"),
    "rub_reverse_help": ("勾选即确认：本项按与指标方向相反的方向计分（如越高越好的指标，起点高于目标）。",
                         "Tick to confirm scoring this item against the indicator's direction."),
    "rub_problems": ("规则有问题，不能保存或发布：", "The rubric has problems and cannot be saved or published:"),
    "rub_ok": ("规则检查通过。", "The rubric passes every check."),
    "rub_versions_title": ("版本", "Versions"),
    "rub_work_on": ("查看或编辑的版本", "Version to view or edit"),
    "rub_status": ("状态：{status} · 内容校验值 {digest}", "Status: {status} · digest {digest}"),
    "rub_draft_comment": ("版本说明（必填：为什么修改、改了什么）", "Comment (required: why and what changed)"),
    "rub_save_draft": ("保存草稿（{name}）", "Save the draft ({name})"),
    "rub_save_new": ("另存为新草稿", "Save as a new draft"),
    "rub_saved_draft": ("已保存{name}。草稿只有考评员可见，发布前不影响任何评定。",
                        "Saved {name}. Drafts are seen by evaluators only and rate nothing until published."),
    "rub_publish_title": ("发布", "Publish"),
    "rub_publish_hint": ("发布后不可修改。自所填期间起，评定默认使用该版本；此前各期不变。",
                         "A published version cannot change. From the period given on, ratings use it by "
                         "default; earlier periods stay as they are."),
    "rub_effective": ("首个生效期间（如 2027Q1、2027-01、2027）", "First period in force (e.g. 2027Q1)"),
    "rub_publish_confirm": ("我已比较过该版本与现行版本的评定结果，确认发布",
                            "I have compared this version with the one in force and confirm"),
    "rub_publish": ("发布{name}", "Publish {name}"),
    "rub_confirm_publish": ("确认发布{name}（自 {start} 起）", "Confirm {name} (from {start})"),
    "rub_pending": ("{who} 已申请自 {start} 起发布，须由另一位考评员确认。",
                    "{who} asked to publish from {start}; another evaluator must confirm."),
    "rub_published": ("{name}已发布。", "{name} is published."),
    "rub_requested": ("已申请发布{name}，须由另一位考评员确认后生效。",
                      "Asked to publish {name}; it applies once another evaluator confirms."),
    "rub_past_start": ("注意：{start} 已经开始或已过去，发布后这些期间的评定将改用该版本。",
                       "Note: {start} has begun or passed; its ratings will change to this version."),
    "rub_retire_title": ("停用", "Retire"),
    "rub_retire_confirm": ("确认停用{name}", "Confirm retiring {name}"),
    "rub_retire": ("停用该版本", "Retire this version"),
    "rub_retired": ("{name}已停用。", "{name} is retired."),
    "rub_readonly": ("{name}{status}，不能修改；修改后可另存为新草稿。",
                     "{name} is {status} and cannot change; save your edits as a new draft."),
    "rub_compare_title": ("比较两个版本", "Compare two versions"),
    "rub_compare_single": ("目前只有一个版本（{name}），暂无可比较的内容；保存一个草稿后即可比较。",
                           "There is only one version ({name}); save a draft to compare."),
    "rub_compare_same": ("请选择两个不同的版本。", "Pick two different versions."),
    "rub_compare_nothing": ("{period}：从{a}改为{b}，没有警务室的星级或名次发生变化。",
                            "{period}: from {a} to {b}, no office changes stars or rank."),
    "rub_compare_result": ("{period}：从{a}改为{b}，{stars} 个警务室星级变化（{up} 个升星、{down} 个降星），"
                           "{ranks} 个警务室名次变化。",
                           "{period}: from {a} to {b}, {stars} offices change stars ({up} up, {down} down), "
                           "{ranks} change rank."),
    "rub_compare_movers": ("名次变化最大的警务室：", "Largest rank moves:"),
    "rub_compare_mover": ("{name}：第 {ra} 名 → 第 {rb} 名", "{name}: rank {ra} → {rb}"),
    "rub_col_name": ("版本", "Version"),
    "rub_col_status": ("状态", "Status"),
    "rub_col_effective": ("首个生效期间", "First period"),
    "rub_col_digest": ("内容校验值", "Digest"),
    "rub_col_published": ("发布人", "Published by"),
    "rub_quota_share_pct": ("五星最多占已评单位的比例 %", "Most offices with five stars (%)"),
    "rat_rubric_in_force": ("现行规则：{name}", "In force: {name}"),
    "rat_not_current": ("按第 {n} 版（非现行）评定：{name}；本期现行规则为{current}。",
                        "Rated by version {n} (not in force): {name}; in force for this period: {current}."),
}


def register() -> None:
    """Add :data:`ENTRIES` to the app's message table (idempotent; existing keys are not overwritten)."""
    for key, value in ENTRIES.items():
        i18n.MESSAGES.setdefault(key, value)


register()
