"""Adapter to S3: private, encrypted photo storage."""
