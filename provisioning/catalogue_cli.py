"""``kioskctl catalogue list|show|search``: the service catalogue as the kiosk sees it, for a technician
checking a pushed update or a service-centre clerk answering "can I do this at the machine?"."""
from __future__ import annotations

import argparse
import json
import sys

from flows.catalogue import CatalogueError
from flows.form import merge_fields
from flows.guide import (
    AUDIENCES,
    FORMS,
    MEDIA,
    SERVICE_TYPES,
    Bundle,
    Catalogue,
    Service,
)
from flows.materials import requirements
from flows.search import browse, search

from .datasets import current_catalogue

SUPPLY = {"shared_data": "共享数据免提交 shared data", "e_licence": "电子证照免提交 e-licence",
          "capture": "高拍仪拍摄 capture", "upload": "电子文件 upload", "defer": "可容缺后补 may follow later",
          "commitment": "可告知承诺 commitment"}
DELIVERY = {"pickup": "窗口领取 pickup", "mail": "邮寄 mail", "free_mail": "免费邮寄 free mailing",
            "on_the_spot": "当场办结 on the spot"}


def register(commands: argparse._SubParsersAction) -> None:
    catalogue = commands.add_parser("catalogue", help="service catalogue 办事指南与事项目录")
    sub = catalogue.add_subparsers(dest="action", required=True)
    listing = sub.add_parser("list", help="list services and bundles 列出事项")
    listing.add_argument("--audience", choices=sorted(AUDIENCES), help="citizen 个人 or enterprise 法人")
    listing.add_argument("--theme", help="theme code 主题")
    listing.add_argument("--department", help="department code 部门")
    listing.set_defaults(run=cmd_list)
    show = sub.add_parser("show", help="a service's whole guide 查看办事指南")
    show.add_argument("code")
    show.set_defaults(run=cmd_show)
    find = sub.add_parser("search", help="search by Chinese, pinyin or initials 搜索（汉字、拼音、首字母）")
    find.add_argument("text")
    find.add_argument("--limit", type=int, default=10)
    find.set_defaults(run=cmd_search)
    for parser in (listing, show, find):
        parser.add_argument("--catalogue", help="catalogue file (default: the pushed one, else the shipped one)")
        parser.add_argument("--json", action="store_true")


def _load(args: argparse.Namespace) -> Catalogue | None:
    try:
        return current_catalogue(args.catalogue)
    except CatalogueError as exc:
        print(f"kioskctl catalogue: {exc}", file=sys.stderr)
        return None


def summary(catalogue: Catalogue, item: Service | Bundle) -> dict:
    if isinstance(item, Bundle):
        return {"code": item.code, "name": item.name, "name_en": item.name_en, "kind": "bundle",
                "type": "bundle", "department": catalogue.departments[item.lead_department].name,
                "department_code": item.lead_department, "audience": list(item.audience),
                "themes": list(item.themes), "promised_days": item.promised_days, "services": list(item.services)}
    return {"code": item.code, "name": item.name, "name_en": item.name_en, "kind": "service", "type": item.type,
            "department": catalogue.departments[item.department].name, "department_code": item.department,
            "audience": list(item.audience), "themes": list(item.themes),
            "promised_days": item.time_limits.promised_days}


def guide(catalogue: Catalogue, code: str) -> dict:
    """The whole guide with English keys; ``form_fields`` and ``materials`` are what an application for
    this code asks (for a bundle: its members' one form and one set of materials)."""
    item = catalogue.get(code)
    members = catalogue.members(code)
    data = item.to_dict()
    data["kind"] = "bundle" if isinstance(item, Bundle) else "service"
    data["catalogue_version"] = catalogue.version
    if isinstance(item, Service):
        data["type_name"] = SERVICE_TYPES[item.type][0]
        data["department_name"] = catalogue.departments[item.department].name
    else:
        data["department_name"] = catalogue.departments[item.lead_department].name
        data["members"] = [member.to_dict() for member in members]
    data["form_fields"] = [_field(field) for field in merge_fields(members)]
    data["materials"] = [{**r.material.to_dict(), "requirement": r.material.requirement(),
                          "services": list(r.services)} for r in requirements(members)]
    return data


def _field(field) -> dict:
    data = {"name": field.name, "label": field.label, "label_en": field.label_en, "type": field.type,
            "required": field.required}
    if field.options:
        data["options"] = [{"value": o.value, "label": o.label, "label_en": o.label_en} for o in field.options]
    for key in ("source", "min", "max", "max_length"):
        if getattr(field, key) is not None:
            data[key] = getattr(field, key)
    if field.hint:
        data["hint"] = field.hint
    return data


def cmd_list(args: argparse.Namespace) -> int:
    catalogue = _load(args)
    if catalogue is None:
        return 1
    items = browse(catalogue, audience=args.audience, theme=args.theme, department=args.department)
    rows = [summary(catalogue, item) for item in items]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    print(f"事项目录 Catalogue {catalogue.version}（{catalogue.region_name}，{len(rows)} 项 items）")
    for row in rows:
        days = "即办 immediate" if row["promised_days"] == 0 else f"{row['promised_days']} 个工作日 working days"
        mark = "［一件事］" if row["kind"] == "bundle" else ""
        print(f"  {row['code']:<10} {mark}{row['name']}  {row['department']}  {days}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    catalogue = _load(args)
    if catalogue is None:
        return 1
    try:
        data = guide(catalogue, args.code)
    except KeyError:
        print(f"kioskctl catalogue: 没有这个事项 no service or bundle with the code {args.code}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
    else:
        print(format_guide(data))
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    catalogue = _load(args)
    if catalogue is None:
        return 1
    hits = search(catalogue, args.text, limit=args.limit)
    rows = [{**summary(catalogue, hit.item), "match": hit.match, "score": round(hit.score, 3)} for hit in hits]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    if not rows:
        print(f"没有找到“{args.text}” nothing found")
        return 0
    for row in rows:
        print(f"  {row['code']:<10} {row['name']}  {row['department']}  ({row['match']})")
    return 0


def format_guide(data: dict) -> str:
    lines = [f"{data['name']}  {data['name_en']}", f"  编码 Code: {data['code']}"]
    if data["kind"] == "bundle":
        lines.append(f"  一件事一次办 bundle, 牵头部门 lead: {data['department_name']}")
        lines.append(f"  包含 Services: {', '.join(member['name'] for member in data['members'])}")
        lines.append(f"  承诺时限 Promised: {data['promised_days']} 个工作日 working days")
        lines.append(f"  {data['description']}")
    else:
        limits = data["time_limits"]
        lines += [
            f"  类型 Type: {data['type_name']}  实施主体 Body: {data['implementing_body']}",
            f"  法定/承诺时限 Limits: {limits['statutory_days']} / {limits['promised_days']} 个工作日 working days",
            "  设定依据 Legal basis: " + "；".join(f"{b['title']}{b['article']}" for b in data["legal_basis"]),
            "  申请条件 Conditions: " + "；".join(data["conditions"]),
            "  收费 Fees: " + ("；".join(f"{fee['name']} {fee['amount']}元" for fee in data["fees"]["items"])
                              if data["fees"]["charged"] else "不收费 free") + f"（{data['fees']['basis']}）",
            "  办理流程 Process: " + " → ".join(f"{s['name']}({s['days']})" for s in data["process"]),
            f"  办理结果 Result: {data['result']['name']}",
            f"  地点 Place: {data['place']['address']}  {data['place']['hours']}",
            f"  咨询 Consultation: {data['contact']['consultation']}  投诉 Complaints: {data['contact']['complaint']}",
            "  取件 Delivery: " + "、".join(DELIVERY[k] for k, v in data["delivery"].items() if v),
        ]
    lines.append("  申请材料 Materials:")
    for material in data["materials"]:
        need = "必需 required" if material["required"] else "可选 optional"
        form = f"{FORMS[material['form']][0]}{material['count']}份，{MEDIA[material['medium']][0]}"
        ways = "、".join(SUPPLY[way] for way in material["supply"])
        lines.append(f"    - [{material['id']}] {material['name']}（{form}，{need}）: {ways}")
    lines.append("  表单 Form: " + "、".join(
        f"{f['label']}{'*' if f['required'] else ''}" for f in data["form_fields"]))
    return "\n".join(lines)
