"""Signed tokens for tasks and workers."""
