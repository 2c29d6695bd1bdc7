"""Browsers the organiser's tools are tested in: a desktop in Chinese, one per person using the tools."""
from __future__ import annotations

import pytest


def _desktop(chromium):
    _p, browser = chromium
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    yield context
    context.close()


@pytest.fixture
def desk(chromium):
    """An organiser's desktop browser in Chinese."""
    yield from _desktop(chromium)


@pytest.fixture
def bench(chromium):
    """The chief judge's own desktop browser (a second person beside the organiser)."""
    yield from _desktop(chromium)
