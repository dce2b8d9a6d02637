"""The one message table of the app: every sentence a user reads, in Simplified Chinese and English.

``t("key", **kw)`` returns the sentence in the current language (``st.session_state["lang"]``, else
the installation default ``DASHBOARD_LANGUAGE``, else zh), formatted with ``kw``. An unknown key is a
programming error and raises ``KeyError`` (a test checks every key used by the pages exists).
Pages put user text (office names, notes, file names) only in ``st.text``/``st.dataframe`` — never in
these templates rendered as Markdown.
"""

from __future__ import annotations

import streamlit as st

from metrics.indicators.registry import label_in

LANGUAGES = {"zh": "中文", "en": "English"}

MESSAGES: dict[str, tuple[str, str]] = {
    # shell
    "app_title": ("社区警务星级评估看板", "Community Policing Star Rating"),
    "demo_banner": ("演示模式：数据为虚构的示例分局，演示账号密码见说明文档。",
                    "演示模式 (demo mode): fictional sample bureau; demo passwords are in the README."),
    "setup_title": ("首次使用：创建管理员账号", "First start: create the administrator"),
    "setup_intro": ("系统尚无任何账号。请创建第一个管理员账号（密码至少 10 个字符），之后由管理员为其他人创建账号。",
                    "No account exists yet. Create the first administrator (password of at least 10 "
                    "characters); the administrator then creates the other accounts."),
    "setup_done": ("管理员账号已创建，请登录。", "Administrator created; please sign in."),
    "username": ("用户名", "User name"),
    "password": ("密码", "Password"),
    "password_again": ("再次输入密码", "Password again"),
    "password_mismatch": ("两次输入的密码不一致。", "The two passwords differ."),
    "create_admin": ("创建管理员", "Create administrator"),
    "signin_title": ("登录", "Sign in"),
    "signin": ("登录", "Sign in"),
    "signout": ("退出登录", "Sign out"),
    "signed_in_as": ("当前用户：{user}（{role}）", "Signed in: {user} ({role})"),
    "scope_label": ("范围：{scope}", "Scope: {scope}"),
    "scope_bureau": ("全局", "Whole bureau"),
    "session_ended": ("登录已失效，请重新登录。", "Your session ended; please sign in again."),
    "language": ("语言 / Language", "语言 / Language"),
    "unexpected_error": ("页面出现意外错误，已记录。请刷新页面重试；如仍出现请联系管理员。",
                         "Something went wrong; please reload the page or contact the administrator."),
    "change_password": ("修改密码", "Change password"),
    "old_password": ("原密码", "Current password"),
    "new_password": ("新密码", "New password"),
    "password_changed": ("密码已修改，所有登录（包括本次）均已退出，请用新密码重新登录。",
                         "Password changed; every session ended, this one too. Sign in with the new password."),
    # navigation
    "page_overview": ("总览", "Overview"),
    "page_upload": ("数据上报", "Upload"),
    "page_indicators": ("指标分析", "Indicators"),
    "page_disputes": ("矛盾纠纷", "Disputes"),
    "page_rating": ("星级评定", "Star rating"),
    "page_rubric": ("评分规则", "Rubric"),
    "page_admin": ("系统管理", "Administration"),
    "no_access_title": ("无权访问此页面", "No access to this page"),
    "no_access_body": ("当前账号（{role}）无权访问此页面。请从左侧菜单选择可用的页面；如确需使用，请联系管理员调整角色。",
                       "Your account ({role}) may not open this page. Choose a page from the menu on the left, "
                       "or ask the administrator to change your role."),
    # common widgets
    "period": ("统计期", "Period"),
    "period_kind": ("统计期类型", "Period type"),
    "kind_month": ("月", "Month"),
    "kind_quarter": ("季度", "Quarter"),
    "kind_year": ("年", "Year"),
    "kind_range": ("区间", "Range"),
    "range_from": ("起始月", "From"),
    "range_to": ("结束月", "To"),
    "level": ("层级", "Level"),
    "no_data": ("本期尚无数据 — 请先在“数据上报”上传月报。", "No data for this period yet — upload a monthly report first."),
    "no_data_at_all": ("尚无任何数据 — 请先在“数据上报”上传月报或历史数据。",
                       "No data yet — upload a monthly report or the history workbook first."),
    "no_rows": ("没有符合条件的记录。", "Nothing matches."),
    "download_csv": ("下载表格（CSV）", "Download table (CSV)"),
    "null": ("—", "—"),
    "percent_unit": ("%", "%"),
    "chart_trend_title": ("{label}月度趋势", "{label} by month"),
    "chart_compare_title": ("{label}对比", "{label} compared"),
    "chart_overall": ("整体水平", "overall"),
    "chart_heat_title": ("{label}：各单位逐月热力图", "{label}: each unit by month"),
    "chart_unit_axis": ("单位", "Unit"),
    "chart_funnel_title": ("{label}漏斗图（{level}）", "{label}: funnel plot ({level})"),
    "axis_with_unit": ("{label}（{unit}）", "{label} ({unit})"),
    "unit_ratio": ("%", "%"),
    "unit_count": ("起/个", "count"),
    "unit_hours": ("小时/人·天", "hours per officer-day"),
    "unit_pp_axis": ("百分点", "pp"),
    "unit_z": ("z 值", "z"),
    # overview
    "overview_title": ("总览", "Overview"),
    "overview_caption": ("{scope} · {period} · 数据截至 {as_of}（数据版本 {version}）",
                         "{scope} · {period} · as of {as_of} (data version {version})"),
    "kpi_target": ("目标 {target}", "target {target}"),
    "kpi_prior_missing": ("上年同期无数据", "no data for last year"),
    "kpi_delta_prior": ("较上年同期", "vs last year"),
    "star_distribution": ("星级分布", "Star distribution"),
    "star_axis": ("星级", "Stars"),
    "office_count_axis": ("警务室数（个）", "Offices"),
    "unrated": ("待评", "Not rated"),
    "trends": ("近 24 个月趋势", "Trends, last 24 months"),
    "trend_indicator": ("趋势指标", "Indicator"),
    "month_axis": ("月份", "Month"),
    "compare_title": ("分局与派出所对比", "Branches and stations compared"),
    "compare_indicator": ("对比指标", "Indicator to compare"),
    "branches": ("分局", "Branches"),
    "stations": ("派出所", "Stations"),
    "best_five": ("得分最高的五个警务室", "Five best offices"),
    "worst_five": ("得分最低的五个警务室", "Five weakest offices"),
    "open_warnings": ("未处理预警", "Open early warnings"),
    "no_warnings": ("当前没有预警。", "No early warnings."),
    "warnings_shown": ("共 {total} 条预警，此处列出最严重的 {shown} 条；完整清单请下载。",
                       "{total} early warnings; the {shown} most severe are listed here — download the full list."),
    "download_all_warnings": ("下载全部预警（CSV）", "Download every warning (CSV)"),
    "missing_uploads": ("{month} 尚未上报的派出所", "Stations that have not reported {month}"),
    "all_uploaded": ("范围内所有派出所均已上报 {month} 月报。", "Every station in scope has reported {month}."),
    "rubric_version": ("评分规则版本：{version}", "Rubric version: {version}"),
    "make_bulletin": ("生成本期工作通报（Word）", "Build this period's bulletin (Word)"),
    "making_bulletin": ("正在生成通报……", "Building the bulletin…"),
    "download_bulletin": ("下载 {name}", "Download {name}"),
    # upload
    "upload_title": ("数据上报", "Upload"),
    "upload_intro": ("下载模板，按模板填写后上传（可一次选择多个文件）。先预览，确认无误后再保存；保存前不会改动任何数据。",
                     "Download the template, fill it in and upload (several files at once). Preview first; "
                     "nothing changes until you confirm."),
    "download_template": ("下载空白模板", "Download the blank template"),
    "station_template_title": ("下载本所预填模板", "Download a station's pre-filled template"),
    "station_template_help": ("模板已列出所选派出所的全部警务室并填好月份，辖区户数、辖区人口取自最近一次上报；"
                              "本年累计走访户数的上次数值见该单元格批注，本月不得低于此数。其余各项请如实填写。",
                              "The template lists every office of the station with the month filled in; households "
                              "and population come from the latest report. The last year-to-date visits are in "
                              "the cell's comment: the new value may not be lower. Fill in everything else."),
    "make_station_template": ("生成预填模板", "Build the pre-filled template"),
    "download_station_template": ("下载 {name}", "Download {name}"),
    "choose_files": ("选择月报文件（.xlsx / .xls / .ods / .csv / WPS .et）", "Choose report files (.xlsx / .xls / .ods / .csv / WPS .et)"),
    "check_files": ("检查并预览", "Check and preview"),
    "reading_files": ("正在读取和检查文件……", "Reading and checking the files…"),
    "reading_done": ("检查完成", "Checked"),
    "problems_title": ("发现的问题", "Problems found"),
    "no_problems": ("未发现问题。", "No problems found."),
    "errors_block": ("有 {n} 个错误，未保存任何数据。请按问题表修改文件后重新上传。",
                     "{n} errors: nothing stored. Fix the file as the table says and upload again."),
    "warnings_found": ("有 {n} 个警告，请逐条核对。", "{n} warnings: please check each one."),
    "ack_warnings": ("我已核对以上警告，确认数据无误", "I have checked the warnings above; the data are right"),
    "choose_files_help": ("可一次选择多个文件；接受 .xlsx、.xls、.ods、.csv 格式。",
                          "Several files at once; .xlsx, .xls, .ods and .csv are accepted."),
    "upload_bad_names": ("不接受文件 {names}：只能上传 {allowed} 格式的电子表格，请移除后重新选择。",
                         "Files {names} are refused: only spreadsheets ({allowed}) can be uploaded."),
    "make_annotated": ("生成标注问题的工作簿", "Build the annotated workbook"),
    "making_annotated": ("正在生成标注问题的工作簿……", "Building the annotated workbook…"),
    "annotated_failed": ("未能生成标注工作簿，请以上方问题清单为准。", "The annotated workbook could not be built; "
                         "the problem table above is the report."),
    "download_annotated": ("下载标注问题的工作簿：{name}", "Download the annotated workbook: {name}"),
    "duplicate_file": ("文件内容与已保存的上传完全相同，不会重复保存。", "This file is identical to one already stored."),
    "preview_title": ("保存后将发生的变化", "What storing will change"),
    "preview_new_months": ("新增警务室月报", "New office-months"),
    "preview_replaced_months": ("替换的警务室月报（旧值 → 新值）", "Replaced office-months (old → new)"),
    "preview_new_disputes": ("新增纠纷", "New disputes"),
    "preview_updated_disputes": ("更新的纠纷（旧值 → 新值）", "Updated disputes (old → new)"),
    "preview_unchanged": ("与已保存数据相同、不会再次保存：月报 {m} 行，纠纷 {d} 条。",
                          "Identical to what is stored and not stored again: {m} office-months, {d} disputes."),
    "preview_nothing": ("这些文件与已保存的数据没有差别，无需保存。", "These files change nothing."),
    "confirm_store": ("确认保存", "Store"),
    "stored_ok": ("{msg}", "{msg}"),
    "receipt_title": ("本次保存的内容（保存回执）", "What was stored (receipt)"),
    "col_months_replaced": ("替换的警务室月报", "Replaced office-months"),
    "col_disputes_updated": ("更新的纠纷", "Updated disputes"),
    "history_title": ("上传记录", "Upload history"),
    "no_history": ("尚无上传记录。", "No uploads yet."),
    "col_file": ("文件", "File"),
    "col_sheet": ("工作表", "Sheet"),
    "col_row": ("行号", "Row"),
    "col_column": ("列", "Column"),
    "col_value": ("值", "Value"),
    "col_severity": ("级别", "Severity"),
    "col_code": ("问题代码", "Code"),
    "col_message": ("说明", "Message"),
    "col_office": ("警务室编码", "Office code"),
    "col_office_name": ("警务室", "Office"),
    "col_station": ("派出所", "Station"),
    "col_branch": ("分局", "Branch"),
    "col_month": ("月份", "Month"),
    "col_dispute": ("纠纷编号", "Dispute"),
    "col_field": ("字段", "Field"),
    "col_old": ("原值", "Stored"),
    "col_new": ("新值", "Uploaded"),
    "col_version": ("版本", "Version"),
    "col_when": ("时间", "When"),
    "col_who": ("上传人", "By"),
    "col_sha": ("SHA-256 校验值", "SHA-256"),
    "col_size": ("大小（字节）", "Size (bytes)"),
    "col_result": ("结果", "Result"),
    "col_stations": ("涉及派出所", "Stations"),
    "col_score": ("得分", "Score"),
    "col_stars": ("星级", "Stars"),
    "col_rank": ("名次", "Rank"),
    "col_rule": ("预警规则", "Rule"),
    "col_level_sev": ("等级", "Level"),
    "col_reported": ("已报警务室", "Offices reported"),
    "col_expected": ("警务室总数", "Offices"),
    "result_stored": ("已保存", "stored"),
    "result_rejected": ("已拒绝", "rejected"),
    "severity_error": ("错误", "error"),
    "severity_warning": ("警告", "warning"),
    # admin
    "admin_title": ("系统管理", "Administration"),
    "tab_users": ("用户与角色", "Users and roles"),
    "tab_offices": ("警务室登记", "Office registry"),
    "tab_audit": ("审计日志", "Audit log"),
    "tab_backup": ("备份", "Backup"),
    "new_user": ("新建用户", "New user"),
    "display_name": ("姓名", "Name"),
    "role": ("角色", "Role"),
    "scope_kind": ("范围类型", "Scope type"),
    "scope_value": ("范围（分局或派出所名称）", "Scope (branch or station)"),
    "scope_kind_bureau": ("全局", "Bureau"),
    "scope_kind_branch": ("分局", "Branch"),
    "scope_kind_station": ("派出所", "Station"),
    "create_user": ("创建用户", "Create user"),
    "scope_kind_fixed": ("范围类型：{kind}（由角色决定）", "Scope type: {kind} (follows from the role)"),
    "scope_station": ("派出所", "Station"),
    "scope_branch": ("分局", "Branch"),
    "scope_pick": ("请选择（可输入名称搜索）", "Choose (type to search)"),
    "no_registry": ("尚无警务室登记：请先上报或导入警务室登记，再创建所长账号或指定分局范围。",
                    "No office registry yet: upload or import the office registry first, then create "
                    "station heads or branch scopes."),
    "scope_not_in_registry": ("当前范围“{value}”不在警务室登记中，请重新选择。",
                              "The current scope “{value}” is not in the office registry; choose again."),
    "role_current": ("当前：{now}", "Now: {now}"),
    "role_change_sentence": ("将 {user} 从 {old}改为 {new}", "Change {user} from {old} to {new}"),
    "role_confirm": ("确认：{change}", "Confirm: {change}"),
    "role_unchanged": ("角色与范围未改变。", "Role and scope unchanged."),
    "new_user_confirm": ("确认：创建账号 {user}，角色为 {new}", "Confirm: create {user} as {new}"),
    "user_created": ("已创建用户。", "User created."),
    "pick_user": ("选择用户", "User"),
    "change_role": ("修改角色与范围", "Change role and scope"),
    "role_changed": ("已修改角色与范围，该用户需重新登录。", "Role changed; the user must sign in again."),
    "reset_password": ("重置密码", "Reset password"),
    "password_reset_done": ("已重置密码，该用户的登录已全部退出。", "Password reset; the user's sessions ended."),
    "lock_user": ("停用账号", "Lock account"),
    "unlock_user": ("启用账号", "Unlock account"),
    "locked_done": ("已停用该账号。", "Account locked."),
    "unlocked_done": ("已启用该账号。", "Account unlocked."),
    "col_username": ("用户名", "User"),
    "col_role": ("角色", "Role"),
    "col_scope": ("范围", "Scope"),
    "col_disabled": ("已停用", "Locked"),
    "col_locked_until": ("临时锁定至", "Locked until"),
    "col_failed": ("连续失败次数", "Failed sign-ins"),
    "col_created": ("创建时间", "Created"),
    "col_kind": ("事件", "Event"),
    "col_actor": ("操作人", "By"),
    "col_details": ("详情", "Details"),
    "audit_kind_filter": ("事件类型", "Event types"),
    "audit_user_filter": ("操作人包含", "By (contains)"),
    "audit_date_filter": ("日期范围", "Dates"),
    "audit_kind_placeholder": ("全部事件（可多选）", "All events (choose any)"),
    "audit_user_placeholder": ("输入用户名的一部分", "Part of a user name"),
    "audit_date_help": ("按 {tz} 时间的日期筛选。", "Days in the {tz} time zone."),
    "col_when_tz": ("时间（{tz}）", "Time ({tz})"),
    "backup_intro": ("生成数据库的一致性备份（使用数据库备份接口，不影响正在进行的操作），并下载保存到安全位置。",
                     "Take a consistent backup of the database and download it."),
    "backup_download_link": ("生成并下载备份", "Take and download a backup"),
    "backup_download_note": ("下载地址只对已登录的管理员有效，每次下载都记入审计日志；备份文件同时保存在服务器数据目录的 backups 下（仅属主可读）。",
                             "The download works only for a signed-in admin and every download is audited; "
                             "the file is also kept in the data folder's backups (owner-only)."),
    # sessions (admin)
    "revoke_sessions_title": ("登录会话", "Sessions"),
    "revoke_sessions": ("强制退出该用户的所有登录", "End all of this user's sessions"),
    "sessions_revoked": ("已退出该用户在所有浏览器中的登录。", "All of the user's sessions ended."),
    # audit event kinds added with the session cookie and the backup route
    "backup_unavailable": ("当前数据库不支持在此页面备份，请使用数据库自带的备份工具（如 pg_dump）。",
                           "This database cannot be backed up here; use its own tools (e.g. pg_dump)."),
    # admin: moving an office in the registry
    "move_office": ("调整警务室归属", "Move an office"),
    "move_office_intro": ("警务室的所属派出所和分局只能在这里修改（记入审计日志），上报的月报不能修改它们。"
                          "已保存的月报保持上报时的归属，之后上报的月报须按新的归属填写。",
                          "Only here can an office's station and branch change (audited); uploads cannot. "
                          "Stored rows keep the station they were reported with; later reports must give the new one."),
    "move_office_pick": ("警务室", "Office"),
    "move_office_station": ("新的所属派出所", "New station"),
    "move_office_branch": ("新的所属分局", "New branch"),
    "move_office_button": ("保存归属调整", "Save the move"),
    "move_office_done": ("已调整警务室归属。", "Office moved."),
}


def language() -> str:
    """The current language code (``zh`` or ``en``)."""
    try:
        lang = st.session_state.get("lang")
    except Exception:  # outside a Streamlit run (plain tests)
        lang = None
    return lang if lang in LANGUAGES else "zh"


def t(key: str, **kw) -> str:
    """The sentence ``key`` in the current language, formatted with ``kw``."""
    zh, en = MESSAGES[key]
    text = en if language() == "en" else zh
    return text.format(**kw) if kw else text


def indicator_label(key: str) -> str:
    """The label of indicator ``key`` in the current language (the registry's Chinese ``label`` or its
    ``label_en``)."""
    return label_in(key, language())
