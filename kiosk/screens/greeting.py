"""The greeting: shows who the kiosk has recognised, masked, until the citizen leaves."""
from __future__ import annotations

from kivy.properties import ColorProperty, NumericProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.session import Greeting
from kiosk.texts import text

OK_COLOR = (0.1, 0.5, 0.2, 1)
WARN_COLOR = (0.75, 0.35, 0.0, 1)


class GreetingScreen(Screen):
    unit = NumericProperty(20)
    hello_text = StringProperty("")
    id_text = StringProperty("")
    verdict_text = StringProperty("")
    verdict_color = ColorProperty(OK_COLOR)
    countdown_text = StringProperty("")
    exit_text = StringProperty(text("greeting.exit").both("  "))

    __events__ = ("on_exit",)

    def on_size(self, *_: object) -> None:
        self.unit = min(self.width, self.height) / 54.0

    def show(self, greeting: Greeting) -> None:
        self.hello_text = text("greeting.hello", name=greeting.name).both()
        self.id_text = text("greeting.id_number", number=greeting.id_number).both()
        key = "greeting.identified" if greeting.verified else "greeting.check_failed"
        self.verdict_text = text(key).both()
        self.verdict_color = OK_COLOR if greeting.verified else WARN_COLOR

    def show_countdown(self, seconds: int) -> None:
        self.countdown_text = text("greeting.countdown", seconds=seconds).both()

    def wipe(self) -> None:
        """Remove every trace of the citizen from the screen."""
        self.hello_text = self.id_text = self.verdict_text = self.countdown_text = ""

    def on_exit(self) -> None:
        pass
