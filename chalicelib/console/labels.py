"""The console's catalogue: every label and limit the browser shows or enforces, served once at
/console/api/labels so the page copies none of them. Codes come from the domain (flags, re-shoot
reasons, slots, limits); only the staff-facing Chinese words are written here.
"""

from __future__ import annotations

from typing import Any

from chalicelib.console.auth import ROLES
from chalicelib.console.service import MAX_CHAT_CHARS
from chalicelib.dialog.catalogue import SURVEY_SHOT_TITLES
from chalicelib.domain import survey as sv
from chalicelib.domain.authority import FLAG_PHOTOS_MISSING, NEEDS_REASON
from chalicelib.domain.claims import ClaimStatus
from chalicelib.domain.review import (
    MAX_AMOUNT,
    MAX_REASON_CHARS,
    RESHOOT_REASONS,
    REVIEWABLE,
    Action,
)

APP_TITLE = "理赔审核台"

ROLE_LABELS = {"adjuster": "理赔员", "supervisor": "主管", "auditor": "稽核", "agent": "坐席"}

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


def console_labels() -> dict[str, Any]:
    """The catalogue as the page reads it (lists keep their order)."""
    missing = [r for r in RESHOOT_REASONS if r not in RESHOOT_REASON_LABELS]
    if missing:  # a reason added in the domain must get its words here
        raise RuntimeError(f"no console label for re-shoot reason(s): {', '.join(missing)}")
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
        },
        # statuses past review (decided, or later): the claim page says there is nothing to do
        "decided_statuses": [str(s) for s in ClaimStatus if s not in UNDECIDED],
    }
