"""Every customer-facing string, in one place. Chinese; placeholders use str.format."""

from __future__ import annotations

ACCOUNT_NAME = "车险自助服务"

NUMBERED_MENU = (
    "请回复数字选择服务：\n"
    "1 车险报价（拍行驶证）\n"
    "2 自助查勘（单车事故）\n"
    "3 保单查询\n"
    "4 理赔进度\n"
    "0 人工服务\n"
    "也可以点击下方菜单。"
)

WELCOME = (
    "您好，欢迎关注{account}！\n我们可以为您报价、办理单车事故自助查勘、查询保单和理赔进度。\n\n"
    + NUMBERED_MENU
)

WELCOME_BACK = "欢迎回来！\n\n" + NUMBERED_MENU

PRIVACY_NOTICE_TITLE = "个人信息保护告知"
PRIVACY_NOTICE_DESCRIPTION = (
    "为办理报价、查勘和理赔，我们会在您同意后处理必要的个人信息（如姓名、证件号、车辆信息、照片）。"
    "点击查看《个人信息保护政策》。"
)

UNKNOWN_TEXT = "抱歉，我没有理解您的意思。\n\n" + NUMBERED_MENU

HELP = "使用帮助：\n发送“菜单”可随时查看服务列表；发送“取消”可退出当前办理。\n\n" + NUMBERED_MENU

COMING_SOON = "“{service}”功能即将上线，敬请期待。\n如需办理，请拨打客服热线 {hotline}。\n回复“菜单”查看其他服务。"

CANCELLED = "已退出当前办理。\n\n" + NUMBERED_MENU

IMAGE_OUTSIDE_FLOW = (
    "已收到您的图片。如需报价或自助查勘，请先回复 1 或 2 选择服务，再按提示发送照片。"
)

UNSUPPORTED_MESSAGE = "暂时只能处理文字、图片和位置消息。\n\n" + NUMBERED_MENU

LOCATION_OUTSIDE_FLOW = "已收到您的位置。如需办理自助查勘，请回复 2。"

SYSTEM_BUSY = "系统繁忙，请稍后再试。如有急事请拨打客服热线 {hotline}。"

SERVICE_NAMES = {
    "quote": "车险报价",
    "survey": "自助查勘",
    "policy": "保单查询",
    "claim": "理赔进度",
    "human": "人工服务",
}

# --- Binding (绑定) ----------------------------------------------------------------------

HONORIFICS = {"mr": "先生", "ms": "女士", "": "先生/女士"}
DEFAULT_SALUTATION = "尊敬的客户"

BIND_INTRO = "为保护您的信息，查询前需要先验证身份并绑定保单（只需一次）。\n请输入保单号或车牌号（如 粤B12345）："
BIND_BAD_IDENTIFIER = "没有识别出保单号或车牌号，请检查后重新输入（如 PDAA20264401000000001 或 粤B12345），回复“取消”退出。"
BIND_ASK_ID6 = "请输入投保人身份证号码的后 6 位（末位是 X 的请输入 X）："
BIND_BAD_ID6 = "请输入 6 位数字或字母 X，例如 12345X。回复“取消”退出。"
BIND_REFUSED = "信息未能验证通过，请核对后重新输入保单号或车牌号。\n连续多次验证失败将暂停验证 1 小时。如需帮助请拨打客服热线 {hotline}。"
BIND_LOCKED = (
    "验证失败次数过多，为保护您的信息，已暂停验证，请于 {until} 后再试，或拨打客服热线 {hotline}。"
)
BIND_DONE = "{salutation}，绑定成功！以后可直接查询保单和理赔进度。发送“解绑”可解除绑定。"
UNBOUND = "已解除绑定。如需再次查询，请重新验证身份。"
NOT_BOUND = "您还没有绑定保单，无需解绑。"
BIND_UNAVAILABLE = "暂时无法验证身份，请稍后再试或拨打客服热线 {hotline}。"

# --- Policies (保单查询) -----------------------------------------------------------------

POLICIES_HEADER = "{salutation}，您名下的保单（共 {count} 张）："
POLICIES_NONE = "{salutation}，暂未查到您名下的保单。如有疑问请拨打客服热线 {hotline}。"
POLICY_ENTRY = "{index}. {product}\n保单号 {policy_no}\n车牌 {plate} ｜ {status}\n保险期间 {start} 至 {end}{renewal}\n保障：{coverages}\n投保人证件 {id_masked}{phone}"
POLICY_PHONE = " ｜ 预留手机 {phone}"
POLICY_STATUS = {
    "in_force": "有效",
    "not_started": "未生效",
    "expired": "已到期",
    "cancelled": "已退保",
}
RENEWAL_SOON = "\n还有 {days} 天到期，可以开始续保了"
RENEWAL_LATER = "\n距到期还有 {days} 天"
RENEWAL_TODAY = "\n今天到期，请尽快续保"
RENEWAL_EXPIRED = "\n已到期 {days} 天"
COVERAGE_SEPARATOR = "；"
NO_COVERAGES = "无"

# --- Claims (理赔进度) -------------------------------------------------------------------

CLAIMS_HEADER = "{salutation}，您的理赔进度（共 {count} 件）："
CLAIMS_NONE = (
    "{salutation}，暂未查到您名下的赔案。如需报案，请回复 2 办理自助查勘或拨打 {hotline}。"
)
CLAIM_NOT_FOUND = "没有查到赔案 {claim_no}，请核对赔案号。只能查询您本人保单下的赔案。"
CLAIM_ENTRY = "赔案号 {claim_no}\n出险日期 {accident_date} ｜ 车牌 {plate}\n当前：{status}\n{timeline}\n下一步：{next_step}"
CLAIM_STEP_DONE = "✓ {at} {label}{amount}"
CLAIM_STEP_CURRENT = "● {at} {label}{amount}"
CLAIM_AMOUNT = "（{amount}）"
CLAIM_STATUS = {
    "reported": "已报案",
    "survey_received": "已收到查勘照片",
    "under_review": "审核中",
    "approved": "审核通过",
    "surveyor_sent": "已派查勘员",
    "repairing": "维修中",
    "paid": "已赔付",
    "rejected": "未予赔付",
    "withdrawn": "已撤案",
}
CLAIM_NEXT = {
    "reported": "请按提示上传 5 张查勘照片（回复 2），或等待查勘员联系您。",
    "survey_received": "理赔人员将尽快审核您的照片，结果会通过消息通知您。",
    "under_review": "审核通常在 1 个工作日内完成，结果会通过消息通知您。",
    "approved": "请将车辆送修，维修完成后我们将支付赔款。",
    "surveyor_sent": "查勘员将电话联系您，请保持电话畅通。",
    "repairing": "维修完成后我们将支付赔款到您的账户。",
    "paid": "赔款已支付，请留意到账情况。本案已办结。",
    "rejected": "如对结果有疑问，请拨打客服热线 {hotline}。",
    "withdrawn": "本案已撤销。如需重新报案请回复 2。",
}
CLAIMS_MORE = "另有 {count} 件较早的赔案未显示，可直接发送赔案号查询。"

# --- Notifications (模板消息) ------------------------------------------------------------

NOTIFY_FIRST = "您的理赔进度有更新"
NOTIFY_REMARK = "下一步：{next_step}\n回复“理赔进度”可查看详情。"
