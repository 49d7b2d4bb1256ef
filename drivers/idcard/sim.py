"""The ID card reader in simulation mode: an in-process emulator on a pseudo-terminal, and an
optional demo cycle that lays a card on it and lifts it again, for field demos and the simulated
kiosk. Driven by ``[devices.NAME.sim]``: ``card``, ``present_after``, ``hold``, ``period``."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from .emulator import SamEmulator, load_card


class SimulatedReader:
    def __init__(self, options: dict[str, Any], assets: Path, run_dir: Path, name: str = "idcard") -> None:
        card_file = options.get("card")
        card = load_card(self._resolve(card_file, assets)) if card_file else None
        self.emulator = SamEmulator(card)
        self.url = self.emulator.serve_pty(run_dir / f"{name}.tty")
        self.present_after = float(options.get("present_after", 0) or 0)
        self.hold = float(options.get("hold", 5))
        self.period = float(options.get("period", 0) or 0)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if card is not None and self.present_after > 0:
            self.emulator.lift()  # the demo lays the card later
            self._thread = threading.Thread(target=self._demo, name="idcard-demo", daemon=True)
            self._thread.start()

    @staticmethod
    def _resolve(card_file: str, assets: Path) -> Path:
        path = Path(card_file)
        return path if path.is_absolute() else assets / path

    def _demo(self) -> None:
        if self._stop.wait(self.present_after):
            return
        while True:
            self.emulator.place()
            if self._stop.wait(self.hold):
                return
            self.emulator.lift()
            if self.period <= 0 or self._stop.wait(max(0.0, self.period - self.hold)):
                return

    def present(self) -> None:
        self.emulator.place()

    def lift(self) -> None:
        self.emulator.lift()

    def stop(self) -> None:
        self._stop.set()
        self.emulator.stop()
