"""The console's catalogue: every label and limit the browser shows or enforces, served once at
/console/api/labels so the page copies none of them. Codes come from the domain (flags, re-shoot
reasons, slots, limits); only the staff-facing Chinese words are written here.
"""

from __future__ import annotations

from typing import Any

from chalicelib.console.auth import ROLES
from chalicelib.console.service import MAX_CHAT_CHARS
from chalicelib.dialog.catalogue import SURVEY_SHOT_TITLES
from chalicelib.domain import audit as audit_rules
from chalicelib.domain import data_requests as request_rules
from chalicelib.domain import records as record_rules
from chalicelib.domain import satisfaction as satisfaction_rules
from chalicelib.domain import service_paths as path_rules
from chalicelib.domain import survey as sv
from chalicelib.domain import tickets as ticket_rules
from chalicelib.domain.authority import FLAG_PHOTOS_MISSING, NEEDS_REASON
from chalicelib.domain.chat_timers import Clock
from chalicelib.domain.claims import ClaimStatus
from chalicelib.domain.review import (
    MAX_AMOUNT,
    MAX_REASON_CHARS,
    RESHOOT_REASONS,
    REVIEWABLE,
    Action,
)

APP_TITLE = "理赔审核台"

ROLE_LABELS = {"adjuster": "理赔员", "supervisor": "主管", "auditor": "稽核", "agent": "坐席",
               "approver": "群发审批"}

QUEUE_FILTERS = (
    ("waiting", "待审核"),
    ("survey_received", "已收到照片"),
    ("under_review", "审核中"),
    ("photos_requested", "待客户补拍"),
    ("reported", "已报案（未传照片）"),
    ("decided", "已处理"),
)

FLAG_LABELS = {
    sv.FLAG_VIN_MISMATCH: "车架号不符",
    sv.FLAG_RESHOOTS: "补拍过",
    sv.FLAG_TAKEN_BEFORE_ACCIDENT: "拍摄时间早于出险",
    sv.FLAG_TAKEN_FAR_FROM_PLACE: "拍摄地点距出险地点超过5公里",
    "qc_warning": "质检提示",
    FLAG_PHOTOS_MISSING: "照片不全",
    "signoff_pending": "待主管签批",
}

QC_REASONS = {
    "too_small": "尺寸过小",
    "blurred": "模糊",
    "too_dark": "过暗",
    "too_bright": "过曝",
    "not_a_photo": "疑似截图/翻拍",
    "unreadable": "无法打开",
    "duplicate": "重复照片",
    "vin_unreadable": "车架号不清",
    "surplus": "多余照片",
    "wrong_subject": "拍摄对象不对",
}

RESHOOT_REASON_LABELS = {
    "blurred": "照片模糊",
    "too_dark": "太暗",
    "too_bright": "曝光过度",
    "not_a_photo": "截图或翻拍，非现场拍摄",
    "wrong_subject": "拍摄对象不对",
    "plate_unreadable": "车牌看不清",
    "vin_unreadable": "车架号看不清",
    "incomplete": "未拍全",
    "other": "其他（需填写说明）",
}

# Before a decision: reported (no photos yet), waiting for review, or waiting for re-shoots.
UNDECIDED = (*REVIEWABLE, ClaimStatus.REPORTED, ClaimStatus.PHOTOS_REQUESTED)

ACTION_LABELS = {
    Action.APPROVE: "通过",
    Action.RESHOOT: "补拍",
    Action.SURVEYOR: "派查勘员",
    Action.REJECT: "拒赔",
}

MESSAGE_TYPES = {
    "text": "",
    "image": "图片",
    "voice": "语音",
    "video": "视频",
    "location": "位置",
    "event": "事件",
    "news": "图文",
    "template": "模板消息",
    "link": "链接",
}

AUDIT_ACTIONS = {
    "view_claim": "查看赔案",
    "decide:approve": "通过",
    "decide:reshoot": "补拍",
    "decide:surveyor": "派查勘员",
    "decide:reject": "拒赔",
    "decide:approve_requested": "提交签批",
    "sign_off:approve": "签批通过",
    "sign_off:decline": "签批退回",
    "records.search": "查询聊天记录",
    "records.export": "导出聊天记录",
    "records.print": "打印聊天记录",
    "records.path": "查看服务轨迹",
    "chat_reply": "人工回复客户",
    "chat_end": "结束人工会话",
    "chat_take_over": "接手人工会话",
    "chat_hand_back": "交回人工会话",
    "chat_canned_create": "新增快捷回复",
    "chat_canned_update": "修改快捷回复",
    "chat_canned_delete": "删除快捷回复",
    "sign_in": "登录",
    "sign_in_refused": "登录被拒",
    "data_request.close:done": "信息请求：已办理",
    "data_request.close:refused": "信息请求：不予办理",
    "data_request.close:partly": "信息请求：部分办理",
    "hold:add": "设置法律保全",
    "hold:reapply": "重新设置法律保全",
    "hold:release": "解除法律保全",
    "retention:sold": "报价已成交（延长保存）",
    "staff:add": "新增员工",
    "staff:set_roles": "调整员工角色",
    "staff:set_team": "调整员工团队",
    "staff:disable": "停用员工",
    "staff:enable": "启用员工",
    "ticket.assign": "工单：分派",
    "ticket.note": "工单：添加备注",
    "ticket.close:resolved": "工单：已处理",
    "ticket.close:unreachable": "工单：联系不上",
    "ticket.close:not_needed": "工单：无需处理",
    "ticket.phone": "工单：查看回访电话",
    "campaign.create": "群发：新建",
    "campaign.edit": "群发：修改",
    "campaign.preview": "群发：预览",
    "campaign.submit": "群发：提交审批",
    "campaign.approve": "群发：审批通过",
    "campaign.reject": "群发：驳回",
    "campaign.send": "群发：发送",
    "campaign.preview_openid": "群发：设置预览微信",
}

# The audit page's filter by kind of action (codes: chalicelib/domain/audit.py KINDS).
AUDIT_KINDS = {
    "decisions": "理赔决定与签批",
    "claim_views": "查看赔案",
    "records": "聊天记录查询、导出、打印",
    "data_requests": "客户信息请求",
    "holds": "法律保全与保存期限",
    "chats": "人工客服",
    "staff": "登录与员工管理",
    "tickets": "工单",
    "campaigns": "群发",
}

# What an entry is about (domain/audit.py target_of) and the words of its details.
AUDIT_TARGETS = {
    "claim": "赔案",
    "request": "信息请求",
    "customer": "客户",
    "chat": "会话",
    "staff": "员工",
    "quote": "报价",
    "ticket": "工单",
}

AUDIT_FIELDS = {
    "by": "查询方式",
    "value": "客户标识（摘要）",
    "keyword": "含关键词",
    "from": "自",
    "to": "至",
    "count": "条数",
    "unmasked": "查看未脱敏原文",
    "reason": "原因",
    "note": "备注",
    "outcome": "结果",
    "request": "请求",
    "amount": "金额",
    "version": "版本",
    "roles": "角色",
    "before": "变更前",
    "users": "微信用户数",
    "held_since": "保全自",
    "policy_no": "保单号",
    "via": "方式",
    "team": "团队",
    "chars": "字数",
    "due_at": "期限",
    "previous": "原接待人",
    "previous_name": "原接待人（姓名）",
    "kind": "类型",
    "assignee": "分派给",
    "assignee_name": "分派给（姓名）",
    "reply": "快捷回复",
    "title": "标题",
}

# How a records search names its customer (domain/records.py FIND_BY).
RECORDS_FIND_BY = {  # in the search form's order
    "claim": "赔案号",
    "policy": "保单号",
    "plate": "车牌号",
    "phone": "手机号",
    "openid": "微信 openid",
}

# Customers' requests about their information (domain/data_requests.py).
DATA_REQUEST_KINDS = {"correct": "更正我的信息", "erase": "删除我的信息"}
DATA_REQUEST_OUTCOMES = {"done": "已办理", "refused": "不予办理", "partly": "部分办理"}

# Tickets (domain/tickets.py): kinds, outcomes of a closing.
TICKET_KINDS = {
    "sensitive": "投诉/敏感",
    "callback": "回访",
    "survey_expired": "查勘超时",
    "data_request": "信息请求",
    "signoff": "待签批",
}
TICKET_OUTCOMES = {"resolved": "已处理", "unreachable": "联系不上", "not_needed": "无需处理"}

# The clock an in-hours chat is on (domain/chat_timers.py Clock).
CHAT_CLOCKS = {
    Clock.NONE: "待客户描述",
    Clock.FIRST_RESPONSE: "首次响应",
    Clock.RESOLUTION: "处理时长",
}

SIGN_IN_REFUSALS = {
    "not_staff": "您的企业微信账号还没有开通理赔审核台，请联系理赔主管开通。",
    "disabled": "您的理赔审核台账号已停用，如有疑问请联系理赔主管。",
    "no_roles": "您的账号还没有分配角色，请联系理赔主管。",
    "not_member": "只有本公司的企业微信成员可以登录。",
    "invalid_code": "登录码已使用或已过期，请重新登录。",
    "bad_state": "登录不是从本页发起的，请重新登录。",
    "expired_state": "登录超时，请重新登录。",
    "unavailable": "企业微信暂时无法访问，请稍后重试。",
}

# The claim clocks (domain/claim_clocks.py): what each is for, and where it stands.
CLOCK_KINDS = {"decide": "核定", "pay": "赔付", "refusal": "拒赔通知"}
CLOCK_STATES = {"running": "进行中", "warning": "即将到期", "overdue": "已超时",
                "paused": "暂停（待客户补充资料）", "met": "已完成"}  # fmt: skip
QUEUE_SORTS = (("waiting", "等待最久在前"), ("due", "时效最近在前"))  # service.QUEUE_SORTS


# Satisfaction ratings (满意度 page): what a question was asked after, and why one was not sent.
RATING_FLOWS = {"chat": "人工客服", "claim": "理赔结案"}
RATING_SKIP_REASONS = {
    "window_closed": "超过48小时客服消息时限",
    "no_quota": "客服消息条数已用完",
    "unfollowed": "客户已取消关注",
    "busy": "客户正在办理其他业务",
}

# Service paths (服务轨迹, domain/service_paths.py CHANNELS): where a contact happened.
PATH_CHANNELS = {
    "chat": "聊天",
    "notice": "通知",
    "handoff": "人工",
    "ticket": "工单",
    "claim": "赔案",
    "quote": "报价",
    "survey": "查勘",
    "rating": "评价",
}


def console_labels() -> dict[str, Any]:
    """The catalogue as the page reads it (lists keep their order)."""
    missing = [r for r in RESHOOT_REASONS if r not in RESHOOT_REASON_LABELS]
    if missing:  # a reason added in the domain must get its words here
        raise RuntimeError(f"no console label for re-shoot reason(s): {', '.join(missing)}")
    unnamed = [code for code in record_rules.FIND_BY if code not in RECORDS_FIND_BY]
    if unnamed:
        raise RuntimeError(f"no console label for records search by: {', '.join(unnamed)}")
    return {
        "app_title": APP_TITLE,
        "roles": {role: ROLE_LABELS.get(role, role) for role in ROLES},
        "slots": {str(slot): SURVEY_SHOT_TITLES[slot] for slot in sv.SLOTS},
        "queue_filters": [list(pair) for pair in QUEUE_FILTERS],
        "flags": FLAG_LABELS,
        "flags_needing_reason": sorted(NEEDS_REASON),
        "qc_reasons": QC_REASONS,
        "reshoot_reasons": [[code, RESHOOT_REASON_LABELS[code]] for code in RESHOOT_REASONS],
        "actions": [[str(code), label] for code, label in ACTION_LABELS.items()],
        "message_types": MESSAGE_TYPES,
        "audit_actions": AUDIT_ACTIONS,
        "sign_in_refusals": SIGN_IN_REFUSALS,
        "limits": {
            "max_amount": int(MAX_AMOUNT),
            "max_reason_chars": MAX_REASON_CHARS,
            "max_chat_chars": MAX_CHAT_CHARS,
            "min_unmask_reason_chars": record_rules.MIN_UNMASK_REASON_CHARS,
        },
        # statuses past review (decided, or later): the claim page says there is nothing to do
        "decided_statuses": [str(s) for s in ClaimStatus if s not in UNDECIDED],
        "audit_kinds": [[kind, AUDIT_KINDS[kind]] for kind in audit_rules.KINDS],
        "audit_targets": AUDIT_TARGETS,
        "audit_fields": AUDIT_FIELDS,
        "data_request_kinds": DATA_REQUEST_KINDS,
        "data_request_outcomes": [[o, DATA_REQUEST_OUTCOMES[o]] for o in request_rules.OUTCOMES],
        "data_request_limits": {
            "needs_reason": list(request_rules.NEEDS_REASON),
            "min_reason_chars": request_rules.MIN_REASON_CHARS,
            "max_reason_chars": request_rules.MAX_REASON_CHARS,
            "max_note_chars": request_rules.MAX_NOTE_CHARS,
        },
        "records_find_by": {code: label for code, label in RECORDS_FIND_BY.items()
                            if code in record_rules.FIND_BY},  # fmt: skip
        # in-hours chats' clocks (domain/chat_timers.py Clock): the inbox's timer chip
        "chat_clocks": {str(c): CHAT_CLOCKS[c] for c in Clock},
        "ticket_kinds": [[k, TICKET_KINDS[k]] for k in ticket_rules.KINDS],
        "ticket_outcomes": [[o, TICKET_OUTCOMES[o]] for o in ticket_rules.OUTCOMES],
        "ticket_limits": {
            "needs_reason": list(ticket_rules.NEEDS_REASON),
            "reason_always": [ticket_rules.SENSITIVE],
            "min_reason_chars": ticket_rules.MIN_REASON_CHARS,
            "max_reason_chars": ticket_rules.MAX_REASON_CHARS,
            "max_note_chars": ticket_rules.MAX_NOTE_CHARS,
        },
        "clock_kinds": CLOCK_KINDS,
        "clock_states": CLOCK_STATES,
        "queue_sorts": [list(pair) for pair in QUEUE_SORTS],
        # satisfaction ratings (domain/satisfaction.py): what was rated, why one was not asked
        "rating_flows": [[f, RATING_FLOWS[f]] for f in satisfaction_rules.FLOWS],
        "rating_skip_reasons": {r: RATING_SKIP_REASONS[r] for r in satisfaction_rules.SKIP_REASONS},
        # service paths (domain/service_paths.py): the timeline's channels, in its order
        "path_channels": [[c, PATH_CHANNELS[c]] for c in path_rules.CHANNELS],
        **_campaign_labels(),
    }


# The dashboard's charts (看板, service/metrics.py): key, title, kind, and the counters drawn
# (domain/metrics.py METRICS) with their labels. Counters not kept yet are named as missing
# (the page says so) rather than drawn as zeros.
DASHBOARD_CHARTS: tuple[dict[str, Any], ...] = (
    {"key": "messages", "title": "消息量", "kind": "daily",
     "series": (("messages.in", "客户消息"),)},
    {"key": "answered", "title": "机器人与人工回复", "kind": "share",
     "series": (("replies.bot", "机器人"), ("replies.people", "人工"))},
    {"key": "hours", "title": "客户消息按小时", "kind": "hours",
     "series": (("messages.in", "客户消息"),)},
    {"key": "pushes", "title": "通知发送与失败", "kind": "daily",
     "series": (("notices.sent", "模板通知已发"), ("outbox.failed", "发送失败"))},
    {"key": "kb", "title": "知识库命中、候选与未命中", "kind": "daily",
     "series": (("kb.candidates", "给出候选"), ("kb.miss", "未命中"), ("kb.hit", "直接命中"))},
    {"key": "ratings", "title": "满意度评价", "kind": "daily",
     "series": (("ratings.asked", "已邀请"), ("ratings.rated", "已评价"),
                ("ratings.low", "1-2 分"))},
    {"key": "handoffs", "title": "转人工（按小时）与响应、解决时长", "kind": "hours",
     "series": (("handoffs.opened", "转人工"), ("handoffs.first_response", "首次响应"),
                ("handoffs.resolved", "解决"))},
    {"key": "quote", "title": "报价漏斗", "kind": "funnel",
     "series": (("quote.licence", "行驶证照片"), ("quote.fields", "识别完成"),
                ("quote.plans", "展示方案"), ("quote.buy", "要求投保"))},
    {"key": "survey", "title": "自助查勘漏斗", "kind": "funnel",
     "series": (("survey.started", "开始"), ("survey.photos", "五张照片"),
                ("survey.approved", "通过"), ("survey.reshot", "重拍"),
                ("survey.surveyor", "转查勘员"))},
    {"key": "binding", "title": "绑定验证失败与锁定", "kind": "daily",
     "series": (("binding.failed", "验证失败"), ("binding.locks", "锁定"))},
)  # fmt: skip


# Campaigns (群发, domain/campaigns.py): kinds, formats, audiences, statuses, results' words.
CAMPAIGN_KINDS = {"announcement": "服务公告", "safety": "安全提示",
                  "holiday": "节日问候（须带图片）"}
CAMPAIGN_FORMATS = {"text": "文字", "article": "图文（带封面图片）"}
CAMPAIGN_AUDIENCES = {"all_followers": "所有给公众号发过消息的用户", "bound": "已绑定保单的客户",
                      "region": "某地区（车牌归属）的客户", "ending": "保单在某段时间到期的客户"}
CAMPAIGN_STATUSES = {"draft": "草稿", "submitted": "待审批", "approved": "已批准",
                     "rejected": "已驳回", "sending": "发送中", "finished": "已完成"}
CAMPAIGN_RESULTS = {"audience": "对象", "opted_out": "已退订", "capped": "本周已收过群发",
                    "over_budget": "本周推送已满", "wechat_month": "本月微信群发已满 4 条",
                    "too_few": "不足 2 人未发", "failed": "发送失败", "asked": "提交微信",
                    "total": "微信收到", "filter": "过滤后", "sent": "送达", "error": "失败"}


def _campaign_labels() -> dict[str, Any]:
    from chalicelib.domain import campaigns as campaign_rules

    return {
        "campaign_kinds": [[k, CAMPAIGN_KINDS[k]] for k in campaign_rules.KINDS],
        "campaign_formats": [[f, CAMPAIGN_FORMATS[f]] for f in campaign_rules.FORMATS],
        "campaign_audiences": [[a, CAMPAIGN_AUDIENCES[a]] for a in campaign_rules.AUDIENCES],
        "campaign_statuses": {s: CAMPAIGN_STATUSES[s] for s in campaign_rules.STATUSES},
        "campaign_results": CAMPAIGN_RESULTS,
    }  # fmt: skip
