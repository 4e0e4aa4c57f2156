"""Shared test configuration: pytester for the plugin tests, asyncio for every `@pytest.mark.anyio` test."""

import pytest

pytest_plugins = ["pytester"]


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio (the stack's loop)."""
    return "asyncio"
