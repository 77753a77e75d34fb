"""Tests of jobs through the REST API, one module a concern.

A package, so that its conftest does not clash with the top-level one.
"""
