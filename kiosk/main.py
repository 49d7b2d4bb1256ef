"""``kiosk``: start the kiosk app.

Kivy reads its settings when first imported, so the window, logging and font are configured here
before any Kivy module loads. Kivy's own files go under ``$KIOSK_HOME/kivy`` like all other state.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys

from provisioning.config import SIMULATION_CONFIG, ConfigError, load_config
from provisioning.devices import build_devices
from provisioning.home import ensure_home
from provisioning.logs import setup_logging

SIZES = {"landscape": (1920, 1080), "portrait": (1080, 1920)}
log = logging.getLogger("kiosk")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="kiosk", description="政务服务自助终端 Government services kiosk")
    parser.add_argument("--config", help="configuration TOML (default: $KIOSK_CONFIG, $KIOSK_HOME/kiosk.toml, simulation)")
    parser.add_argument("--sim", action="store_true", help="use the built-in simulation configuration")
    parser.add_argument("--orientation", choices=tuple(SIZES), help="override the configured orientation")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--fullscreen", action="store_true", default=None, help="borderless fullscreen")
    mode.add_argument("--windowed", dest="fullscreen", action="store_false", help="a window, for development")
    parser.add_argument("--scale", type=float, default=1.0, help="window scale for development screens (e.g. 0.5)")
    return parser.parse_args(argv)


def configure_kivy(home, orientation: str, fullscreen: bool, scale: float) -> None:
    os.environ.setdefault("KIVY_HOME", str(home / "kivy"))
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")  # Kivy's records go through our handlers
    os.environ["KIVY_NO_ARGS"] = "1"
    from kivy.config import Config
    width, height = SIZES[orientation]
    Config.set("graphics", "width", str(int(width * scale)))
    Config.set("graphics", "height", str(int(height * scale)))
    Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    Config.set("graphics", "borderless", "1" if fullscreen else "0")
    Config.set("kivy", "exit_on_escape", "0" if fullscreen else "1")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    from kiosk.fonts import register_cjk_font
    register_cjk_font()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        home = ensure_home()
        config = load_config(SIMULATION_CONFIG if args.sim else args.config)
    except (ConfigError, PermissionError) as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2
    setup_logging(home, config.kiosk.log_level)
    fullscreen = config.kiosk.fullscreen if args.fullscreen is None else args.fullscreen
    from kiosk.fonts import NoCjkFont
    try:
        configure_kivy(home, args.orientation or config.kiosk.orientation, fullscreen, args.scale)
    except NoCjkFont as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2

    from kiosk.app import KioskApp
    try:
        devices = build_devices(config, home / "run")
    except (ValueError, OSError) as exc:  # UnknownDriver is a ValueError
        print(f"kiosk: {config.source}: {exc}", file=sys.stderr)
        return 2
    log.info("kiosk starting", extra={"config": config.source, "devices": list(devices)})
    KioskApp(config, devices).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
