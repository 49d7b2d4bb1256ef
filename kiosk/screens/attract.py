"""The attract screen: what a passer-by sees, inviting them to lay an ID card on the reader."""
from __future__ import annotations

from kivy.properties import NumericProperty, StringProperty
from kivy.uix.screenmanager import Screen
from kivy.uix.widget import Widget

from kiosk.texts import text


class CardPicture(Widget):
    """A drawn ID card above the reader's plate (no image file to go missing)."""
    card_w = NumericProperty(0)
    card_h = NumericProperty(0)

    def on_size(self, *_: object) -> None:
        self.card_w = min(self.width * 0.8, self.height * 1.1)
        self.card_h = self.card_w * 0.63


class AttractScreen(Screen):
    unit = NumericProperty(20)
    title_text = StringProperty(text("attract.title").both())
    prompt_text = StringProperty(text("attract.prompt").both())
    hint_text = StringProperty(text("attract.hint").both())
    notice_text = StringProperty("")

    def on_size(self, *_: object) -> None:
        self.unit = min(self.width, self.height) / 54.0
