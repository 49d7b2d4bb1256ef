"""From a device's configuration to a running driver.

Each driver is named in configuration (``driver = "gat467"``); a port of ``sim`` starts that
driver's emulator in-process and points the driver at it, so simulation exercises the same
protocol code as the field.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .base.device import Device


class UnknownDriver(ValueError):
    pass


@dataclass
class Driver:
    device_class: str
    make: Callable[..., Device]
    simulator: Callable[[dict[str, Any], Path, Path, str], Any] | None = None


def _gat467() -> Driver:
    from .idcard.reader import IdCardReader
    from .idcard.sim import SimulatedReader
    return Driver("idcard", IdCardReader, SimulatedReader)


DRIVERS: dict[str, Callable[[], Driver]] = {"gat467": _gat467}


@dataclass
class Built:
    device: Device
    simulator: Any = None

    def close(self) -> None:
        self.device.close()
        if self.simulator is not None:
            self.simulator.stop()


def build(name: str, driver: str, port: str, options: dict[str, Any], sim: dict[str, Any],
          *, assets: Path, run_dir: Path) -> Built:
    """Create (not open) the device; start its emulator first when ``port`` is ``sim``."""
    if driver not in DRIVERS:
        raise UnknownDriver(f"devices.{name}: unknown driver {driver!r}; known: {', '.join(DRIVERS)}")
    spec = DRIVERS[driver]()
    accepted = set(inspect.signature(spec.make).parameters) - {"name", "url", "kwargs"}
    accepted |= {"reconnect_min", "reconnect_max"}
    unknown = set(options) - accepted
    if unknown:
        raise UnknownDriver(f"devices.{name}: unknown options {', '.join(sorted(unknown))} "
                            f"for driver {driver}; known: {', '.join(sorted(accepted))}")
    simulator = None
    if port == "sim":
        if spec.simulator is None:
            raise UnknownDriver(f"devices.{name}: driver {driver} has no emulator")
        simulator = spec.simulator(sim, assets, run_dir, name)
        port = simulator.url
    return Built(spec.make(name, port, **options), simulator)
