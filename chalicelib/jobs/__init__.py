"""Adapter to SQS: publish jobs and outbox messages; the shape of their bodies."""
