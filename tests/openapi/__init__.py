"""Tests of the OpenAPI document against the app, one module a concern.

A package, so that its conftest does not clash with the top-level one.
"""
