"""``kioskctl``: the technician's command line. Every device, and later the catalogue, the outbox and
the reference platform, is reachable from here; every command has ``--json`` for machines and plain
Chinese/English text for people."""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from drivers.idcard import cli as idcard_cli

from . import apply_cli, catalogue_cli
from .config import ConfigError, load_config


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kioskctl", description="政务自助终端维护工具 Kiosk technician's tool")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sim = commands.add_parser("sim", help="run a device emulator 运行设备模拟器")
    sim_devices = sim.add_subparsers(dest="device", required=True, metavar="DEVICE")
    idcard_cli.register(commands, sim_devices)
    catalogue_cli.register(commands)
    apply_cli.register(commands)
    config = commands.add_parser("config", help="show the effective configuration 查看配置")
    config.add_argument("--config", help="configuration file (default: $KIOSK_CONFIG, $KIOSK_HOME/kiosk.toml, simulation)")
    config.add_argument("--json", action="store_true")
    config.set_defaults(run=cmd_config)
    return parser


def cmd_config(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"kioskctl config: {exc}", file=sys.stderr)
        return 1
    data = asdict(config)
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
        return 0
    print(f"配置文件 Config file: {config.source}")
    for key, value in data["kiosk"].items():
        print(f"  kiosk.{key} = {value}")
    for name, device in config.devices.items():
        print(f"  设备 device {name}: driver={device.driver} port={device.port}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
