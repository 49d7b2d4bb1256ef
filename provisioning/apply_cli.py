"""``kioskctl apply``: the whole application flow without a screen, through the same ``Application``
the touch screen drives. An operator's batch entry, a field demo and the tests use it."""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

from flows.applicant import CONSENT_METHODS, Applicant, Consent, Operator
from flows.application import Application, FlowError
from flows.catalogue import CatalogueError
from flows.materials import MaterialFile
from uplink.outbox import Outbox, OutboxError

from .config import ConfigError, load_config
from .datasets import current_calendar, current_catalogue
from .home import ensure_home


class UsageError(Exception):
    """Bad arguments or files: nothing was applied for."""


def register(commands: argparse._SubParsersAction) -> None:
    apply = commands.add_parser("apply", help="apply for services without a screen 无界面办理申请")
    apply.add_argument("--service", action="append", required=True, metavar="CODE",
                       help="service or bundle code; repeat for several services 事项编码")
    apply.add_argument("--form", required=True, metavar="FILE.json", help="form values: a JSON object 表单")
    apply.add_argument("--material", action="append", default=[], metavar="ID=PATH",
                       help="a material file (JPG, PNG or PDF); repeat for more pages 材料文件")
    apply.add_argument("--commit-missing", action="store_true",
                       help="the applicant signs the commitment for materials that allow it (容缺受理/告知承诺)")
    apply.add_argument("--operator", metavar="ID:NAME", help="an operator applies on the citizen's behalf 帮办代办")
    apply.add_argument("--consent", choices=sorted(CONSENT_METHODS), help="how the citizen consented (with --operator)")
    apply.add_argument("--catalogue", help="catalogue file (default: the pushed one, else the shipped one)")
    apply.add_argument("--config", help="configuration file (for the kiosk's station number)")
    apply.add_argument("--json", action="store_true")
    apply.set_defaults(run=cmd_apply)


def cmd_apply(args: argparse.Namespace) -> int:
    try:
        return _apply(args)
    except UsageError as exc:
        return _fail(args, "usage", str(exc), 2)
    except (CatalogueError, ConfigError) as exc:
        return _fail(args, "config", str(exc), 2)
    except FlowError as exc:
        return _fail(args, exc.code, f"{exc.zh} ({exc.en})", 2 if exc.code in ("unknown_service", "unknown_material") else 1)
    except OutboxError as exc:
        return _fail(args, "outbox", f"{exc.zh} ({exc.en}): {exc}", 1)


def _apply(args: argparse.Namespace) -> int:
    form = _read_form(Path(args.form))
    files = _read_materials(args.material)
    station = load_config(args.config).kiosk.station
    catalogue = current_catalogue(args.catalogue)
    home = ensure_home()
    app = Application(catalogue, current_calendar(home), operator=_operator(args.operator))
    app.identify(Applicant(name=str(form.get("name", "")), id_number=str(form.get("id_number", "")), source="form"))
    app.choose(args.service)
    result = app.fill(form)
    if not result.ok:
        errors = [{"field": e.field, "label": e.label, "code": e.code, "message": e.message,
                   "message_en": e.message_en} for e in result.errors]
        if args.json:
            print(json.dumps({"status": "invalid", "errors": errors}, ensure_ascii=False))
        for error in errors:
            print(f"kioskctl apply: {error['field']}（{error['label']}）: {error['message']} ({error['message_en']})",
                  file=sys.stderr)
        return 1
    for material_id, items in files.items():
        app.supply(material_id, items)
    completeness = app.check(commit=args.commit_missing)
    if not completeness.complete:
        notice = app.notice()
        app.abandon("incomplete")
        _print(args, notice, format_notice)
        return 0
    if args.operator:
        if not args.consent:
            raise UsageError("--operator needs --consent: how the citizen agreed (代办需要申请人同意)")
        app.give_consent(Consent(args.consent, datetime.now()))
    app.review()
    outbox = Outbox(home)
    number = outbox.next_number(catalogue.region_code, station, datetime.now().date())
    acceptance = app.submit(number)
    record = {**acceptance.to_dict(), "applicant_identity": app.applicant.to_dict(), "form": dict(app.form),
              "catalogue_version": catalogue.version}
    outbox.accept(record, files, idempotency_key=app.draft_id)
    app.finish()
    _print(args, {**acceptance.to_dict(), "stored": "outbox"}, format_acceptance)
    return 0


def _read_form(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read the form {path}: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"the form {path} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise UsageError(f"the form {path} must be a JSON object of field names and values")
    return data


def _read_materials(specs: list[str]) -> dict[str, list[MaterialFile]]:
    files: dict[str, list[MaterialFile]] = {}
    for spec in specs:
        material_id, sep, path = spec.partition("=")
        if not sep or not material_id or not path:
            raise UsageError(f"--material {spec!r}: expected ID=PATH")
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise UsageError(f"--material {material_id}: cannot read {path}: {exc.strerror or exc}") from None
        files.setdefault(material_id, []).append(MaterialFile(Path(path).name, data))
    return files


def _operator(spec: str | None) -> Operator | None:
    if not spec:
        return None
    operator_id, sep, name = spec.partition(":")
    if not sep or not operator_id or not name:
        raise UsageError(f"--operator {spec!r}: expected ID:NAME")
    return Operator(operator_id, name)


def _fail(args: argparse.Namespace, code: str, message: str, status: int) -> int:
    if args.json:
        print(json.dumps({"status": "error", "code": code, "message": message}, ensure_ascii=False))
    print(f"kioskctl apply: {message}", file=sys.stderr)
    return status


def _print(args: argparse.Namespace, data: dict, describe) -> None:
    print(json.dumps(data, ensure_ascii=False) if args.json else describe(data))


def format_notice(notice: dict) -> str:
    lines = ["一次性告知单 One-time notice of missing materials",
             "  事项 Services: " + "、".join(s["name"] for s in notice["services"]),
             "  请补齐以下全部材料 Please bring all of the following:"]
    for gap in notice["missing"]:
        extra = "（可容缺后补 may follow later）" if gap["may_defer"] else ""
        extra += "（可告知承诺 a signed commitment will do）" if gap["may_commit"] else ""
        lines.append(f"    - [{gap['material']}] {gap['requirement']} — {gap['reason_text']}{extra}")
    lines.append(f"  咨询 Questions: {notice['contact']['department']} {notice['contact']['phone']}")
    return "\n".join(lines)


def format_acceptance(data: dict) -> str:
    provisional = "（暂定：该年度节假日安排尚未发布 provisional）" if data["provisional"] else ""
    lines = ["已受理 Accepted",
             f"  办件编号 Application number: {data['application_number']}",
             f"  事项 Service: {data['service_name']}",
             f"  申请人 Applicant: {data['applicant']}",
             f"  受理部门 Department: {data['department']}",
             f"  承诺办结日期 Promised by: {data['promised_date']}{provisional}"]
    for item in data["deferred"]:
        lines.append(f"  容缺后补 Due later: {item['name']} 请于 {item['due']} 前补交")
    for item in data["committed"]:
        lines.append(f"  告知承诺 Commitment signed for: {item['name']}")
    return "\n".join(lines)
