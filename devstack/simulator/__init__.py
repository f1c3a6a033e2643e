"""Local chat simulator: plays WeChat's servers and a user's phone for the bot."""

from devstack.simulator.client import (
    Delivery,
    PassiveReply,
    ReplyError,
    ReplySignatureError,
    SimulatorError,
    WebhookError,
    WeChatSimulatorClient,
    current_menu,
    pushed_messages,
    render_pushed,
    render_reply,
    upload_image,
)

__all__ = [
    "Delivery",
    "PassiveReply",
    "ReplyError",
    "ReplySignatureError",
    "SimulatorError",
    "WeChatSimulatorClient",
    "WebhookError",
    "current_menu",
    "pushed_messages",
    "render_pushed",
    "render_reply",
    "upload_image",
]
