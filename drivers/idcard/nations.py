"""Ethnic group (民族) names by GB/T 3304 code, as printed on the card (without 族)."""
from __future__ import annotations

NATIONS: dict[str, str] = {code: name for code, name in zip(
    (f"{n:02d}" for n in range(1, 57)),
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 "
    "东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 "
    "俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺".split(),
    strict=True,
)}
NATIONS["97"] = "其他"
NATIONS["98"] = "外国血统中国籍人士"

assert len(NATIONS) == 58


def nation_name(code: str) -> str | None:
    return NATIONS.get(code.strip().zfill(2))


def nation_code(name: str) -> str | None:
    for code, value in NATIONS.items():
        if value == name or value + "族" == name:
            return code
    return None
