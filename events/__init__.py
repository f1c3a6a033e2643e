"""Sample events for every function (see generate.py and docs/deploy.md)."""
