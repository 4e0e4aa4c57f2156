"""The plugin tests' project folder: configured like the project, with step definitions in its conftest.py."""

from __future__ import annotations

import pytest
from bdd_support import STEPS


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A folder configured like the project (strict markers, warnings are errors) with step definitions."""
    pytester.makeini("[pytest]\naddopts = --strict-markers -p no:cacheprovider\nfilterwarnings = error\n")
    pytester.makeconftest(STEPS)
    return pytester
