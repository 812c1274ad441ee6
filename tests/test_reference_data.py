"""Reference data of the demo district and the default taxonomy (db/reference_data.py)."""

import ast
import dataclasses
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from db import reference_data as rd

CJK = re.compile(r"^[\u4e00-\u9fff]+$")
UPPER_SNAKE = re.compile(r"^[A-Z]+(_[A-Z]+)*$")
PHONE = re.compile(r"^1[3-9]\d{9}$")


def _unique(values):
    values = list(values)
    dupes = [v for v, n in Counter(values).items() if n > 1]
    assert not dupes, f"duplicates: {dupes}"


# --- counts (SPEC §2, §5.2) -------------------------------------------------------------------


def test_exact_counts():
    assert len(rd.STREETS) == 12
    assert len(rd.street_sections()) == 142
    assert len(rd.communities()) == 150
    assert len(rd.DEPARTMENTS) == 64
    assert len(rd.CATEGORIES) == 8
    assert len(rd.SUBCATEGORIES) == 33
    assert sum(len(c.subcategories) for c in rd.CATEGORIES) == 33


# --- streets, sections, communities ------------------------------------------------------------


def test_streets_in_seed_order():
    bases = ["向阳", "东山", "毓璜顶", "通伸", "凤凰台", "奇山", "白石", "芝罘岛", "黄务", "只楚", "世回尧", "幸福"]
    assert [s.name for s in rd.STREETS] == [b + "街道" for b in bases]
    assert [s.code for s in rd.STREETS] == [f"ST{i:02d}" for i in range(1, 13)]
    assert rd.STREETS[0].name_en == "Xiangyang Subdistrict"
    for s in rd.STREETS:
        assert s.name_en.endswith(" Subdistrict") and s.name_en.isascii()
    _unique(s.name_en for s in rd.STREETS)
    assert dict(rd.STREETS_BY_CODE) == {s.code: s for s in rd.STREETS}


def test_street_sections():
    sections = rd.street_sections()
    street_codes = {s.code for s in rd.STREETS}
    _unique(s.code for s in sections)
    _unique(s.full_name for s in sections)
    _unique((s.street_code, s.name) for s in sections)
    _unique((s.street_code, s.name_en) for s in sections)
    per_street = Counter(s.street_code for s in sections)
    assert set(per_street) == street_codes
    assert all(n in (11, 12) for n in per_street.values())
    for s in sections:
        assert CJK.match(s.name) and s.name_en.isascii() and s.name_en
        assert s.code.startswith(s.street_code + "-")
        assert s.full_name == rd.STREETS_BY_CODE[s.street_code].name + s.name
    names = {s.name for s in sections}
    for expected in ("党政办公室", "社区建设办公室", "城市管理办公室", "综合执法中队", "民生保障办公室",
                     "平安建设办公室", "经济发展办公室", "应急管理办公室", "退役军人服务站",
                     "党群服务中心", "便民服务中心"):
        assert expected in names


def test_communities():
    comms = rd.communities()
    assert [c.code for c in comms] == [f"C{i:03d}" for i in range(1, 151)]
    _unique(c.name for c in comms)
    _unique(c.name_en for c in comms)
    street_codes = {s.code for s in rd.STREETS}
    per_street = Counter(c.street_code for c in comms)
    assert set(per_street) == street_codes
    assert all(10 <= n <= 15 for n in per_street.values()), per_street
    for c in comms:
        assert c.name.endswith("社区") and len(c.name) >= 4 and CJK.match(c.name)
        assert c.name_en.endswith(" Community") and c.name_en.isascii()
        assert c.name_en[0].isupper()


@pytest.mark.parametrize(
    "community,street",
    [
        ("新桥东社区", "凤凰台街道"),
        ("上夼西路社区", "奇山街道"),
        ("塔山社区", "奇山街道"),
        ("大海阳社区", "毓璜顶街道"),
        ("进德社区", "东山街道"),
        ("三里桥社区", "芝罘岛街道"),
        ("胜利路社区", "向阳街道"),
        ("福泰社区", "幸福街道"),
    ],
)
def test_seed_communities_on_their_streets(community, street):
    by_name = {c.name: c for c in rd.communities()}
    assert community in by_name
    assert rd.STREETS_BY_CODE[by_name[community].street_code].name == street


def test_pinyin():
    assert rd.pinyin("大海阳") == "dahaiyang"
    assert rd.pinyin("海岸") == "hai'an"
    assert {c.name: c.name_en for c in rd.communities()}["胜利路社区"] == "Shengli Road Community"


# --- departments -------------------------------------------------------------------------------


def test_departments():
    assert [d.code for d in rd.DEPARTMENTS] == [f"D{i:02d}" for i in range(1, 65)]
    _unique(d.name for d in rd.DEPARTMENTS)
    _unique(d.name_en for d in rd.DEPARTMENTS)
    names = {d.name for d in rd.DEPARTMENTS}
    for required in (
        "区城市管理局", "公安芝罘分局", "区住房和城乡建设局", "区民政局", "区卫生健康局", "区医疗保障局",
        "区教育和体育局", "区交通运输局", "区人力资源和社会保障局", "区司法局", "区市场监督管理局",
        "区生态环境分局", "区应急管理局", "区残疾人联合会",
        "区发展和改革局", "区财政局", "区自然资源局", "区水务局", "区商务局", "区文化和旅游局",
        "区退役军人事务局", "区审计局", "区统计局", "区信访局", "区行政审批服务局", "区农业农村局",
        "区科技局", "区总工会", "团区委", "区妇联", "区消防救援大队", "区供电中心", "区税务局",
        "区综合行政执法大队",
    ):
        assert required in names, required
    for d in rd.DEPARTMENTS:
        assert CJK.match(d.name) and d.name_en.isascii() and d.name_en
    assert rd.DEPARTMENTS_BY_NAME["区城市管理局"].code == "D01"


# --- taxonomy ----------------------------------------------------------------------------------

SPEC_TAXONOMY = [
    ("居住环境", ["环境卫生", "私搭乱建", "占道经营", "绿化养护", "噪音扰民", "流浪动物"]),
    ("城建住房", ["下水管道", "供水供暖", "物业管理", "老旧小区改造", "房屋安全"]),
    ("民事调解", ["邻里纠纷", "家庭纠纷", "物业纠纷", "劳资纠纷"]),
    ("健康养老", ["居家养老", "助餐助浴", "失智关爱", "孤寡老人帮扶"]),
    ("医疗卫生", ["就医服务", "疫苗防疫", "公共卫生", "医保报销"]),
    ("群众教育", ["入学入托", "课后托管", "社区培训"]),
    ("交通出行", ["停车管理", "道路设施", "公交出行", "共享单车"]),
    ("就业保障", ["就业帮扶", "社会救助", "残疾人帮扶"]),
]


def test_taxonomy_matches_spec_order():
    assert [(c.name, [s.name for s in c.subcategories]) for c in rd.CATEGORIES] == SPEC_TAXONOMY
    assert rd.SUBCATEGORIES == tuple(s for c in rd.CATEGORIES for s in c.subcategories)


def test_taxonomy_codes_and_names():
    _unique(c.code for c in rd.CATEGORIES)
    _unique(c.name for c in rd.CATEGORIES)
    _unique(c.name_en for c in rd.CATEGORIES)
    _unique(s.code for s in rd.SUBCATEGORIES)
    _unique(s.name for s in rd.SUBCATEGORIES)
    _unique(s.name_en for s in rd.SUBCATEGORIES)
    for c in rd.CATEGORIES:
        assert UPPER_SNAKE.match(c.code) and c.name_en.isascii()
        for s in c.subcategories:
            assert UPPER_SNAKE.match(s.code), s.code
            assert s.category_code == c.code and s.code.startswith(c.code + "_")
            assert s.name_en.isascii() and s.name_en
    assert dict(rd.SUBCATEGORIES_BY_CODE) == {s.code: s for s in rd.SUBCATEGORIES}


def test_routing_table():
    for s in rd.SUBCATEGORIES:
        assert s.department_code in rd.DEPARTMENTS_BY_CODE, s
    dept = {s.name: rd.DEPARTMENTS_BY_CODE[s.department_code].name for s in rd.SUBCATEGORIES}
    assert dept["私搭乱建"] == "区城市管理局"
    assert dept["占道经营"] == "区城市管理局"
    assert dept["噪音扰民"] == "区生态环境分局"
    assert dept["下水管道"] in ("区住房和城乡建设局", "区水务局")
    assert dept["医保报销"] == "区医疗保障局"
    assert dept["劳资纠纷"] == "区人力资源和社会保障局"
    assert dept["邻里纠纷"] == "区司法局"
    assert dept["社会救助"] == "区民政局"
    assert dept["残疾人帮扶"] == "区残疾人联合会"
    assert dept["入学入托"] == "区教育和体育局"


def test_default_deadlines():
    for s in rd.SUBCATEGORIES:
        assert s.triage_minutes == 30
        assert s.major_response_hours == 2
        assert s.major_resolve_working_days == 5
        assert s.minor_a_hours == 24
        assert s.minor_c_progress_days == 7
        assert s.private_response_hours == 48
    # editable per subcategory: a copy with another deadline is a plain value
    changed = dataclasses.replace(rd.SUBCATEGORIES[0], major_response_hours=4)
    assert changed.major_response_hours == 4 and rd.SUBCATEGORIES[0].major_response_hours == 2


def test_keywords():
    for s in rd.SUBCATEGORIES:
        assert isinstance(s.keywords, tuple)
        assert 5 <= len(s.keywords) <= 10, s.name
        _unique(s.keywords)
        assert all(CJK.match(k) for k in s.keywords), s.keywords
        assert any(len(k) == 2 for k in s.keywords), s.name
    kw = {s.name: s.keywords for s in rd.SUBCATEGORIES}
    assert {"违建", "私搭", "乱建", "违章", "搭建"} <= set(kw["私搭乱建"])
    assert {"噪音", "噪声", "吵", "扰民", "广场舞"} <= set(kw["噪音扰民"])
    assert {"下水道", "堵塞", "污水", "管道", "返味"} <= set(kw["下水管道"])
    # keywords do not point to two different subcategories
    _unique(k for s in rd.SUBCATEGORIES for k in s.keywords)


# --- people and addresses ----------------------------------------------------------------------


def test_name_lists():
    _unique(rd.SURNAMES)
    _unique(rd.GIVEN_NAMES)
    assert len(rd.SURNAMES) == len(rd.SURNAME_WEIGHTS)
    assert all(w > 0 for w in rd.SURNAME_WEIGHTS)
    assert rd.SURNAMES[:4] == ("王", "李", "张", "刘")
    for common in ("王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "孙"):
        assert common in rd.SURNAMES
    assert all(CJK.match(g) and 1 <= len(g) <= 2 for g in rd.GIVEN_NAMES)


def test_person_names_well_formed_and_varied():
    names = [rd.person_name(i) for i in range(5000)]
    for n in names:
        assert CJK.match(n) and 2 <= len(n) <= 3, n
        assert n[0] in rd.SURNAMES and n[1:] in rd.GIVEN_NAMES
    assert len(set(names)) > 2500
    assert len(set(names[:20])) == 20
    surname_counts = Counter(n[0] for n in names)
    assert surname_counts["王"] > surname_counts["吴"]  # weighted by frequency
    assert len(surname_counts) > 40


def test_phones_valid_and_unique():
    phones = [rd.phone(i) for i in range(30000)]
    assert all(PHONE.match(p) for p in phones)
    _unique(phones)
    assert len({p[:3] for p in phones}) > 10


def test_addresses():
    _unique(rd.BUILDING_ROAD_NAMES)
    for road in ("南大街", "北马路", "胜利路", "解放路", "毓璜顶东路", "幸福南路", "只楚路", "芝罘屯路",
                 "青年南路", "西关南街"):
        assert road in rd.BUILDING_ROAD_NAMES
    pattern = re.compile(r"^(?P<road>[\u4e00-\u9fff]+?)(?P<no>[1-9]\d*)号(?P<bld>[1-9]\d*)号楼$")
    for i in range(2000):
        m = pattern.match(rd.building_address(i))
        assert m and m["road"] in rd.BUILDING_ROAD_NAMES
        assert re.match(r"^[1-9]单元[1-9]0[1-9]室$", rd.unit_room(i))
    assert re.match(r"^胜利路[1-9]\d*号[1-9]\d*号楼$", rd.building_address(7, "胜利路"))
    assert len({rd.building_address(i) for i in range(2000)}) > 1500


# --- purity, immutability, determinism ---------------------------------------------------------


def test_determinism_within_process():
    assert rd.street_sections() == rd.street_sections()
    assert rd.communities() == rd.communities()
    assert [rd.person_name(i) for i in range(300)] == [rd.person_name(i) for i in range(300)]
    assert [rd.phone(i) for i in range(300)] == [rd.phone(i) for i in range(300)]
    assert [rd.building_address(i) for i in range(300)] == [rd.building_address(i) for i in range(300)]


def test_determinism_across_processes():
    code = (
        "from db import reference_data as rd;"
        "print(repr((rd.STREETS, rd.street_sections(), rd.communities(), rd.DEPARTMENTS, rd.CATEGORIES,"
        "[rd.person_name(i) for i in range(200)], [rd.phone(i) for i in range(200)],"
        "[rd.building_address(i) for i in range(200)], [rd.unit_room(i) for i in range(200)])))"
    )
    root = Path(__file__).resolve().parents[1]
    outs = {
        subprocess.run(
            [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outs) == 1


def test_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        rd.STREETS[0].name = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        rd.SUBCATEGORIES[0].department_code = "D02"  # type: ignore[misc]
    with pytest.raises(TypeError):
        rd.DEPARTMENTS_BY_CODE["D99"] = rd.DEPARTMENTS[0]  # type: ignore[index]


def test_stdlib_only():
    tree = ast.parse(Path(rd.__file__).read_text(encoding="utf-8"))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0
            modules.add(node.module.split(".")[0])
    assert modules <= set(sys.stdlib_module_names) | {"__future__"}, modules
