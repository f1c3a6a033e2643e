"""The paths of DESIGN.md, composed from dialog, domain and the adapters.

webhook -- one inbound message: verify, claim once, log, decide, enqueue, reply.
worker  -- jobs from SQS (media download, ...).
outbox  -- customer-service and template sends within WeChat's quota.
container -- builds all of it from Settings, once per Lambda container.
"""
