"""``kioskctl idcard ...`` and ``kioskctl sim idcard``: the reader from a technician's laptop."""
from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any, Callable

from drivers.base.errors import DeviceError
from flows.masking import mask_id_number, mask_name

from .card import IdentityCard
from .emulator import FAULTS, SamEmulator, apply_fault, load_card
from .errors import NoCard
from .protocol import BAUD_RATES
from .sam import SamLink

POLL_SECONDS = 0.1  # between find polls while waiting for a card, as the kiosk's watch does
LABELS = [("card_type", "证件类型 Card type"), ("name", "姓名 Name"), ("name_en", "英文姓名 English name"),
          ("sex", "性别 Sex"), ("nation", "民族 Nation"), ("birth", "出生 Birth"),
          ("address", "住址 Address"), ("id_number", "证件号码 ID number"),
          ("id_number_valid", "校验 Check digit"), ("authority", "签发机关 Authority"),
          ("valid_from", "有效期起 Valid from"), ("valid_to", "有效期止 Valid to"),
          ("pass_number", "通行证号码 Pass number"), ("issue_count", "签发次数 Issue count"),
          ("nationality", "国籍 Nationality")]


def register(commands: argparse._SubParsersAction, sim: argparse._SubParsersAction) -> None:
    idcard = commands.add_parser("idcard", help="resident ID card reader (GA/T 467) 身份证阅读器")
    sub = idcard.add_subparsers(dest="action", required=True)
    read = sub.add_parser("read", help="read one card 读取一张证件")
    _port_args(read)
    read.add_argument("--fingerprint", action="store_true", help="use the text+photo+fingerprint read")
    read.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for a card (default 5)")
    read.add_argument("--unmask", action="store_true", help="show name and number in full (text output)")
    read.set_defaults(run=cmd_read)
    info = sub.add_parser("info", help="SAM id and status 安全模块信息")
    _port_args(info)
    info.set_defaults(run=cmd_info)
    reset = sub.add_parser("reset", help="reset the SAM 复位安全模块")
    _port_args(reset)
    reset.set_defaults(run=cmd_reset)
    baud = sub.add_parser("baud", help="switch the module's baud rate 切换波特率")
    _port_args(baud)
    baud.add_argument("--to", type=int, required=True, choices=sorted(BAUD_RATES),
                      help="new rate; --baud is the rate the module uses now")
    baud.set_defaults(run=cmd_baud)

    emu = sim.add_parser("idcard", help="serve an emulated ID card reader 模拟身份证阅读器")
    emu.add_argument("--card", help="JSON card file (keys as in 'idcard read --json')")
    emu.add_argument("--tcp", metavar="[HOST:]PORT", help="serve on TCP instead of a pseudo-terminal")
    emu.add_argument("--link", help="also make this stable symlink to the pseudo-terminal")
    emu.add_argument("--fault", action="append", default=[], metavar="FAULT",
                     help=f"inject a fault at start: {', '.join(FAULTS)} (NAME or NAME=VALUE)")
    emu.add_argument("--json", action="store_true", help='print {"port": URL} instead of the bare port')
    emu.set_defaults(run=cmd_sim)


def _port_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", required=True, help="pyserial URL: /dev/ttyUSB0, socket://host:port, ...")
    parser.add_argument("--baud", type=int, default=115200, help="baud rate (default 115200)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def _fail(error: DeviceError) -> int:
    print(f"kioskctl idcard: {error.describe()}", file=sys.stderr)
    return 1


def _open(args: argparse.Namespace) -> SamLink:
    return SamLink.open(args.port, baudrate=args.baud)


def cmd_read(args: argparse.Namespace) -> int:
    try:
        with _open(args) as link:
            deadline = time.monotonic() + args.timeout
            while not link.find():
                if time.monotonic() >= deadline:
                    raise NoCard(f"none within {args.timeout:g} s")
                time.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))
            link.select()
            card = link.read(fingerprint=args.fingerprint)
    except DeviceError as exc:
        return _fail(exc)
    if args.json:
        print(json.dumps(card.to_dict(), ensure_ascii=False))
    else:
        print(format_card(card, unmask=args.unmask))
    return 0


def format_card(card: IdentityCard, *, unmask: bool = False) -> str:
    data: dict[str, Any] = card.to_dict()
    if not unmask:
        data["name"] = mask_name(data["name"])
        data["name_en"] = mask_name(data["name_en"]) or None
        data["id_number"] = mask_id_number(data["id_number"])
        data["address"] = "****" if data["address"] else None
    lines = []
    for key, label in LABELS:
        value = data.get(key)
        if value is None:
            continue
        if key == "id_number_valid":
            value = "正确 valid" if value else "错误 INVALID"
        lines.append(f"{label}: {value}")
    lines.append(f"照片 Photo: {len(card.photo_wlt)} bytes WLT")
    for problem in card.problems:
        lines.append(f"注意 Problem: {problem}")
    return "\n".join(lines)


def _on_link(args: argparse.Namespace, work: Callable[[SamLink], dict[str, Any]],
             describe: Callable[[dict[str, Any]], str]) -> int:
    """Open the port, do ``work``, print its result as JSON or as ``describe`` words it."""
    try:
        with _open(args) as link:
            result = work(link)
    except DeviceError as exc:
        return _fail(exc)
    print(json.dumps(result, ensure_ascii=False) if args.json else describe(result))
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    def work(link: SamLink) -> dict[str, Any]:
        link.sam_status()
        return {"port": args.port, "sam_status": "ok", "sam_id": link.sam_id()}
    return _on_link(args, work, lambda r: f"安全模块 SAM: 正常 ok\n模块号 SAM id: {r['sam_id']}\n端口 Port: {r['port']}")


def cmd_reset(args: argparse.Namespace) -> int:
    def work(link: SamLink) -> dict[str, Any]:
        link.reset_sam()
        return {"reset": "ok"}
    return _on_link(args, work, lambda _: "复位完成 SAM reset done")


def cmd_baud(args: argparse.Namespace) -> int:
    def work(link: SamLink) -> dict[str, Any]:
        link.set_baud(args.to)
        link.sam_status()  # the module answers at the new rate
        return {"baudrate": args.to}
    return _on_link(args, work, lambda r: f"波特率已切换 Baud rate now {r['baudrate']}")


SIM_HELP = ("commands: place [FILE] | lift | unplug | replug | fault NAME[=VALUE] | clear | quit\n"
            "命令：place 放卡 | lift 拿走 | unplug 拔出 | replug 插回 | fault 注入故障 | quit 退出")


def cmd_sim(args: argparse.Namespace) -> int:
    card = load_card(args.card) if args.card else None
    emulator = SamEmulator(card)
    try:
        for spec in args.fault:
            apply_fault(emulator, spec)
    except ValueError as exc:
        print(f"kioskctl sim idcard: {exc}", file=sys.stderr)
        return 2
    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        url = emulator.serve_tcp(host or "127.0.0.1", int(port))
    else:
        url = emulator.serve_pty(args.link)
    print(json.dumps({"port": url}) if args.json else url, flush=True)
    print(SIM_HELP, file=sys.stderr, flush=True)
    try:
        for line in sys.stdin:
            if not _sim_command(emulator, line.split()):
                return 0
        while True:  # stdin closed (run as a service): keep serving until stopped
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        emulator.stop()


def _sim_command(emulator: SamEmulator, words: list[str]) -> bool:
    if not words:
        return True
    verb, rest = words[0], words[1:]
    try:
        if verb == "quit":
            return False
        if verb == "place":
            emulator.place(load_card(rest[0]) if rest else None)
        elif verb == "lift":
            emulator.lift()
        elif verb == "unplug":
            emulator.unplug()
        elif verb == "replug":
            print(emulator.replug(), flush=True)
        elif verb == "fault" and rest:
            apply_fault(emulator, rest[0])
        elif verb == "clear":
            apply_fault(emulator, "clear")
        else:
            print(SIM_HELP, file=sys.stderr)
            return True
        print(f"ok: {verb}", file=sys.stderr, flush=True)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
    return True
