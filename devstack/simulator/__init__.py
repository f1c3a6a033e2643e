"""Local chat simulator: plays WeChat's servers and a user's phone for the bot."""

from devstack.simulator.client import (
    MAX_PHOTOS,
    Delivery,
    PassiveReply,
    ReplyError,
    ReplySignatureError,
    SimulatorError,
    WebhookError,
    WeChatSimulatorClient,
    current_menu,
    private_templates,
    pushed_messages,
    render_pushed,
    render_reply,
    template_card,
    upload_image,
    upload_images,
)

__all__ = [
    "MAX_PHOTOS",
    "Delivery",
    "PassiveReply",
    "ReplyError",
    "ReplySignatureError",
    "SimulatorError",
    "WeChatSimulatorClient",
    "WebhookError",
    "current_menu",
    "private_templates",
    "pushed_messages",
    "render_pushed",
    "render_reply",
    "template_card",
    "upload_image",
    "upload_images",
]
