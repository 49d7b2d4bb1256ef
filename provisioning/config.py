"""The kiosk's one TOML configuration file.

Found, in order: ``--config PATH``; ``$KIOSK_CONFIG``; ``$KIOSK_HOME/kiosk.toml``; the built-in
simulation default (``assets/config/simulation.toml``), so a fresh machine runs with nothing to
configure. Each ``[devices.NAME]`` table names a driver and a port in pyserial's URL syntax, or
``sim`` for the built-in emulator (its settings under ``[devices.NAME.sim]``).
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .home import kiosk_home
from .paths import ASSETS

SIMULATION_CONFIG = ASSETS / "config" / "simulation.toml"
ORIENTATIONS = ("landscape", "portrait")


class ConfigError(ValueError):
    """A configuration problem, naming the file and the key."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        self.source, self.key, self.problem = source, key, problem
        super().__init__(f"{source}: [{key}] {problem}")


@dataclass(frozen=True)
class DeviceConfig:
    name: str
    driver: str
    port: str
    options: dict[str, Any] = field(default_factory=dict)
    sim: dict[str, Any] = field(default_factory=dict)

    @property
    def simulated(self) -> bool:
        return self.port == "sim"


@dataclass(frozen=True)
class KioskSettings:
    orientation: str = "landscape"
    fullscreen: bool = False
    idle_timeout: float = 20.0
    log_level: str = "INFO"
    station: int = 1            # this kiosk's number in the county (00-99), part of application numbers


@dataclass(frozen=True)
class Config:
    source: str
    kiosk: KioskSettings
    devices: dict[str, DeviceConfig]


def config_path(explicit: str | os.PathLike | None = None) -> Path:
    if explicit:
        return Path(explicit)
    if os.environ.get("KIOSK_CONFIG"):
        return Path(os.environ["KIOSK_CONFIG"])
    local = kiosk_home() / "kiosk.toml"
    return local if local.exists() else SIMULATION_CONFIG


def load_config(explicit: str | os.PathLike | None = None) -> Config:
    path = config_path(explicit)
    source = str(path)
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(source, "file", "not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, "file", f"not valid TOML: {exc}") from None
    return parse_config(data, source)


def parse_config(data: dict[str, Any], source: str = "<config>") -> Config:
    kiosk = dict(data.get("kiosk", {}))
    known = {f for f in KioskSettings.__dataclass_fields__}
    unknown = set(kiosk) - known
    if unknown:
        raise ConfigError(source, "kiosk", f"unknown keys: {', '.join(sorted(unknown))}")
    settings = KioskSettings(**kiosk)
    if settings.orientation not in ORIENTATIONS:
        raise ConfigError(source, "kiosk.orientation", f"must be one of {', '.join(ORIENTATIONS)}")
    if not isinstance(settings.idle_timeout, (int, float)) or settings.idle_timeout <= 0:
        raise ConfigError(source, "kiosk.idle_timeout", "must be a positive number of seconds")
    if not isinstance(settings.station, int) or not 0 <= settings.station <= 99:
        raise ConfigError(source, "kiosk.station", "must be a whole number from 0 to 99")
    devices: dict[str, DeviceConfig] = {}
    for name, table in (data.get("devices") or {}).items():
        if not isinstance(table, dict):
            raise ConfigError(source, f"devices.{name}", "must be a table")
        table = dict(table)
        for key in ("driver", "port"):
            if not isinstance(table.get(key), str) or not table[key]:
                raise ConfigError(source, f"devices.{name}.{key}", "is required")
        driver, port = table.pop("driver"), table.pop("port")
        sim = table.pop("sim", {})
        devices[name] = DeviceConfig(name, driver, port, table, sim)
    return Config(source, settings, devices)
