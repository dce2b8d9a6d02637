"""The audit log in Chinese: one name per event kind and one sentence per event, from its typed details.

``KIND_NAMES`` names every kind ``store.audit`` records (a test enforces it); :func:`sentence` renders an
event, e.g. "修改角色：demo_head 所长（兰街派出所）→ 管理员（全局）" or "登录失败：密码错误（第 3 次）",
times in the bureau's time zone. The admin screen and its CSV download both use it. An event whose
details do not fit its renderer (an older event, a new field) still reads as its name and its details
listed with Chinese labels — never as raw JSON, never as an error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from services import clock, scopes
from services.settings import Settings

KIND_NAMES: dict[str, str] = {
    "UploadStored": "保存上报",
    "UploadReplaced": "保存上报（替换已有月报）",
    "UploadRejected": "拒绝上报",
    "RubricChanged": "修改评分规则",
    "RankingExported": "导出排名",
    "DataExported": "导出数据",
    "LoginFailed": "登录失败",
    "LoginSucceeded": "登录成功",
    "LoggedOut": "退出登录",
    "AccountLocked": "停用或临时锁定账号",
    "AccountUnlocked": "启用账号",
    "UserCreated": "创建用户",
    "RoleChanged": "修改角色",
    "PasswordReset": "重置密码",
    "PasswordChanged": "修改本人密码",
    "BackupTaken": "备份数据库",
    "BackupDownloaded": "下载备份",
    "SessionsRevoked": "强制退出登录",
    "OfficeMoved": "调整警务室归属",
    "RubricDraftSaved": "保存评分规则草稿",
    "RubricPublishRequested": "申请发布评分规则",
    "RubricPublished": "发布评分规则",
    "RubricRetired": "停用评分规则",
    "InstructionsSynced": "生成预警指令",
    "InstructionAcknowledged": "签收指令",
    "InstructionAnswered": "反馈指令",
    "InstructionClosed": "核查办结指令",
    "InstructionReturned": "核查退回指令",
    "InstructionSupervised": "督办指令",
    "InstructionSettingsStored": "保存指令时限设置",
}
"""Event kind → its Chinese name (the 事件 column and the kind filter)."""

LOGIN_FAILURES = {
    "unknown_user": "用户名不存在",
    "disabled": "账号已停用",
    "locked": "账号临时锁定中，未核对密码",
    "backoff": "失败次数较多、等待时间未到，未核对密码",
    "bad_password": "密码错误",
}

DETAIL_LABELS = {
    "user": "用户", "role": "角色", "scope_kind": "范围类型", "scope_value": "范围", "file": "文件",
    "sha256": "SHA-256", "size": "大小（字节）", "stations": "派出所", "errors": "错误数", "codes": "问题代码",
    "monthly_new": "新增月报", "monthly_replaced": "替换月报", "disputes_new": "新增纠纷",
    "disputes_updated": "更新纠纷", "warnings": "警告数", "version": "版本", "based_on": "基于版本",
    "comment": "说明", "period": "统计期", "rubric_version": "评分规则版本", "format": "格式",
    "offices": "警务室数", "data_version": "数据版本", "target": "目标", "reason": "原因",
    "failures": "连续失败次数", "until": "锁定至", "by_admin": "由管理员操作", "first_admin": "初始管理员",
    "old": "原值", "new": "新值", "wait": "等待（秒）", "source": "来源",
}


def kind_name(kind: str) -> str:
    """The Chinese name of event ``kind`` (the code itself for a kind this catalogue does not know)."""
    return KIND_NAMES.get(kind, kind)


def _n(value: Any) -> int:
    return len(value) if isinstance(value, (list, tuple)) else int(value or 0)


def _upload(d: Mapping, _s: Settings) -> str:
    where = f"（{'、'.join(d['stations'])}）" if d.get("stations") else ""
    text = (f"文件“{d['file']}”{where}：新增月报 {_n(d.get('monthly_new'))} 条，替换 {_n(d.get('monthly_replaced'))} 条；"
            f"新增纠纷 {_n(d.get('disputes_new'))} 条，更新 {_n(d.get('disputes_updated'))} 条")
    return text + (f"；警告 {d['warnings']} 条" if d.get("warnings") else "")


def _role(value: Any) -> str:
    role, kind, scope = (list(value) + [None, None, None])[:3]
    return scopes.describe(role, kind, scope)


def _login_failed(d: Mapping, _s: Settings) -> str:
    text = LOGIN_FAILURES.get(d.get("reason"), str(d.get("reason") or "原因未记录"))
    if d.get("failures"):
        text += f"（第 {d['failures']} 次）"
    if d.get("wait"):
        text += f"（需等待 {d['wait']} 秒）"
    return text


def _locked(d: Mapping, s: Settings) -> str:
    if d.get("by_admin"):
        return f"停用账号 {d['user']}"
    until = clock.local_text(d["until"], s, seconds=False) if d.get("until") else "—"
    return f"连续 {d.get('failures', '?')} 次登录失败，临时锁定至 {until}"


def _user_created(d: Mapping, _s: Settings) -> str:
    if d.get("first_admin"):
        return f"{d['user']} 初始管理员（全局）"
    via = f"，导入自“{d['source']}”" if d.get("source") else ""
    return f"{d['user']} {scopes.describe(d['role'], d.get('scope_kind'), d.get('scope_value'))}{via}"


def _rubric(d: Mapping, _s: Settings) -> str:
    base = f"（基于第 {d['based_on']} 版）" if d.get("based_on") is not None else ""
    comment = f"：{d['comment']}" if d.get("comment") else ""
    return f"保存为第 {d['version']} 版{base}{comment}"


def _ranking(d: Mapping, _s: Settings) -> str:
    return (f"{d['period']}，评分规则第 {d['rubric_version']} 版，{str(d.get('format', '')).upper()} 格式，"
            f"{d.get('offices', 0)} 个警务室")


RENDERERS: dict[str, Callable[[Mapping, Settings], str]] = {
    "UploadStored": _upload,
    "UploadReplaced": _upload,
    "UploadRejected": lambda d, _s: f"文件“{d['file']}”有 {d.get('errors', 0)} 个错误，未保存",
    "RubricChanged": _rubric,
    "RankingExported": _ranking,
    "LoginFailed": _login_failed,
    "AccountLocked": _locked,
    "AccountUnlocked": lambda d, _s: f"{d['user']}",
    "UserCreated": _user_created,
    "RoleChanged": lambda d, _s: f"{d['user']} {_role(d['old'])}→ {_role(d['new'])}",
    "PasswordReset": lambda d, _s: f"{d['user']}（其登录已全部退出）",
    "BackupTaken": lambda d, _s: f"备份文件 {d['target']}",
    "BackupDownloaded": lambda d, _s: f"备份文件 {d['file']}（{d.get('size', 0)} 字节）",
    "SessionsRevoked": lambda d, _s: f"{d['user']} 的 {d.get('sessions', 0)} 个登录已退出",
    "OfficeMoved": lambda d, _s: (f"{d['office']} {d.get('name', '')}：{d['from_branch']} / {d['from_station']} → "
                                  f"{d['to_branch']} / {d['to_station']}"),
    "RubricDraftSaved": lambda d, _s: f"{d['name']}" + (f"：{d['comment']}" if d.get("comment") else ""),
    "RubricPublishRequested": lambda d, _s: f"{d['name']}，待另一名考评员确认",
    "RubricPublished": lambda d, _s: f"{d['name']}",
    "RubricRetired": lambda d, _s: f"{d['name']}",
    "InstructionsSynced": lambda d, _s: (f"截至 {d['as_of']}：预警 {d.get('warnings', 0)} 条，新指令 {d.get('created', 0)} 条，"
                                         f"条件消除 {d.get('cleared', 0)} 条"),
    "InstructionAcknowledged": lambda d, _s: f"第 {d['instruction_id']} 号指令",
    "InstructionAnswered": lambda d, _s: f"第 {d['instruction_id']} 号指令：{d.get('text', '')}",
    "InstructionClosed": lambda d, _s: f"第 {d['instruction_id']} 号指令" + (f"：{d['text']}" if d.get("text") else ""),
    "InstructionReturned": lambda d, _s: f"第 {d['instruction_id']} 号指令，退回原因：{d.get('text', '')}",
    "InstructionSupervised": lambda d, _s: f"第 {d['instruction_id']} 号指令：{d.get('text', '')}",
    "InstructionSettingsStored": lambda d, _s: f"第 {d['version']} 版时限设置",
}
"""Kind → its details as a phrase; kinds without details (登录成功 …) read as their name alone."""


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, tuple)):
        return "、".join(_plain(v) for v in value) or "—"
    return "—" if value is None else str(value)


def _generic(details: Mapping) -> str:
    return "；".join(f"{DETAIL_LABELS.get(k, k)}：{_plain(v)}" for k, v in details.items())


def sentence(kind: str, details: Mapping | None, settings: Settings) -> str:
    """Event ``kind`` with ``details`` as one Chinese sentence."""
    name = kind_name(kind)
    details = details if isinstance(details, Mapping) else {}
    render = RENDERERS.get(kind)
    try:
        text = render(details, settings) if render else _generic(details)
    except (KeyError, TypeError, ValueError, AttributeError):
        text = _generic(details)
    return f"{name}：{text}" if text else name
