"""Drives the real kiosk app in a real window (run under Xvfb by tests/test_app.py).

The reader is the emulator on a pseudo-terminal and the driver is the production one; the scenario
runs on its own thread and touches widgets only through Kivy's clock, as a device thread would.
It writes a JSON report and screenshots into the output directory for the test to check.
"""
from __future__ import annotations

import argparse
import gc
import json
import sys
import threading
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def reversed_secrets(card_file: str) -> list:
    """The card's personal values, reversed so that holding them here is not itself a trace, as
    str and in the encodings a frame or buffer would carry them."""
    from drivers.idcard.emulator import load_card
    card = load_card(card_file)
    values = [card[k] for k in ("name", "id_number", "address") if card.get(k)]
    return ([v[::-1] for v in values] + [v.encode("utf-16-le")[::-1] for v in values]
            + [v.encode("utf-8")[::-1] for v in values])


def traces(secrets: list) -> list[str]:
    """Where a personal value still sits in a live object of this process (one level into the
    containers the garbage collector does not track)."""
    gc.collect()
    found: list[str] = []

    def holds(value) -> bool:
        if isinstance(value, str):
            return any(isinstance(s, str) and s[::-1] in value for s in secrets)
        if isinstance(value, (bytes, bytearray)):
            return any(isinstance(s, bytes) and s[::-1] in value for s in secrets)
        return False

    for obj in gc.get_objects():
        for ref in gc.get_referents(obj):
            inner = list(ref.values()) + list(ref) if isinstance(ref, dict) else (
                list(ref) if isinstance(ref, (tuple, list)) and not gc.is_tracked(ref) else [])
            if holds(ref) or any(holds(item) for item in inner):
                found.append(type(obj).__name__)
    return found


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--card", default=str(ROOT / "assets/sim/cards/resident.json"))
    ap.add_argument("--orientation", default="landscape")
    ap.add_argument("--scale", type=float, default=0.5)
    ap.add_argument("--idle", type=float, default=2.0)
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    from provisioning.config import parse_config
    from provisioning.home import ensure_home
    from provisioning.logs import setup_logging
    from kiosk.main import configure_kivy
    from idcard_support import Sim

    home = ensure_home()
    setup_logging(home, "DEBUG", console=False)
    secrets = reversed_secrets(args.card)
    # The reader runs in its own process, as in the field: nothing of the card is in this one
    # except what the kiosk itself takes from the reader.
    sim = Sim("--card", args.card, "--link", str(home / "run" / "idcard.tty"), "--fault", "no_card")
    port = sim.url
    config = parse_config({
        "kiosk": {"orientation": args.orientation, "idle_timeout": args.idle},
        "devices": {"idcard": {"driver": "gat467", "port": port, "poll_interval": 0.05,
                               "reconnect_max": 0.5}},
    }, "harness")
    configure_kivy(home, args.orientation, False, args.scale)

    from kivy.clock import Clock
    from kivy.core.window import Window
    from drivers.idcard.card import IdentityCard
    from kiosk.app import KioskApp
    from provisioning.devices import build_devices

    devices = build_devices(config, home / "run")
    app = KioskApp(config, devices)
    report: dict = {"window": None, "phases": {}, "error": None}

    def on_ui(fn):
        done = threading.Event()
        box: dict = {}

        def run(_dt):
            try:
                box["value"] = fn()
            except BaseException as exc:  # reported to the scenario thread
                box["error"] = exc
            done.set()
        Clock.schedule_once(run, 0)
        if not done.wait(10):
            raise TimeoutError("UI thread did not run the step")
        if "error" in box:
            raise box["error"]
        return box.get("value")

    def wait_for(predicate, what: str, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not on_ui(predicate):
            if time.monotonic() > deadline:
                raise TimeoutError(f"waiting for {what}")
            time.sleep(0.05)
        time.sleep(0.4)  # let the fade finish and a frame render before looking

    def settled(name: str):
        return lambda: app.screens.current == name and not app.screens.transition.is_active

    def snapshot(phase: str) -> None:
        def grab():
            shot = Window.screenshot(name=str(out / f"{phase}.png"))
            g, a = app.greeting, app.attract
            return {
                "screen": app.screens.current,
                "screenshot": shot,
                "attract": {"title": a.ids.title.text, "prompt": a.ids.prompt.text, "notice": a.ids.notice.text},
                "greeting": {"hello": g.ids.hello.text, "id_number": g.ids.id_number.text,
                             "verdict": g.ids.verdict.text, "countdown": g.ids.countdown.text,
                             "exit": g.ids.exit.text},
                "session_active": app.session.active,
                "device": devices["idcard"].device.status(),
            }
        report["phases"][phase] = on_ui(grab)
        report["phases"][phase]["pixels"] = picture_stats(report["phases"][phase]["screenshot"])

    def picture_stats(path: str) -> dict:
        from kivy.core.image import Image as CoreImage
        image = CoreImage.load(path, keep_data=True)
        data = image.image._data[0]
        raw, step = bytes(data.data), 4 if data.fmt in ("rgba", "bgra") else 3
        colours = {raw[i:i + 3] for i in range(0, len(raw) - step, step * 7)}
        return {"width": data.width, "height": data.height, "distinct_colours": len(colours)}

    def live_cards() -> int:
        gc.collect()
        return sum(1 for o in gc.get_objects() if isinstance(o, IdentityCard))

    def tofu_check() -> dict:
        from kivy.core.text import Label as CoreLabel
        def pixels(s):
            label = CoreLabel(text=s, font_size=40)
            label.refresh()
            return bytes(label.texture.pixels)
        return {"cjk_differs_from_missing_glyph": pixels("请") != pixels("\U0010FFFD"),
                "two_cjk_glyphs_differ": pixels("请") != pixels("证")}

    def scenario() -> None:
        try:
            wait_for(lambda: app.root is not None and devices["idcard"].device.status()["device"] == "online",
                     "reader online")
            report["window"] = on_ui(lambda: list(Window.size))
            report["font"] = on_ui(tofu_check)
            snapshot("attract")
            sim.send("place")
            wait_for(settled("greeting"), "greeting")
            snapshot("greeting")
            report["live_cards_during_session"] = live_cards()
            report["traces_during_session"] = traces(secrets)
            wait_for(settled("attract"), "idle timeout", timeout=args.idle + 10)
            snapshot("after_timeout")
            report["live_cards_after_timeout"] = live_cards()
            report["traces_after_timeout"] = traces(secrets)
            # card lifted mid-read: a notice, not a crash
            sim.send("lift")
            sim.send("fault lift_mid_read")
            sim.send("place")
            wait_for(lambda: "重新放置" in app.attract.ids.notice.text, "lifted notice")
            snapshot("lifted")
            # read again, then leave with the exit button
            sim.send("place")
            wait_for(settled("greeting"), "greeting again")
            on_ui(lambda: app.greeting.ids.exit.trigger_action(0))
            wait_for(settled("attract"), "exit button")
            snapshot("after_exit")
            report["live_cards_after_exit"] = live_cards()
            report["traces_after_exit"] = traces(secrets)
            # unplug the reader: the citizen is told, and it comes back by itself
            sim.send("unplug")
            wait_for(lambda: "无法使用" in app.attract.ids.notice.text, "unplugged notice")
            snapshot("unplugged")
            sim.send("replug")
            sim.stdout_line()  # the port again, behind the same link
            sim.send("place")
            wait_for(settled("greeting"), "greeting after replug", timeout=15)
            snapshot("after_replug")
        except BaseException:
            report["error"] = traceback.format_exc()
        finally:
            Clock.schedule_once(lambda _dt: app.stop(), 0)

    threading.Thread(target=scenario, daemon=True).start()
    app.run()
    sim.quit()
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0 if report["error"] is None else 1


if __name__ == "__main__":
    sys.exit(main())
