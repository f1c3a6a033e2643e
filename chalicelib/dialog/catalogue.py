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
