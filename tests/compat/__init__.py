"""Tests of the Airflow compatibility layer.

A package, so that its conftest does not clash with the top-level one.
"""
