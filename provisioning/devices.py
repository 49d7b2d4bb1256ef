"""Every configured device, built and ready to open: what the app (and later self-test) starts from."""
from __future__ import annotations

from pathlib import Path

from drivers.registry import Built, build

from .config import Config
from .paths import ASSETS


def build_devices(config: Config, run_dir: Path) -> dict[str, Built]:
    """Build each ``[devices.NAME]``; if one fails, those already built (and their emulators) are
    closed before the error propagates."""
    devices: dict[str, Built] = {}
    try:
        for name, dev in config.devices.items():
            devices[name] = build(name, dev.driver, dev.port, dev.options, dev.sim,
                                  assets=ASSETS, run_dir=run_dir)
    except BaseException:
        for built in devices.values():
            built.close()
        raise
    return devices
