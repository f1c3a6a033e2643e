"""Adapter to WeChat: verify, decrypt and parse inbound; render replies; call the API."""
