"""A small catalogue built in the tests, so the flow's rules are tested apart from the shipped content."""
from __future__ import annotations

import copy
import json
from datetime import date, datetime

from flows.applicant import Applicant
from flows.catalogue import parse_catalogue
from flows.materials import MaterialFile
from flows.workdays import WorkCalendar

JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8
PNG = b"\x89PNG\r\n\x1a\n" + bytes(200)
PDF = b"%PDF-1.7\n" + b"0" * 300
CARD_NAME = "张晓明"
CARD_ID = "411221195603083013"


def material(mid: str, name: str, **changes) -> dict:
    data = {"id": mid, "name": name, "name_en": mid.replace("_", " "), "required": True, "role": "main",
            "form": "original", "count": 1, "medium": "paper", "sample": f"{name}示范文本",
            "common_mistakes": [f"{name}已过期"], "e_licence": None, "shared_data": None,
            "deferrable": False, "commitment": False}
    data.update(changes)
    return data


ID_CARD = material("id_card", "居民身份证", e_licence="resident_id", shared_data="identity")
PHOTO = material("photo", "近期免冠彩色照片")
NAME = {"name": "name", "label": "姓名", "label_en": "Name", "type": "text", "required": True,
        "source": "identity.name"}
ID_NUMBER = {"name": "id_number", "label": "身份证号码", "label_en": "ID number", "type": "id_number",
             "required": True, "source": "identity.id_number"}
MOBILE = {"name": "mobile", "label": "手机号码", "label_en": "Mobile", "type": "mobile", "required": True,
          "source": "shared.mobile"}


def service(code: str, name: str, *, department: str = "mz", days: int = 0, statutory: int = 20,
            materials: list[dict] | None = None, fields: list[dict] | None = None, **changes) -> dict:
    data = {
        "code": code, "name": name, "name_en": f"{code} service", "aliases": [], "type": "public_service",
        "audience": ["citizen"], "themes": ["elderly"], "implementing_body": "渑池县民政局",
        "department": department, "level": "county",
        "legal_basis": [{"title": "《中华人民共和国老年人权益保障法》", "article": "第五十八条"}],
        "conditions": ["本县户籍"], "materials": materials if materials is not None else [ID_CARD, PHOTO],
        "form_fields": fields if fields is not None else [NAME, ID_NUMBER, MOBILE],
        "fees": {"charged": False, "items": [], "basis": "不收费"},
        "time_limits": {"statutory_days": statutory, "promised_days": days},
        "process": [{"name": "受理", "name_en": "Acceptance", "actor": "综合受理窗口", "level": "county", "days": 0},
                    {"name": "审核", "name_en": "Review", "actor": "业务科室", "level": "county", "days": days}],
        "result": {"name": f"{name}结果", "name_en": "result", "kind": "card", "sample": "样本"},
        "channels": {"kiosk": True, "online": True, "window": True, "visits": 0},
        "place": {"address": "渑池县政务服务中心一楼", "hours": "周一至周五 8:30-17:30"},
        "contact": {"consultation": "0398-4800001", "complaint": "0398-4800002"},
        "delivery": {"pickup": True, "mail": False, "free_mail": False, "on_the_spot": days == 0},
        "notification_commitment": False,
    }
    data.update(changes)
    return data


def catalogue_data() -> dict:
    premises = material("premises_proof", "经营场所使用证明", commitment=True)
    lease = material("lease_contract", "租赁合同", role="auxiliary", deferrable=True, defer_days=5)
    return json.loads(json.dumps({
        "version": "2026.11.1", "published": "2026-11-01", "region": {"code": "411221", "name": "渑池县"},
        "departments": [
            {"code": "mz", "name": "渑池县民政局", "name_en": "Civil Affairs", "phone": "0398-4800010"},
            {"code": "sj", "name": "渑池县市场监督管理局", "name_en": "Market Regulation", "phone": "0398-4800020"},
            {"code": "jt", "name": "渑池县交通运输局", "name_en": "Transport", "phone": "0398-4800030"},
        ],
        "themes": [{"code": "elderly", "name": "养老服务", "name_en": "Elderly", "audience": ["citizen"]},
                   {"code": "business", "name": "开办企业", "name_en": "Business", "audience": ["enterprise"]}],
        "services": [
            service("T-ELDER", "老年人优待证办理", aliases=["老年证"]),
            service("T-BUS", "老年人免费乘车卡办理", department="jt", days=3,
                    materials=[ID_CARD, PHOTO, material("elder_card", "老年人优待证", e_licence="elderly_card")]),
            service("T-SHOP", "个体工商户设立登记", department="sj", days=3, themes=["business"],
                    audience=["enterprise"], notification_commitment=True,
                    materials=[ID_CARD, premises, lease],
                    delivery={"pickup": True, "mail": True, "free_mail": True, "on_the_spot": False}),
            service("T-LONG", "困难残疾人生活补贴", days=24, statutory=30),
        ],
        "bundles": [{"code": "B-ELDER", "name": "老年人优待一件事", "name_en": "Senior bundle", "aliases": [],
                     "audience": ["citizen"], "themes": ["elderly"], "lead_department": "mz",
                     "services": ["T-ELDER", "T-BUS"], "promised_days": 5, "description": "优待证与乘车卡一次办"}],
    }))   # a JSON round trip, not deepcopy: every service gets its own copy of shared materials


def build_catalogue():
    return parse_catalogue(catalogue_data(), "test.json")


def no_holidays() -> WorkCalendar:
    """Monday to Friday for every year: simple to reason about in tests, and every date provisional."""
    return WorkCalendar.from_schedules()


class MemoryStore:
    """The draft store's contract in memory, to count saves; the real one is uplink.drafts.DraftStore."""

    def __init__(self) -> None:
        self.snapshots: list[dict] = []
        self.files: dict[str, bytes] = {}
        self.cleared = 0

    def save(self, snapshot: dict) -> None:
        self.snapshots.append(copy.deepcopy(snapshot))

    def put_file(self, data: bytes) -> str:
        key = MaterialFile("x", data).sha256
        self.files[key] = data
        return key

    def get_file(self, sha256: str) -> bytes:
        return self.files[sha256]

    def clear(self) -> None:
        self.snapshots.clear()
        self.files.clear()
        self.cleared += 1


def card_applicant() -> Applicant:
    return Applicant(CARD_NAME, CARD_ID, "idcard", "男", "1956-03-08", "汉", "河南省渑池县城关镇黄河路12号")


class Clock:
    def __init__(self, start: datetime = datetime(2026, 11, 20, 10, 0)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


WEEKDAY = date(2026, 11, 20)
