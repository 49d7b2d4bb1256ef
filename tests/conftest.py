"""Shared test setup: every test gets its own KIOSK_HOME, and Kivy never parses pytest's arguments."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("KIVY_NO_ARGS", "1")


@pytest.fixture(autouse=True)
def kiosk_home(tmp_path, monkeypatch):
    """A private, empty kiosk data directory for each test (never /var/lib/kiosk)."""
    home = tmp_path / "home"
    monkeypatch.setenv("KIOSK_HOME", str(home))
    monkeypatch.setenv("KIVY_NO_ARGS", "1")
    return home
