"""Deployment: the merged SAM template (package.py), local invocation (invoke.py), IAM checks."""
