"""Staff on WeCom (企业微信): the on-call relay's outbound app messages and inbound replies."""
