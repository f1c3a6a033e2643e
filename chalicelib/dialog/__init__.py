"""The conversation: pure functions from (InboundMessage, SessionState) to an Outcome."""
