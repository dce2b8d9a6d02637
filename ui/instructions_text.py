"""Sentences of the 预警处置 screen, added to the one message table (as ``ui.analysis_text`` does).

Templates never embed user text: messages, notes and feedback are shown with ``st.text`` or in tables.
"""

from __future__ import annotations

from ui import i18n

ENTRIES: dict[str, tuple[str, str]] = {
    "ins_caption": ("每条预警生成一条指令：所长签收、反馈，考评员或局领导核查办结或退回；逾期的指令列入督办。时间为北京时间。",
                    "Each warning is an instruction: the station head signs and answers, an evaluator or leader "
                    "closes or returns it; overdue ones are escalated. Times in Beijing time."),
    "ins_none": ("当前没有预警指令。", "No instructions."),
    "ins_tab_queue": ("我的待办", "My queue"),
    "ins_tab_board": ("全局看板", "Board"),
    "ins_tab_overdue": ("逾期", "Overdue"),
    "ins_tab_supervised": ("督办", "Escalated"),
    "ins_tab_verify": ("待核查", "To verify"),
    "ins_tab_all": ("全部指令", "All"),
    "ins_count": ("共 {n} 条", "{n} in all"),
    "ins_by_status": ("按状态", "By status"),
    "ins_by_station": ("按派出所", "By station"),
    "ins_by_branch": ("按分局", "By branch"),
    "ins_queue_hint": ("逾期的在前；有督办意见的请优先处理。", "Overdue first; escalated ones need attention first."),
    "ins_pick": ("查看指令", "Open instruction"),
    "ins_detail": ("指令详情", "Instruction"),
    "ins_warning": ("预警内容", "Warning"),
    "ins_status_line": ("状态：{status} · 期限：{due}", "Status: {status} · due {due}"),
    "ins_overdue": ("已逾期", "Overdue"),
    "ins_cleared": ("预警条件已消除，仍需核查办结。", "The warning condition has cleared; a verifier must still close it."),
    "ins_notes": ("督办意见", "Escalation notes"),
    "ins_rows": ("相关纠纷台账", "Dispute rows"),
    "ins_history": ("处置记录", "History"),
    "ins_ack": ("签收", "Sign off"),
    "ins_answer_text": ("反馈内容（做了什么）", "Feedback (what was done)"),
    "ins_answer": ("提交反馈", "Send feedback"),
    "ins_reason": ("核查说明（退回时必填）", "Note (required to return)"),
    "ins_close": ("办结", "Close"),
    "ins_return": ("退回", "Return"),
    "ins_note_text": ("督办意见", "Escalation note"),
    "ins_supervise": ("督办", "Escalate"),
    "ins_done": ("已保存：第 {id} 号指令现为“{status}”。", "Saved: instruction {id} is now {status}."),
    "ins_tab_loop": ("闭环指标", "Loop indicators"),
    "ins_loop_month": ("生成月份", "Month issued"),
    "ins_loop_level": ("层级", "Level"),
    "ins_loop_hint": ("按指令生成月份统计；签收/反馈及时率只计已签收/已反馈或已超过时限的指令。",
                      "By month issued; on-time rates count only instructions done or past their deadline."),
    "ins_ov_title": ("预警指令逾期", "Overdue instructions"),
    "ins_ov_none": ("目前没有逾期的预警指令。", "No overdue instructions."),
    "ins_ov_count": ("逾期指令 {n} 条，其中有督办意见的 {supervised} 条（详见“预警处置”）。",
                     "{n} overdue, {supervised} with an escalation note (see Warning instructions)."),
    "ins_col_id": ("指令号", "No."),
    "ins_col_status_label": ("状态", "Status"),
    "ins_col_overdue": ("逾期", "Overdue"),
    "ins_col_condition_cleared": ("预警条件已消除", "Condition cleared"),
    "ins_col_due": ("期限", "Due"),
    "ins_col_rule_label": ("预警", "Warning"),
    "ins_col_risk": ("风险", "Risk"),
    "ins_col_station": ("派出所", "Station"),
    "ins_col_branch": ("分局", "Branch"),
    "ins_col_office_name": ("警务室", "Office"),
    "ins_col_dispute": ("纠纷编号", "Dispute"),
    "ins_col_month": ("月份", "Month"),
    "ins_col_message": ("预警内容", "Message"),
    "ins_col_supervision_notes": ("督办", "Escalations"),
    "ins_col_created_at": ("生成时间", "Issued"),
    "ins_col_at": ("时间", "Time"),
    "ins_col_label": ("步骤", "Step"),
    "ins_col_actor": ("人员", "By"),
    "ins_col_text": ("说明", "Text"),
    "ins_col_issued": ("指令数", "Instructions"),
    "ins_col_office_code": ("警务室编码", "Office code"),
    "ins_ledger": ("下载指令台账（xlsx）", "Download ledger (xlsx)"),
}


def register() -> None:
    for key, value in ENTRIES.items():
        i18n.MESSAGES.setdefault(key, value)


register()
