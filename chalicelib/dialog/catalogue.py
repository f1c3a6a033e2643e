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

# --- Quote (车险报价) --------------------------------------------------------------------

QUOTE_ASK_PHOTO = (
    "请拍摄行驶证主页（有“中华人民共和国机动车行驶证”字样的一面），平放、对焦清晰后发送给我。"
)
QUOTE_READING = "收到，正在识别行驶证，请稍候…"
QUOTE_STILL_READING = "正在识别行驶证，请稍候。如需重新拍照，直接发送新照片即可。"
QUOTE_NOT_LICENCE = (
    "这张照片看起来不是行驶证主页。请拍摄有“中华人民共和国机动车行驶证”字样的一面，平放后重新发送。"
)
QUOTE_UNREADABLE = (
    "照片不够清晰，没能读出行驶证信息。请在光线充足处、避免反光，让行驶证占满画面后重新拍摄。"
)
QUOTE_NOT_AN_IMAGE = "没能打开这张图片，请重新拍照发送。"
QUOTE_FIELDS = "识别结果：\n车牌 {plate}\n车辆类型 {vehicle_type}\n使用性质 {use_character}\n品牌型号 {model}\n车架号 {vin}\n发动机号 {engine_no}\n注册日期 {register_date}"
QUOTE_FIELD_MISSING = "未识别"
QUOTE_CONFIRM = "信息无误请回复“确认”。如有错误，可直接发送更正，例如“车牌 粤B12345”或“注册日期 2019-06-01”，也可以重新拍照。"
QUOTE_FIX_FIRST = "请先更正以下问题：\n{problems}\n例如发送“车架号 LSVAM4187C2184847”，或重新拍照。"
QUOTE_PROBLEMS = {
    "vin_check_digit": "车架号校验未通过，可能识别有误，请核对行驶证上的 17 位车辆识别代号",
    "vin_missing": "没有读到车架号（车辆识别代号）",
    "plate_format": "车牌号格式不正确，请核对",
    "plate_missing": "没有读到车牌号",
    "date_invalid": "日期格式不正确，请按 2019-06-01 的格式更正",
}
QUOTE_BAD_CORRECTION = (
    "没有看懂这条更正。请按“字段 值”的格式发送，例如“车牌 粤B12345”，或回复“确认”继续。"
)
QUOTE_ASK_SEATS = "核定载客人数？默认 {default} 人，回复“好”接受，或直接输入人数。"
QUOTE_ASK_PRICE = "新车购置价（元）？{hint}回复“好”接受，或输入金额，例如 150000 或 15万。"
QUOTE_PRICE_DEFAULT = "参考价 {default}，"
QUOTE_PRICE_NEEDED = "请输入新车购置价，例如 150000 或 15万。"
QUOTE_ASK_CLAIMS = "去年出险几次？默认 0 次，回复“好”接受，或输入次数。"
QUOTE_ASK_REGION = "投保地区？默认 {default}（按车牌），回复“好”接受，或输入省份，例如 广东。"
QUOTE_BAD_NUMBER = "请输入一个数字，或回复“好”接受默认值。"
QUOTE_BAD_REGION = "没有识别出这个省份，请输入例如 广东、北京，或回复“好”接受默认值。"
QUOTE_HEADER = (
    "报价单 {quote_no}\n车牌 {plate} ｜ 车辆实际价值 {actual_value}\n有效期至 {valid_until}"
)
QUOTE_PLAN = "【{name}】合计 {total}\n{items}"
QUOTE_ITEM = "· {name} {premium}{detail}"
QUOTE_COMPULSORY_DETAIL = "（基础保费 {base}，浮动 {rate}）"
QUOTE_DAMAGE_DETAIL = "（保额 {sum_insured}）"
QUOTE_SEATS_DETAIL = "（每座 {per_seat} × {seats}座）"
QUOTE_FOOTER = "以上为参考报价，最终保费以核保为准。如需投保，请回复 0 联系人工服务。"
QUOTE_FAILED = "暂时无法为这辆车报价：{reason}。请回复 0 联系人工服务。"
CONFIRM_WORDS = ("确认", "确定", "是", "对", "好", "好的", "ok", "没问题", "无误", "正确")
