"""Fixtures of the jobs API tests."""

from __future__ import annotations

import pytest
from helpers import deploy_sample_project


@pytest.fixture
def project(client):
    return deploy_sample_project(client)
