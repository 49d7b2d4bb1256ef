"""Materials of an application: one set for every chosen service (一套材料), and the files a citizen gives.

The same document asked for by two services is asked for once; a file is checked for what a kiosk can
know about it (empty, not an image or PDF, too large) before it counts as supplied.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace

from .guide import Material, Service

MAX_FILE_BYTES = 20 * 1024 * 1024
MEDIA_TYPES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)


@dataclass(frozen=True)
class Requirement:
    """A material as the application needs it: merged across the services that ask for it."""
    material: Material
    services: tuple[str, ...]


def requirements(services: tuple[Service, ...]) -> tuple[Requirement, ...]:
    """One requirement per material id, in first-asked order. Merged strictly: required if any service
    requires it, the highest count, and deferrable or replaceable by commitment only where every service
    asking for it allows that."""
    merged: dict[str, Requirement] = {}
    for service in services:
        for material in service.materials:
            if material.commitment and not service.notification_commitment:
                material = replace(material, commitment=False)
            known = merged.get(material.id)
            if known is None:
                merged[material.id] = Requirement(material, (service.code,))
                continue
            first = known.material
            combined = replace(
                first,
                required=first.required or material.required,
                count=max(first.count, material.count),
                deferrable=first.deferrable and material.deferrable,
                defer_days=min(first.defer_days or 0, material.defer_days or 0) or None,
                commitment=first.commitment and material.commitment,
                e_licence=first.e_licence or material.e_licence,
                shared_data=first.shared_data or material.shared_data,
            )
            merged[material.id] = Requirement(combined, known.services + (service.code,))
    return tuple(merged.values())


@dataclass(frozen=True)
class MaterialFile:
    """One captured or uploaded file. ``data`` is the citizen's document: never logged, never repr'd."""
    name: str
    data: bytes = field(repr=False)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def media_type(self) -> str | None:
        for magic, media_type in MEDIA_TYPES:
            if self.data.startswith(magic):
                return media_type
        return None

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class FileProblem:
    code: str
    zh: str
    en: str


def file_problem(item: MaterialFile, max_bytes: int = MAX_FILE_BYTES) -> FileProblem | None:
    """Why this file cannot stand for a material, or None if it can."""
    if not item.data:
        return FileProblem("empty", "文件是空的，请重新拍摄或上传", "the file is empty; capture or upload it again")
    if item.media_type is None:
        return FileProblem("format", "只能提交照片（JPG、PNG）或PDF文件",
                           "only photos (JPG, PNG) or PDF files can be submitted")
    if item.size > max_bytes:
        mb = max_bytes // (1024 * 1024)
        return FileProblem("too_large", f"文件太大（超过{mb}MB），请重新拍摄",
                           f"the file is larger than {mb} MB; capture it again")
    return None
