"""Browsing and searching the catalogue (flows/search.py).

Most tests use a small catalogue built here, so ranking is checked against known neighbours (老年人
优待证 next to 老年人免费乘车卡, 残疾人证, 有限责任公司…); the last group runs the same properties
over the shipped assets/catalogue/services.json.
"""
from __future__ import annotations

import copy
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.catalogue import CatalogueError, load_catalogue, parse_catalogue
from flows.guide import Bundle, Service
from flows.search import (
    MATCH_KINDS,
    SearchIndex,
    _osa_substring_distance,
    _pattern_masks,
    browse,
    departments,
    normalise,
    search,
    themes,
)

# -------------------------------------------------------------------------------- test catalogue

SERVICE = {
    "code": "X-0000", "name": "名称", "name_en": "Name", "aliases": [], "type": "public_service",
    "audience": ["citizen"], "themes": ["elderly"], "implementing_body": "县民政局", "department": "mz",
    "level": "county",
    "legal_basis": [{"title": "《某条例》", "article": "第一条"}],
    "conditions": ["本县户籍居民"],
    "materials": [{
        "id": "id_card", "name": "居民身份证", "name_en": "Resident ID card", "required": True, "role": "main",
        "form": "original", "count": 1, "medium": "paper", "sample": "身份证正反面", "common_mistakes": ["证件过期"],
        "e_licence": None, "shared_data": "identity", "deferrable": False, "commitment": False,
    }],
    "form_fields": [
        {"name": "name", "label": "姓名", "label_en": "Name", "type": "text", "required": True,
         "source": "identity.name"},
        {"name": "id_number", "label": "公民身份号码", "label_en": "ID number", "type": "id_number",
         "required": True, "source": "identity.id_number"},
    ],
    "fees": {"charged": False, "items": [], "basis": "不收费"},
    "time_limits": {"statutory_days": 20, "promised_days": 5},
    "process": [{"name": "受理", "name_en": "Acceptance", "actor": "窗口", "level": "county", "days": 5}],
    "result": {"name": "证件", "name_en": "Card", "kind": "card", "sample": "样本"},
    "channels": {"kiosk": True, "online": True, "window": True, "visits": 0},
    "place": {"address": "县政务服务中心", "hours": "工作日 9:00-17:00"},
    "contact": {"consultation": "0571-12345", "complaint": "12345"},
    "delivery": {"pickup": True, "mail": True, "free_mail": True, "on_the_spot": False},
    "notification_commitment": False,
}

# code, name, aliases, audience, themes, department
SERVICES = [
    ("MZ-0001", "老年人优待证办理", ["老年优待证", "敬老优待证"], ["citizen"], ["elderly"], "mz"),
    ("MZ-0002", "老年人免费乘车卡办理", ["老年公交卡"], ["citizen"], ["elderly", "transport"], "mz"),
    ("CL-0001", "残疾人证办理", ["残疾证"], ["citizen"], ["disability"], "cl"),
    ("SC-0001", "有限责任公司设立登记", ["开公司", "公司注册"], ["enterprise"], ["business"], "sc"),
    ("SC-0002", "个体工商户注册登记", [], ["citizen", "enterprise"], ["business"], "sc"),
    ("RS-0001", "社会保障卡银行账户激活", ["社保卡激活"], ["citizen"], ["social"], "rs"),
    ("RS-0002", "重新申领社会保障卡", ["社保卡补办"], ["citizen"], ["social"], "rs"),
    ("MZ-0003", "高龄津贴申领", ["长寿金"], ["citizen"], ["elderly"], "mz"),
]
BUNDLES = [
    ("YJS-001", "我要开办企业", ["企业开办一件事"], ["enterprise", "citizen"], ["business"], "sc",
     ["SC-0001", "SC-0002"]),
    ("YJS-002", "老年人福利服务一件事", [], ["citizen"], ["elderly"], "mz", ["MZ-0001", "MZ-0002", "MZ-0003"]),
]


def service_data(code, name, aliases, audience, theme_codes, department) -> dict:
    data = copy.deepcopy(SERVICE)
    data.update(code=code, name=name, name_en=f"Service {code}", aliases=aliases, audience=audience,
                themes=theme_codes, department=department)
    return data


def catalogue_data(services=SERVICES, bundles=BUNDLES) -> dict:
    return {
        "version": "2026.1.0", "published": "2026-01-01", "region": {"code": "330100", "name": "测试县"},
        "departments": [
            {"code": code, "name": name, "name_en": code.upper(), "phone": "0571-12345"}
            for code, name in [("mz", "县民政局"), ("cl", "县残联"), ("sc", "县市场监督管理局"),
                               ("rs", "县人力资源和社会保障局"), ("ga", "县公安局")]],
        "themes": [
            {"code": code, "name": name, "name_en": code, "audience": audience}
            for code, name, audience in [
                ("elderly", "养老服务", ["citizen"]), ("transport", "交通出行", ["citizen"]),
                ("disability", "残疾人服务", ["citizen"]), ("business", "开办企业", ["enterprise", "citizen"]),
                ("social", "社会保障", ["citizen"]), ("tax", "纳税缴费", ["enterprise"])]],
        "services": [service_data(*entry) for entry in services],
        "bundles": [
            {"code": code, "name": name, "name_en": f"Bundle {code}", "aliases": aliases, "audience": audience,
             "themes": theme_codes, "lead_department": lead, "services": members, "promised_days": 10,
             "description": "一次申请，并联办理"}
            for code, name, aliases, audience, theme_codes, lead, members in bundles],
    }


@pytest.fixture(scope="module")
def catalogue():
    return parse_catalogue(catalogue_data(), "test.json")


@pytest.fixture(scope="module")
def index(catalogue):
    return SearchIndex.build(catalogue)


def codes(entries) -> list[str]:
    """Codes of search hits or of browsed entries."""
    return [getattr(entry, "item", entry).code for entry in entries]


# ---------------------------------------------------------------------------------------- search


@pytest.mark.parametrize("query, match", [
    ("老年人优待证办理", "text"),
    ("老年", "text"),
    ("优待证", "text"),
    ("老年优待证", "text"),             # alias
    ("敬老", "text"),                   # part of an alias
    ("laonian", "pinyin"),
    ("laonianrenyoudaizheng", "pinyin"),
    ("youdaizheng", "pinyin"),
    ("youdai", "pinyin"),
    ("lnrydz", "initials"),
    ("lnr", "initials"),
    ("ydz", "initials"),
    ("laonrydz", "pinyin"),             # whole syllables and initials mixed
    ("laonianrydz", "pinyin"),
    ("lao nian", "pinyin"),
    ("lao'nian'ren", "pinyin"),
    ("老nian", "pinyin"),
    ("老年人优代证", "pinyin"),         # IME homophone slip: 代 for 待
    ("MZ-0001", "code"),
    ("mz0001", "code"),
    ("ldyyz", "fuzzy"),
    ("laonianrenyoudaizhen", "pinyin"),  # a truncated last syllable is still a prefix
    ("laonianrenyuodaizheng", "fuzzy"),  # typo: transposed letters
    ("老年人优惠证", "fuzzy"),           # a wrong character, not a homophone
])
def test_the_elderly_card_comes_first(index, query, match):
    hits = search(index, query)
    assert hits, query
    assert hits[0].item.code == "MZ-0001", (query, [(hit.item.name, hit.score, hit.match) for hit in hits])
    assert hits[0].match == match


def test_kinds_rank_in_their_order(index):
    assert search(index, "MZ-0001")[0].score == 1.0
    text, = {hit.match for hit in search(index, "优待证")}
    assert text == "text"
    hits = search(index, "laonian")
    assert hits[0].score > 0.7 > hits[-1].score or all(hit.match == "pinyin" for hit in hits)
    fuzzy = search(index, "ldyyz")
    assert {hit.match for hit in fuzzy} == {"fuzzy"}
    assert max(hit.score for hit in fuzzy) < min(hit.score for hit in search(index, "lnr"))


def test_laonian_finds_every_elderly_entry_shortest_name_first(index):
    assert codes(search(index, "laonian")) == ["MZ-0001", "YJS-002", "MZ-0002"]
    assert codes(search(index, "老年")) == ["MZ-0001", "YJS-002", "MZ-0002"]


def test_whole_alias_beats_part_of_a_name(index):
    hits = search(index, "残疾证")
    assert hits[0].item.code == "CL-0001" and hits[0].via == "残疾证"
    assert search(index, "长寿金")[0].item.code == "MZ-0003"


def test_heteronyms_every_reading_counts(index):
    assert search(index, "yinhang")[0].item.code == "RS-0001"      # 银行: 行 is hang here
    assert search(index, "yinxing")[0].item.code == "RS-0001"      # and xing elsewhere
    assert search(index, "chongxin")[0].item.code == "RS-0002"     # 重新
    assert search(index, "zhongxin")[0].item.code == "RS-0002"     # a citizen's misreading still finds it
    assert search(index, "changshoujin")[0].item.code == "MZ-0003"  # 长 is chang here, zhang elsewhere
    assert search(index, "zhangshou")[0].item.code == "MZ-0003"
    assert search(index, "youxianzeren")[0].item.code == "SC-0001"


def test_v_and_u_for_u_umlaut():
    data = catalogue_data(services=[*SERVICES, ("SF-0001", "律师执业证明", [], ["citizen"], ["social"], "rs")],
                          bundles=[])
    index = SearchIndex.build(parse_catalogue(data, "test.json"))
    for query in ("lvshi", "lushi", "lüshi", "LÜSHI", "lu:shi"):
        assert search(index, query)[0].item.code == "SF-0001", query


def test_full_width_and_spaces(index):
    assert search(index, "ＬＡＯＮＩＡＮ")[0].item.code == "MZ-0001"
    assert search(index, "ｌｎｒｙｄｚ")[0].item.code == "MZ-0001"
    assert search(index, "ＭＺ－０００１")[0].match == "code"
    assert search(index, "ＭＺ－０００１")[0].item.code == "MZ-0001"
    assert search(index, "　老年　优待证 ")[0].item.code == "MZ-0001"
    assert normalise("ＬａｏＮｉáｎ　Ü'") == "laoniánv"


def test_codes(index):
    assert codes(search(index, "mz-0002"))[0] == "MZ-0002"
    assert codes(search(index, "yjs001"))[0] == "YJS-001"
    typed_as_code = search(index, "MZ-")        # the hyphen says it is a code: codes first
    assert codes(typed_as_code)[:3] == ["MZ-0001", "MZ-0002", "MZ-0003"]
    assert {hit.match for hit in typed_as_code[:3]} == {"code"}
    assert codes(search(index, "mz00")) == ["MZ-0001", "MZ-0002", "MZ-0003"]
    could_be_pinyin = search(index, "mz")         # code prefixes rank below any name match
    assert {hit.match for hit in could_be_pinyin if hit.score < 0.6} == {"code"}
    assert {"MZ-0001", "MZ-0002", "MZ-0003"} <= set(codes(could_be_pinyin))
    assert set(codes(search(index, "0001"))) == {"MZ-0001", "CL-0001", "SC-0001", "RS-0001"}


@pytest.mark.parametrize("query", ["", "   ", "'", "qqqqqq", "xxxx", "zzzzzzzz", "!!!", "12345678", "асдф", "😀"])
def test_nothing_found(index, query):
    assert search(index, query) == []


def test_fuzzy_only_when_nothing_matches(index):
    # lnrydz matches exactly, so no fuzzy neighbours are mixed in
    assert {hit.match for hit in search(index, "lnrydz")} == {"initials"}
    assert search(index, "lq") == []        # too short to correct


def test_limit_and_audience(index):
    assert len(search(index, "l", limit=2)) == 2
    assert search(index, "laonian", limit=0) == []
    assert len(search(index, "l", limit=None)) > 2
    for_citizens = search(index, "gongsi", audience="citizen")
    assert "SC-0001" not in codes(for_citizens)
    # what matched only for enterprises does not stop the fuzzy pass for citizens
    assert for_citizens and all("citizen" in hit.item.audience and hit.match == "fuzzy" for hit in for_citizens)
    assert codes(search(index, "gongsi", audience="enterprise"))[0] == "SC-0001"
    with pytest.raises(ValueError):
        search(index, "x", audience="tourist")


def test_search_accepts_a_catalogue_and_keeps_its_index(catalogue):
    first = search(catalogue, "laonian")
    assert codes(first)[0] == "MZ-0001"
    from flows.search import index_for
    assert index_for(catalogue) is index_for(catalogue)


def test_hits_are_well_formed(index):
    for query in ("l", "老", "laonian", "mz", "gong", "ldyyz", "证"):
        hits = search(index, query, limit=None)
        assert len({hit.item.code for hit in hits}) == len(hits)
        assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)
        assert all(hit.match in MATCH_KINDS and 0 < hit.score <= 1 and hit.via for hit in hits)


def test_importing_search_does_not_import_pypinyin():
    import subprocess
    import sys
    code = "import sys, flows.search, flows.catalogue; print('pypinyin' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_search_is_fast(index):
    queries = ["老年", "laonian", "lnrydz", "ldyyz", "MZ-0001", "qqqqqq", "youdaizheng", "老年人优惠证"]
    for query in queries:
        search(index, query)
    start = time.perf_counter()
    for _ in range(20):
        for query in queries:
            search(index, query)
    per_query = (time.perf_counter() - start) / (20 * len(queries))
    assert per_query < 0.005      # generous: a loaded CI machine; bench/catalogue.py has the real figures


# ---------------------------------------------------------------------------------------- browsing


def test_browse_order_bundles_first_then_catalogue_order(catalogue):
    assert codes(browse(catalogue)) == ["YJS-001", "YJS-002"] + [code for code, *_ in SERVICES]
    assert isinstance(browse(catalogue)[0], Bundle) and isinstance(browse(catalogue)[-1], Service)


def test_browse_filters(catalogue):
    assert codes(browse(catalogue, theme="elderly")) == ["YJS-002", "MZ-0001", "MZ-0002", "MZ-0003"]
    assert codes(browse(catalogue, audience="enterprise")) == ["YJS-001", "SC-0001", "SC-0002"]
    assert codes(browse(catalogue, department="sc")) == ["YJS-001", "SC-0001", "SC-0002"]   # lead department
    assert codes(browse(catalogue, audience="citizen", theme="business")) == ["YJS-001", "SC-0002"]
    assert codes(browse(catalogue, theme="transport", department="mz")) == ["MZ-0002"]
    assert browse(catalogue, department="ga") == []
    for bad in ({"audience": "tourist"}, {"theme": "nope"}, {"department": "nope"}):
        with pytest.raises(ValueError):
            browse(catalogue, **bad)


def test_theme_and_department_counts(catalogue):
    assert [(theme.code, count) for theme, count in themes(catalogue)] == [
        ("elderly", 4), ("transport", 1), ("disability", 1), ("business", 3), ("social", 2)]
    assert [(theme.code, count) for theme, count in themes(catalogue, audience="enterprise")] == [("business", 3)]
    assert ("tax", 0) in [(theme.code, count) for theme, count in themes(catalogue, include_empty=True)]
    assert [(dept.code, count) for dept, count in departments(catalogue)] == [
        ("mz", 4), ("cl", 1), ("sc", 3), ("rs", 2)]
    assert [(dept.code, count) for dept, count in departments(catalogue, theme="elderly")] == [("mz", 4)]
    assert ("ga", 0) in [(dept.code, count) for dept, count in departments(catalogue, include_empty=True)]
    for theme, count in themes(catalogue, audience="citizen"):
        assert count == len(browse(catalogue, audience="citizen", theme=theme.code))
    for dept, count in departments(catalogue, audience="enterprise"):
        assert count == len(browse(catalogue, audience="enterprise", department=dept.code))


# -------------------------------------------------------------------------------------- properties


def spellings(name: str) -> tuple[str, str]:
    from pypinyin import Style, lazy_pinyin
    syllables = lazy_pinyin(normalise(name), style=Style.NORMAL, errors=lambda chunk: list(chunk))
    return "".join(syllables), "".join(syllable[0] for syllable in syllables)


def assert_found(index, item, query, kinds) -> None:
    hits = search(index, query, limit=None)
    assert item.code in codes(hits), (item.name, query)
    hit = next(hit for hit in hits if hit.item.code == item.code)
    assert hit.match in kinds, (item.name, query, hit)
    # first, unless another entry matches just as well (a shared alias, identical initials)
    assert hits[0].item.code == item.code or hits[0].score == hit.score, (item.name, query, hits[:3])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_entry_found_by_name_pinyin_initials_and_code(index, data):
    item = data.draw(st.sampled_from(index.items))
    full, initials = spellings(item.name)
    assert_found(index, item, item.name, {"text"})
    assert_found(index, item, full, {"pinyin"})
    assert_found(index, item, initials, {"initials", "pinyin"})
    assert_found(index, item, item.code.lower(), {"code"})
    assert search(index, item.name)[0].item.code == item.code
    assert search(index, full)[0].item.code == item.code


HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)


@settings(max_examples=40, deadline=None)
@given(names=st.lists(st.text(HAN, min_size=2, max_size=10), min_size=1, max_size=5, unique=True))
def test_random_names_are_found_by_name_pinyin_and_initials(names):
    entries = [(f"T-{i:04d}", name, [], ["citizen"], ["elderly"], "mz") for i, name in enumerate(names)]
    index = SearchIndex.build(parse_catalogue(catalogue_data(services=entries, bundles=[]), "random.json"))
    for item in index.items:
        full, initials = spellings(item.name)
        assert search(index, item.name)[0].item is item
        # among the hits: with random rare characters another name may have a reading that fits
        # better (a whole syllable where this one only has initials)
        assert item.code in codes(search(index, full, limit=None))
        assert item.code in codes(search(index, initials, limit=None))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=40))
def test_search_never_raises(index, text):
    hits = search(index, text)
    assert all(hit.match in MATCH_KINDS for hit in hits)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet="laonirydzqgh老年人优待证", max_size=15))
def test_search_never_raises_on_near_misses(index, text):
    search(index, text)


def osa_substring_reference(pattern: str, text: str) -> int:
    """Textbook dynamic programme: restricted Damerau-Levenshtein, free start and end in ``text``."""
    m, n = len(pattern), len(text)
    d = [[0] * (n + 1) for _ in range(m + 1)]
    for i in range(1, m + 1):
        d[i][0] = i
        for j in range(1, n + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (pattern[i - 1] != text[j - 1]))
            if i > 1 and j > 1 and pattern[i - 1] == text[j - 2] and pattern[i - 2] == text[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return min(d[m])


@settings(max_examples=500, deadline=None)
@given(pattern=st.text("abcd", min_size=1, max_size=12), text=st.text("abcde", max_size=20))
def test_bit_parallel_distance_is_the_textbook_one(pattern, text):
    assert _osa_substring_distance(_pattern_masks(pattern), len(pattern), text) == \
        osa_substring_reference(pattern, text)


def test_distance_examples():
    def distance(pattern, text):
        return _osa_substring_distance(_pattern_masks(pattern), len(pattern), text)
    assert distance("ldyyz", "lnydz") == 2
    assert distance("abc", "xxabcxx") == 0
    assert distance("acb", "xxabcxx") == 1       # one transposition
    assert distance("abc", "") == 3


# ------------------------------------------------------------------------------ shipped catalogue


@pytest.fixture(scope="module")
def shipped():
    try:
        return SearchIndex.build(load_catalogue())
    except CatalogueError as exc:
        pytest.skip(f"assets/catalogue/services.json does not load yet: {exc}")


def test_shipped_every_entry_found(shipped):
    for item in shipped.items:
        full, initials = spellings(item.name)
        assert_found(shipped, item, item.name, {"text"})
        assert_found(shipped, item, full, {"pinyin"})
        assert_found(shipped, item, initials, {"initials", "pinyin"})
        assert search(shipped, item.code)[0].item is item
        for alias in item.aliases:
            assert item.code in codes(search(shipped, alias, limit=None)), (item.name, alias)


def test_shipped_elderly_card(shipped):
    elderly = [item for item in shipped.items if isinstance(item, Service) and "老年人优待证" in item.name]
    if not elderly:
        pytest.skip("the shipped catalogue has no 老年人优待证 service")
    card = elderly[0]
    for query in ("ldyyz", "lnrydz", "优待证", "youdaizheng", "老年人优待证", card.code, *card.aliases):
        hits = search(shipped, query)
        assert hits[0].item is card, (query, [(hit.item.name, hit.score, hit.match) for hit in hits[:3]])
    # 老年 / laonian also fit a bundle with the card in it, as well as the card (same length, same
    # kind of match): the bundle comes first as in browsing, the card right after it
    for query in ("laonian", "老年", "lnr"):
        hits = search(shipped, query)
        first, *_ = [hit.item for hit in hits]
        assert first is card or (isinstance(first, Bundle) and card.code in first.services), query
        assert card in [hit.item for hit in hits[:2]], query


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=30))
def test_shipped_search_never_raises(shipped, text):
    search(shipped, text)


def test_shipped_browsing_adds_up(shipped):
    catalogue = shipped.catalogue
    assert len(browse(catalogue)) == len(catalogue.services) + len(catalogue.bundles)
    for audience in ("citizen", "enterprise", None):
        listed = browse(catalogue, audience=audience)
        assert sum(count for _, count in departments(catalogue, audience=audience)) == len(listed)
        for theme, count in themes(catalogue, audience=audience):
            assert count == len(browse(catalogue, audience=audience, theme=theme.code))
