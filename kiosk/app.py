"""The kiosk's Kivy application: screens and the session, nothing else.

Devices run on their own worker threads; their events reach the app only through
:meth:`KioskApp._from_device`, which hands them to Kivy's clock so every widget is touched on the UI
thread. Business rules live in flows/, device logic in drivers/.
"""
from __future__ import annotations

import gc
import logging
import math
from pathlib import Path
from typing import Any, Mapping

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.uix.screenmanager import FadeTransition, ScreenManager

from drivers.base.errors import DeviceError, ErrorKind
from drivers.base.status import DeviceEvent, DeviceState, StatusChanged
from drivers.idcard.reader import CARD_ERROR, CARD_READ
from drivers.registry import Built
from flows.catalogue import CatalogueError
from flows.guide import Catalogue
from flows.workdays import WorkCalendar
from provisioning.config import Config
from provisioning.datasets import current_calendar, current_catalogue
from provisioning.home import kiosk_home
from uplink.drafts import DraftStore

from .screens.attract import AttractScreen
from .screens.greeting import GreetingScreen
from .session import Session, recover_draft
from .texts import text

KV_DIR = Path(__file__).parent / "kv"
NOTICE_SECONDS = 6.0
TICK_SECONDS = 0.5
UNAVAILABLE = {DeviceState.OFFLINE.value, DeviceState.NO_DEVICE.value, DeviceState.HARDWARE_ERROR.value}
log = logging.getLogger("kiosk.app")


def citizen_message(error: DeviceError | None) -> str:
    """What to tell a citizen about a failed read: their own action where it was one, else staff."""
    if error is not None and error.kind is ErrorKind.USER:
        return f"{error.zh}\n{error.en}"
    return text("card.read_again").both()


def application_data() -> tuple[Catalogue | None, WorkCalendar | None, DraftStore | None]:
    """The catalogue, the holiday calendar and the draft store the session's applications use. A
    catalogue that cannot load leaves identification working and is logged for the fleet team."""
    drafts = DraftStore(kiosk_home())
    recover_draft(drafts)
    try:
        return current_catalogue(), current_calendar(), drafts
    except CatalogueError as exc:
        log.error("no service catalogue: applications disabled", extra={"reason": str(exc)})
        return None, None, drafts


class KioskApp(App):
    title = "政务服务自助终端 Government Services Kiosk"

    def __init__(self, config: Config, devices: Mapping[str, Built], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kiosk_config = config
        self.devices = dict(devices)
        self.session = Session(config.kiosk.idle_timeout, *application_data())
        self._tick_event = None
        self._notice_event = None
        self._device_notice = ""
        self._transient_notice = ""

    # -- building -------------------------------------------------------------------------------
    def build(self) -> ScreenManager:
        for kv in sorted(KV_DIR.glob("*.kv")):
            Builder.load_file(str(kv))
        self.attract = AttractScreen(name="attract")
        self.greeting = GreetingScreen(name="greeting")
        self.greeting.bind(on_exit=lambda *_: self.end_session("exit"))
        self.screens = ScreenManager(transition=FadeTransition(duration=0.15))
        self.screens.add_widget(self.attract)
        self.screens.add_widget(self.greeting)
        Window.bind(on_touch_down=self._on_activity, on_key_down=self._on_key)
        for built in self.devices.values():
            built.device.subscribe(self._from_device)
            self._show_device_state(built.device.status())
            built.device.open()
        return self.screens

    def open_settings(self, *args: Any) -> bool:
        return False  # no settings panel on a public screen

    def on_stop(self) -> None:
        self.end_session("stop")
        for built in self.devices.values():
            built.close()

    # -- device events (arrive on device threads) ----------------------------------------------
    def _from_device(self, event: Any) -> None:
        Clock.schedule_once(lambda _dt: self.on_device_event(event), 0)

    def on_device_event(self, event: Any) -> None:
        """Runs on the UI thread."""
        if isinstance(event, StatusChanged):
            self._show_device_state(event.status)
        elif isinstance(event, DeviceEvent) and event.kind == CARD_READ:
            self.begin_session(event.payload)
        elif isinstance(event, DeviceEvent) and event.kind == CARD_ERROR:
            if not self.session.active:
                self._notice(citizen_message(event.error))

    def _show_device_state(self, status: Mapping[str, Any]) -> None:
        state = status.get("device")
        if state in UNAVAILABLE:
            self._device_notice = text("device.reader_unavailable").both()
        elif state == DeviceState.STARTING.value:
            self._device_notice = text("device.reader_starting").both()
        elif state == DeviceState.BUSY.value:
            self._device_notice = text("attract.reading").both()
            self._clear_notice(0)  # a new read makes the last error's advice obsolete
        else:
            self._device_notice = ""
        self._refresh_notice()

    def _notice(self, message: str) -> None:
        """Show ``message`` for a while, above whatever the devices' state says."""
        self._transient_notice = message
        if self._notice_event is not None:
            self._notice_event.cancel()
        self._notice_event = Clock.schedule_once(self._clear_notice, NOTICE_SECONDS)
        self._refresh_notice()

    def _clear_notice(self, _dt: float) -> None:
        if self._notice_event is not None:
            self._notice_event.cancel()
            self._notice_event = None
        self._transient_notice = ""
        self._refresh_notice()

    def _refresh_notice(self) -> None:
        self.attract.notice_text = self._transient_notice or self._device_notice

    # -- the session ----------------------------------------------------------------------------
    def begin_session(self, identity: Any) -> None:
        self.greeting.show(self.session.begin(identity))
        self.screens.current = "greeting"
        self._tick(0)
        if self._tick_event is None:
            self._tick_event = Clock.schedule_interval(self._tick, TICK_SECONDS)

    def _tick(self, _dt: float) -> None:
        left = self.session.seconds_left()
        if left <= 0:
            self.end_session("timeout")
            return
        self.greeting.show_countdown(math.ceil(left))

    def end_session(self, reason: str) -> None:
        """Forget the citizen: session, screen and memory."""
        if self._tick_event is not None:
            self._tick_event.cancel()
            self._tick_event = None
        self.session.end(reason)
        self.greeting.wipe()
        self.screens.current = "attract"
        gc.collect()

    def _on_activity(self, *_: Any) -> bool:
        if self.session.active:
            self.session.touch()
        return False

    def _on_key(self, _window: Any, key: int, *_: Any) -> bool:
        """F5/F6 lay and lift the simulated card (simulation mode only)."""
        simulators = [b.simulator for b in self.devices.values() if b.simulator is not None]
        if key == 286 and simulators:      # F5
            for sim in simulators:
                sim.present()
            return True
        if key == 287 and simulators:      # F6
            for sim in simulators:
                sim.lift()
            return True
        return False
