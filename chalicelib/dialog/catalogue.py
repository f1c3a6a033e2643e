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

# --- Ordinary words: a friendly line, then the menu ---------------------------------------------

SMALL_GREETING = "您好！我是车险自助服务助手，报价、报案、查保单和理赔进度都可以在这里办。"
SMALL_THANKS = "不客气，很高兴能帮到您！还有其他问题可以直接问我。"
SMALL_ACK = "好的。还需要办理什么，可以直接告诉我。"
SMALL_BYE = "感谢您的使用，祝您出行平安！有需要随时找我。"
SMALL_EMOJI = "😊 收到。还需要办理什么，可以直接告诉我。"
NOT_ON_MENU = "菜单里没有这个选项。"
NOTHING_TO_CANCEL = "您当前没有正在办理的业务。\n\n" + NUMBERED_MENU
SELF_SERVICE = "自助服务"
FLOW_NAMES = {"quote": "车险报价", "survey": "自助查勘", "bind": "身份验证", "erase": "删除个人信息",
              "renewal": "续保报价"}
FLOW_STILL_OPEN = "（{flow}还没办完：接着回复上面的问题即可继续，回复“取消”退出。）"
FLOW_LEFT = "已退出{flow}（没有提交）。"

# --- Someone may be hurt: always the first line ----------------------------------------------------

EMERGENCY_FIRST = "⚠️ 如有人受伤，请立即拨打 120；需要交警处理请拨打 122；理赔报案电话 {hotline}（24小时）。"
EMERGENCY_ADVICE = (
    "请先确保人员安全：开启危险报警闪光灯，在车后方放置三角警示牌，人员撤离到护栏外等安全地带。\n"
    "有人受伤的事故不能在线自助办理，请拨打上面的理赔报案电话；需要在这里联系人工请回复 0。"
)

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
BIND_BAD_IDENTIFIER = "没有识别出保单号或车牌号，请检查后重新输入（如 PDAA2026440100000001 或 粤B12345），回复“取消”退出。"
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
ERASE_CONFIRM = (
    "确认要删除您的个人信息吗？将删除：微信与保单的绑定、与我们的日常聊天记录及其中的图片、"
    "尚未发出的消息。\n保单和理赔资料依《保险法》须保存至合同终止后至少五年，与理赔、投保有关的"
    "聊天记录也依法保存至期满，不会删除；删除后查询保单或理赔进度需重新验证身份。\n"
    "回复“确认删除”继续；回复其他内容则不删除。"
)
ERASED = (
    "已删除您的绑定关系、日常聊天记录及图片和待发消息。保单、理赔资料及与之有关的聊天记录"
    "依法保存，期满后删除。如需帮助请拨打 {hotline}。"
)
ERASE_KEPT = "好的，没有删除您的任何信息。回复“菜单”查看自助服务。"
ERASE_TICKET = (
    "\n其他系统中的副本由工作人员在 {days} 天内核实处理，受理编号 {ticket_no}；"
    "因法律要求须保留的资料，我们会在处理结果中说明原因。"
)
ERASE_REQUEST_SUMMARY = "删除我的信息（已删除绑定、日常聊天记录及图片、待发消息）"
MY_DATA_HEADER = "我们为您保存的信息（已遮盖）："
MY_DATA_UNBOUND = "· 微信尚未绑定保单：我们只保存您与本公众号的聊天记录。"
MY_DATA_CUSTOMER = "· 绑定的保单持有人：{salutation}"
MY_DATA_POLICY = "· 保单 {policy_no}：{product}，车牌 {plate}，{start} 至 {end}"
MY_DATA_CLAIM = "· 赔案 {claim_no}：{status}"
MY_DATA_KEPT = (
    "· 聊天记录保存 {chat_days} 天；保单和理赔资料依《保险法》保存至合同终止后至少五年。\n"
    "如需更正，回复“更正我的信息”；如需删除，回复“删除我的信息”。"
)
CORRECT_ASK = "请说明需要更正的信息及正确内容（例如：手机号已更换为……）。回复“取消”退出。"
CORRECT_RECEIVED = (
    "已收到您的更正申请，受理编号 {ticket_no}。工作人员将在 {days} 天内核实处理并回复您；"
    "如需帮助请拨打 {hotline}。"
)
# Staff closed a customer's request about their information (console): one per outcome; a
# refusal or a partial outcome gives the reason (PIPL Art. 50).
DATA_REQUEST_WORDS = {"correct": "更正个人信息", "erase": "删除个人信息"}
DATA_REQUEST_ANY = "个人信息"
DATA_REQUEST_DONE = (
    "您的{request}申请（受理编号 {ticket_no}）已处理完成。如有疑问请拨打 {hotline}。"
)
DATA_REQUEST_REFUSED = (
    "您的{request}申请（受理编号 {ticket_no}）经核实未能办理，原因：{reason}。"
    "如有异议，请拨打 {hotline}，也可以依法向个人信息保护监管部门投诉。"
)
DATA_REQUEST_PARTLY = (
    "您的{request}申请（受理编号 {ticket_no}）已部分办理；未能办理的部分及原因：{reason}。"
    "如有异议，请拨打 {hotline}，也可以依法向个人信息保护监管部门投诉。"
)
BIND_FULL_ID_NEEDED = (
    "为保护您的保单，这张保单近期有多次验证未通过，需要加强验证。"
    "请发送投保人完整的身份证号码（18 位，末位是 X 的请输入 X）。号码只用于核对，不会保存。"
)
BIND_BAD_FULL_ID = "请发送 18 位的身份证号码（末位可能是 X），例如 11010519491231002X。回复“取消”退出。"
BIND_BUSY = (
    "当前验证请求较多，为保护客户信息，按身份证后 6 位的验证暂停 1 分钟，请稍后再试；"
    "也可以直接发送投保人完整的身份证号码（18 位）完成验证。急事请拨打 {hotline}。"
)

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
    "photos_requested": "需要补拍照片",
    "approved": "审核通过",
    "surveyor_sent": "已派查勘员",
    "repairing": "维修中",
    "paid": "已赔付",
    "rejected": "未予赔付",
    "withdrawn": "已撤案",
}
CLAIM_NEXT = {
    "reported": "已开始自助查勘的，回复“继续查勘”接着上传照片；也可以等待查勘员联系您。",
    "survey_received": "理赔人员将尽快审核您的照片，结果会通过消息通知您。",
    "under_review": "审核通常在 1 个工作日内完成，结果会通过消息通知您。",
    "photos_requested": "请按提示补拍照片：回复“继续查勘”，再直接发送照片。",
    "approved": "请将车辆送修，维修完成后我们将支付赔款。",
    "surveyor_sent": "查勘员将电话联系您，请保持电话畅通。",
    "repairing": "维修完成后我们将支付赔款到您的账户。",
    "paid": "赔款已支付，请留意到账情况。本案已办结。",
    "rejected": "如对结果有疑问，请拨打客服热线 {hotline}。",
    "withdrawn": "本案已撤销。如需重新报案请回复 2。",
}
CLAIMS_MORE = "另有 {count} 件较早的赔案未显示，可直接发送赔案号查询。"

# --- Notifications (模板消息) ------------------------------------------------------------

# The claim notice is a category template (domain/claim_notice.py): each field is typed and
# short, so its words are kept short here. A `phrase` is at most five Chinese characters; a
# `thing` at most 20 characters.
CLAIM_STATUS_PHRASE = {
    "reported": "已报案",
    "survey_received": "照片已收到",
    "under_review": "审核中",
    "photos_requested": "需补拍照片",
    "approved": "审核通过",
    "surveyor_sent": "已派查勘员",
    "repairing": "维修中",
    "paid": "已赔付",
    "rejected": "未予赔付",
    "withdrawn": "已撤案",
}
CLAIM_NEXT_SHORT = {
    "reported": "回复继续查勘上传照片，或等查勘员联系",
    "survey_received": "我们将尽快审核您的照片",
    "under_review": "通常1个工作日内出结果",
    "photos_requested": "回复继续查勘补拍照片",
    "approved": "请送修，修好后支付赔款",
    "surveyor_sent": "查勘员将电话联系您",
    "repairing": "维修完成后支付赔款",
    "paid": "赔款已支付，请留意到账",
    "rejected": "对结果有疑问请致电客服",
    "withdrawn": "如需重新报案请回复2",
}

# --- Quote (车险报价) --------------------------------------------------------------------

QUOTE_ASK_PHOTO = (
    "请拍摄行驶证主页（有“中华人民共和国机动车行驶证”字样的一面），平放、对焦清晰后发送给我。"
    "不想报价了回复“取消”。"
)
QUOTE_READING = "收到，正在识别行驶证，请稍候…"
QUOTE_STILL_READING = "正在识别行驶证，请稍候。如需重新拍照，直接发送新照片即可。"
QUOTE_NOT_LICENCE = (
    "这张照片看起来不是行驶证主页。请拍摄有“中华人民共和国机动车行驶证”字样的一面，平放后重新发送。"
)
QUOTE_BLURRED = "照片不够清晰（有些模糊），没能读出行驶证信息。请拿稳手机、对焦后再拍，让行驶证占满画面后重新发送。"
QUOTE_BLURRED_HINT = "照片有些模糊，下面的识别结果可能有误，建议对焦后重新拍照。"
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
QUOTE_ASK_PRICE_NO_DEFAULT = "新车购置价（元）？请输入金额，例如 150000 或 15万（可看购车发票）。"
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
QUOTE_REFUSALS = {
    "use_character": "抱歉，在线报价目前只适用于非营运车辆（如家庭自用、企业非营运）。营运车辆请回复 0 联系人工客服，或拨打 {hotline} 咨询报价。",
    "truck": "抱歉，货车暂时不能在线报价，请回复 0 联系人工客服，或拨打 {hotline} 咨询。",
    "seats": "抱歉，这个座位数的车辆暂时不能在线报价，请回复 0 联系人工客服，或拨打 {hotline} 咨询。",
    "register_date": "注册日期不能晚于今天，请核对行驶证上的注册日期，发送如“注册日期 2019-06-01”更正，或重新拍照。",
    "region": "没有识别出投保地区，请回复 0 联系人工客服，或拨打 {hotline} 咨询报价。",
    "no_tariff": "抱歉，这个地区暂时不能在线报价，请回复 0 联系人工客服，或拨打 {hotline} 咨询。",
    "other": "抱歉，暂时无法为这辆车在线报价，请回复 0 联系人工客服，或拨打 {hotline} 咨询。",
}
CONFIRM_WORDS = ("确认", "确定", "是", "是的", "对", "对的", "没错", "好", "好的", "行", "可以", "ok",
                 "没问题", "无误", "正确", "嗯", "嗯嗯", "确认无误")  # fmt: skip

# --- Self-survey (自助查勘) ----------------------------------------------------------------

SURVEY_INTRO = (
    "自助查勘适用于没有人员受伤、只涉及本车的事故：拍5张照片发给我们，理赔人员即可在线审核，"
    "无需等待查勘员到场。\n为了您的安全，先请回答3个问题（回复“是”或“否”）。"
)
SURVEY_QUESTIONS = {
    "injured": "1/3 事故中有人受伤吗？（是/否）",
    "other_party": "2/3 事故是否涉及其他车辆、行人或他人财物（如护栏以外的他人财产）？（是/否）",
    "safe_and_drivable": "3/3 您的车辆能否正常行驶，并且已经停在安全的地方？（是/否）",
}
SURVEY_YES_NO = "请回复“是”或“否”。"
SURVEY_NOT_SELF_SERVICE = (
    EMERGENCY_FIRST + "\n"
    "这种情况不适合自助查勘，请拨打理赔报案电话，工作人员会协助您；也可以回复 0 联系人工。\n"
    "请开启危险报警闪光灯，在车后方放置三角警示牌，人员撤离到安全地带。"
)
SURVEY_PICK_POLICY = "请选择出险车辆，回复序号：\n{choices}"
SURVEY_POLICY_CHOICE = "{n} {plate}（{product}）"
SURVEY_NO_ACTIVE_POLICY = (
    "您绑定的保单中没有正在保障期内的车辆，无法在线报案。如有疑问请拨打 {hotline}。"
)
SURVEY_BAD_CHOICE = "请回复列表中的序号。"
SURVEY_ASK_TIME = (
    "请告诉我们出险时间，例如：“刚刚”、“半小时前”、“今天14:30”、“昨天下午3点”。"
)
SURVEY_BAD_TIME = "没有看懂这个时间，请换一种写法，例如“今天14:30”或“昨天下午3点”。"
SURVEY_NEED_HOUR = "请再告诉我们大概几点，例如“昨天晚上8点”或“今天14:30”。"
SURVEY_FUTURE_TIME = "这个时间还没到呢。请告诉我们事故已经发生的时间，例如“半小时前”或“今天14:30”。"
SURVEY_TOO_LATE = (
    "出险已超过48小时，不能在线自助查勘了。请拨打理赔电话 {hotline}，工作人员会为您办理报案。"
)
SURVEY_TIME_NOTED = "好的，出险时间改为 {when}。"
SURVEY_SUMMARY = (
    "请核对报案信息：\n"
    "车辆：{plate}\n"
    "出险时间：{when}\n"
    "出险地点：{place}\n"
    "事故经过：{description}\n\n"
    "无误请回复“确认”报案；需要修改请回复“修改时间”“修改地点”或“修改经过”。"
)
SURVEY_CONFIRM_HOW = "请回复“确认”报案，或回复“修改时间”“修改地点”“修改经过”进行修改。"
SURVEY_PLACE_SENT = "已发送的位置"
SURVEY_OUTSIDE_POLICY = (
    "出险时间不在这张保单的保险期间内（{start} 至 {end}），请核对时间；如有疑问请拨打 {hotline}。"
)
SURVEY_ASK_PLACE = (
    "请发送出险地点：点击输入框旁的“+”选择“位置”发送，或直接输入地址（如：广州市天河区天河路100号附近）。"
)
SURVEY_BAD_PLACE = "请发送位置，或输入较完整的地址（至少4个字）。"
SURVEY_ASK_DESCRIPTION = (
    "请简单描述事故经过，例如：“倒车时车尾撞到停车场柱子，后保险杠凹陷”。"
)
SURVEY_BAD_DESCRIPTION = "请用几句话描述事故经过（4到200个字）。"
SURVEY_OPENED = (
    "报案成功！报案号：{claim_no}\n"
    "接下来请依次拍摄5张照片（光线充足、对焦清晰、不要截图），可以一张一张发，也可以一次选好5张按顺序发送：\n"
    "{shots}\n"
    "下面是第1张的拍摄示例。中途离开也没关系，72小时内回复“继续查勘”即可接着拍。\n"
    "照片如带有拍摄位置，我们只用它核对是否在出险地点拍摄（只记录与您发送的出险位置相距多远）。"
)
SURVEY_SHOT_TITLES = {
    1: "车头45°",
    2: "车尾45°",
    3: "受损部位全景",
    4: "受损部位近景",
    5: "车架号（VIN）",
}
SURVEY_SHOT_HINTS = {
    1: "站在车头斜前方约3米处，拍下整个车头和侧面，车牌要清晰可读。",
    2: "站在车尾斜后方约3米处，拍下整个车尾和侧面，车牌要清晰可读。",
    3: "后退几步，拍下受损部位及其所在的整个区域，能看出是车的哪个位置。",
    4: "靠近受损部位拍特写，划痕、凹陷要清楚。",
    5: "拍摄前挡风玻璃左下角或车门框铭牌上的车架号，17位字符要完整清晰。",
}
SURVEY_SHOT_LINE = "{n} {title}"
SURVEY_SHOT_CARD_TITLE = "第{n}张：{title}"
SURVEY_REASONS = {
    "too_small": "照片太小或分辨率太低",
    "blurred": "照片模糊，请拿稳手机、对焦后再拍",
    "too_dark": "照片太暗，请到光线充足处或打开闪光灯",
    "too_bright": "照片曝光过度，请避开强光直射",
    "not_a_photo": "这张像是截图或转发的图片，请用相机现场拍摄",
    "unreadable": "图片无法打开，请重新拍摄发送",
    "duplicate": "和之前的照片重复了",
    "vin_unreadable": "车架号没有拍清楚，请靠近拍摄，17位字符要完整",
}
SURVEY_PROGRESS = "已收到 {done}/5，下一张：第{n}张 {title}"
SURVEY_PROGRESS_ACCEPTED = "第{n}张 {title} ✅"
SURVEY_PROGRESS_RESHOOT = "第{n}张 {title} 需要重拍：{reason}"
SURVEY_PROGRESS_SURPLUS = "多出的{count}张照片已保存，无需再发。"
SURVEY_DONE = (
    "5张照片已全部收到 ✅ 感谢您的配合！\n报案号：{claim_no}\n"
    "理赔人员会尽快在线审核（工作时间一般2小时内），审核结果会通过本公众号通知您，"
    "如需补拍我们会告诉您具体哪一张。\n"
    "回复“理赔进度”可随时查看。"
)
SURVEY_WAITING_PHOTO = "请发送照片。当前需要：第{n}张 {title}。{hint}\n回复“取消”可退出（已收到的照片会保留）。"
SURVEY_PHOTOS_ALREADY_DONE = "这个报案的5张照片已经收齐，正在审核中，无需再发送。"
SURVEY_RESUMED = "继续查勘：已收到 {done}/5，请拍第{n}张 {title}"
SURVEY_CLAIM_LINE = "报案号 {claim_no}"
SURVEY_NOTHING_TO_RESUME = "您没有需要继续的查勘。如需报案请回复 2。"
SURVEY_EXPIRED = (
    "报案 {claim_no} 的自助查勘已超过72小时未完成，已转由工作人员跟进，"
    "请留意来电，或拨打理赔电话 {hotline}。"
)
SURVEY_OPEN_ELSEWHERE = (
    "您有一个未完成的查勘（报案号 {claim_no}，已收到 {done}/5）。回复“继续查勘”接着拍照；"
    "如果是新的事故，请回复“新报案”。"
)
SURVEY_REMINDER = (
    "您的报案 {claim_no} 还差 {missing} 张照片（已收到 {done}/5）。"
    "回复“继续查勘”即可接着拍，{hours}小时内有效。"
)
SURVEY_LEFT = "已暂停查勘，已收到的照片都会保留。72小时内回复“继续查勘”即可接着拍。\n\n" + NUMBERED_MENU

# --- Adjusters' decisions, as the customer hears them ---------------------------------------

RESHOOT_REASON_WORDS = {
    "blurred": SURVEY_REASONS["blurred"],
    "too_dark": SURVEY_REASONS["too_dark"],
    "too_bright": SURVEY_REASONS["too_bright"],
    "not_a_photo": SURVEY_REASONS["not_a_photo"],
    "vin_unreadable": SURVEY_REASONS["vin_unreadable"],
    "wrong_subject": "拍摄的内容和要求不一致，请参照示例图拍摄",
    "plate_unreadable": "车牌看不清，请让车牌完整、清晰地出现在画面中",
    "incomplete": "没有拍全，请后退几步把要求的部位完整拍进画面",
    "missing": "还没有收到这张照片，请拍摄后发送",  # review.MISSING: listed with the others
}
RESHOOT_ASKED = (
    "理赔人员审核了您的报案 {claim_no}，还需要补拍以下照片：\n{items}\n"
    "请直接按顺序发送补拍的照片；如已退出查勘，请先回复“继续查勘”。"
)
RESHOOT_ITEM = "第{n}张 {title}：{reason}"
CLAIM_RESHOOTS = "需要补拍：\n{items}"

# --- People behind the bot (人工服务) ------------------------------------------------------

HANDOFF_TRANSFER_LATE = "正在为您接通人工客服，请直接发送您要咨询的问题，客服会在这里回复您。"
NEXT_WORKING_MORNING = "下一个工作日上午"
CALLBACK_FROM = "{when}起"
HANDOFF_IN_HOURS = (
    "已为您转接人工客服，请稍候，客服会在这里回复您。您可以直接发文字或图片说明情况。\n"
    "回复“结束人工”可回到自助服务。"
)
HANDOFF_AFTER_HOURS = (
    "现在是非工作时间（人工客服工作时间：工作日 {hours}）。\n"
    "已把您的问题转给今天的值班同事，他会尽快在这里回复您；如果暂时没能回复，"
    "我们会在 {next_open} 后尽快与您联系。\n"
    "您可以直接发文字或图片说明情况。回复“结束人工”可回到自助服务。\n"
    "如遇紧急情况（有人受伤等），请拨打 120 / 122，理赔报案电话 {hotline}（24小时）。"
)
HANDOFF_NEVER_OPEN = (
    "已把您的问题转给值班同事，他会尽快在这里回复您。回复“结束人工”可回到自助服务。\n"
    "紧急情况请拨打 {hotline}（24小时）。"
)
HANDOFF_ALREADY = "已在为您联系人工客服，请直接发送您的问题。回复“结束人工”可回到自助服务。"
HANDOFF_STILL_OPEN = "（您仍在人工服务中：直接发消息即可继续和客服沟通；回复“结束人工”结束。）"
HANDOFF_LEFT = "已结束本次人工服务，为您办理“{service}”。需要时回复“人工”可再次联系客服。"
HANDOFF_ENDED_BY_CUSTOMER = "已结束人工服务。\n\n" + NUMBERED_MENU
HANDOFF_ENDED_BY_STAFF = "本次人工服务已结束，感谢您的耐心。如还有问题，回复“人工”即可再次联系我们。"
HANDOFF_STAFF_SAYS = "【人工客服 {name}】{text}"
HANDOFF_LATE_STAFF_SAYS = "【人工客服 {name}】（回复您 {at} 的人工咨询）{text}"
HANDOFF_KF_QUEUE = "您前面还有 {waiting} 位客户在排队，预计等待约 {minutes} 分钟，请耐心等候，客服接入后会在这里回复您。"
HANDOFF_KF_NEXT = "客服马上为您服务，请直接发送您要咨询的问题。"
HANDOFF_CALLBACK_PROMISE = (
    "抱歉，值班同事暂时没能及时回复您。我们已登记回访（编号 {ticket_no}），"
    "会在{when}与您联系。紧急情况请拨打 {hotline}。"
)
HANDOFF_NOBODY_ON_CALL = HANDOFF_CALLBACK_PROMISE

# --- Questions (知识库) -------------------------------------------------------------------

KB_CANDIDATES = "您想问的是不是：\n{choices}\n请回复序号；都不是的话，换个说法问我，或回复“人工”。"
KB_CANDIDATE_LINE = "{n} {question}"
KB_ALSO_ASKED = "您还问到：\n{choices}\n回复序号查看。"
KB_NOTHING = "抱歉，这个问题我暂时回答不了。换个说法试试，或回复“人工”联系客服。"
KB_OFFER_PERSON = (
    "抱歉，还是没能帮到您。\n回复 0 转人工客服；也可以换个说法再问我，或回复“菜单”查看自助服务。"
    "急事请拨打 {hotline}。"
)
KB_ANSWER_FOOTER = "\n\n还有其他问题可以直接问我，回复“菜单”查看服务。"

# --- Satisfaction (满意度: dialog/satisfaction.py) ------------------------------------------

RATING_ASK_CHAT = (
    "请为刚才的人工服务打个分：回复数字 1–5（5 分最满意，1 分最不满意），"
    "也可以在分数后写下您的意见，如“5 服务很耐心”。需要其他服务请回复“菜单”。"
)
RATING_ASK_CLAIM = (
    "您的赔案 {claim_no} 已赔付办结。请为本次理赔服务打个分：回复数字 1–5（5 分最满意，"
    "1 分最不满意），也可以在分数后写下您的意见。需要其他服务请回复“菜单”。"
)
RATING_THANKS = "感谢您的评价！如有意见或建议，可以直接回复留言。"
RATING_THANKS_WITH_COMMENT = "感谢您的评价和宝贵意见，我们会继续努力！"
RATING_LOW = (
    "非常抱歉没能让您满意，感谢您告诉我们。回复 0 转人工客服，我们会尽快为您处理；"
    "也可以直接回复您的意见。"
)
RATING_LOW_WITH_COMMENT = (
    "非常抱歉没能让您满意，您的意见我们已经记下。回复 0 转人工客服，我们会尽快为您处理。"
)
RATING_COMMENT_THANKS = "您的意见已记下，谢谢！还需要其他服务，回复“菜单”查看。"

# --- Complaints (投诉: dialog/complaint.py) ------------------------------------------------

COMPLAINT_RECEIVED = (
    "非常抱歉给您带来不好的体验。您反映的问题我们非常重视，已登记为投诉优先处理（编号 {ticket_no}），"
    "主管会尽快与您电话联系。"
)
COMPLAINT_ASK_PHONE = (
    "请回复一个方便接听的手机号（11位），主管用它给您回电。不便留号码请回复“不用”。"
)
COMPLAINT_ASK_PHONE_POLICY = (
    "请回复一个方便接听的手机号（11位），主管用它给您回电。您保单上预留的号码是 {masked}，"
    "用这个号码也请完整输入一遍。不便留号码请回复“不用”。"
)
COMPLAINT_PHONE_AGAIN = "没有识别到手机号。请回复11位手机号，例如 13800138000；不便留号码请回复“不用”。"
COMPLAINT_PHONE_KEPT = (
    "已记下回访电话 {masked}，主管会尽快用这个号码与您联系（编号 {ticket_no}）。"
    "您也可以拨打客服热线 {hotline}，报上编号查询处理进度。"
)
COMPLAINT_NO_PHONE = (
    "好的，不留号码也可以。您的投诉已登记（编号 {ticket_no}），主管会跟进处理。\n"
    "没有您的电话，我们无法主动回电，您可以：\n"
    "· 拨打客服热线 {hotline}，报上编号了解处理进度；\n"
    "· 如对处理结果不满意，可拨打金融监管部门的消费者投诉热线 12378。"
)

# --- Claim clocks: the written refusal (拒赔通知书, Insurance Law Art. 24) --------------------

# The full notice with the adjuster's reasons, as a customer-service message (console/service.py
# `_send_refusal`); the template notice's short field points to it.
REFUSAL_NOTICE = (
    "【拒赔通知书】\n"
    "您的赔案 {claim_no} 经审核，我们于 {date} 作出不予赔付的决定，理由如下：\n"
    "{reason}\n"
    "如对决定有异议，可拨打客服热线 {hotline} 申请复核，复核由理赔人员办理；"
    "也可以向金融监管部门的消费者投诉热线 12378 反映。"
)
# The claim notice's next step (a `thing`, at most 20 characters) for a claim rejected here:
# the reasons are in REFUSAL_NOTICE, which waits for the customer's next message when their
# 48 h window is closed.
CLAIM_NEXT_SHORT_REFUSAL = "理由已发消息，未收到请回复任意字"
# A resting survey's reminder names every shot still missing (Insurance Law Art. 22: once, all).
SURVEY_REMINDER_MISSING = "还差的照片：{shots}"

# --- Renewal (续保): reminders and a quote from the bound policy (dialog/renewal.py) -----------

# The renewal notice's next step (a `thing`, at most 20 characters).
RENEWAL_NEXT_STEP = "回复“续保”获取续保报价"
RENEWAL_NONE = (
    "没有找到可以续保的保单（已注销或到期超过90天的保单不能在这里续保）。"
    "如需为车辆报价，请回复“报价”并拍摄行驶证；也可以拨打客服热线 {hotline}。"
)
RENEWAL_PICK = "您名下有几辆车的保单可以续保，请回复序号选择：\n{choices}"
RENEWAL_CHOICE = "{n} {plate}（{model}，{end} 到期）"
RENEWAL_BAD_PICK = "请回复上面列出的序号（如 1），回复“取消”退出。"
RENEWAL_FOUND = (
    "为您准备续保报价（不用再拍行驶证）：\n"
    "车牌：{plate}\n品牌型号：{model}\n保单 {policy_no} 于 {end} 到期。\n\n"
    "请回复车辆的注册日期（行驶证上的“注册日期”），例如 2019-06-01："
)
RENEWAL_BAD_DATE = "没有识别出日期，请按 2019-06-01 的格式回复车辆注册日期，回复“取消”退出。"
RENEWAL_REMINDERS_OFF = (
    "好的，以后不再给您发送续保提醒。保单和理赔的服务通知不受影响。"
    "想恢复时回复“恢复续保提醒”。"
)
RENEWAL_REMINDERS_ON = "已恢复续保提醒：保单到期前30天和7天会各提醒您一次。"
RENEWAL_REMINDERS_NOT_BOUND = "您还没有绑定保单，不会收到续保提醒。"

# --- 退订 / 订阅: campaigns (群发) off or on (dialog/subscription.py) ----------------------------

CAMPAIGNS_OFF = (
    "已为您退订，以后不再给您推送活动和群发消息。\n"
    "您的理赔进度、保单等服务通知会照常发送，不受影响"
    "（续保提醒也照常发送，不需要时可回复“不再提醒续保”）。\n"
    "想重新接收时回复“订阅”。"
)
CAMPAIGNS_ON = "已为您恢复接收活动和群发消息。想停止时随时回复“退订”。"
CAMPAIGNS_UNAVAILABLE = "暂时无法办理退订，请稍后再试，或拨打客服热线 {hotline}。"
