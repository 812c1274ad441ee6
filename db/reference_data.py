"""Deterministic reference data for the demo district (芝罘区, Yantai) and the default taxonomy.

Pure data: standard library only, no database code. Everything here is immutable (frozen
dataclasses, tuples, read-only mappings) and deterministic — calling any function twice, in any
process, gives equal results (no ``hash()``, no ``random``, no clock).

Contents (see SPEC §2, §4, §5.2, §5.5):

* ``STREETS`` — the 12 streets 街道 (``ST01`` … ``ST12``).
* ``street_sections()`` — the 142 street sections 科室 (11 or 12 per street).
* ``communities()`` — the 150 communities 社区 (``C001`` … ``C150``), incl. the 8 the seed names.
* ``DEPARTMENTS`` — the 64 district departments 区直部门 (``D01`` … ``D64``).
* ``CATEGORIES`` / ``SUBCATEGORIES`` — the 8 categories and 33 subcategories with routing
  (default responsible department), default deadlines and classification keywords.
* ``SURNAMES`` / ``SURNAME_WEIGHTS`` / ``GIVEN_NAMES`` with ``person_name(i)`` and ``phone(i)``.
* ``BUILDING_ROAD_NAMES`` with ``building_address(i, road)`` and ``unit_room(i)``.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import cache
from itertools import accumulate
from types import MappingProxyType
from typing import Mapping

__all__ = [
    "Street",
    "StreetSection",
    "Community",
    "Department",
    "Subcategory",
    "Category",
    "STREETS",
    "STREETS_BY_CODE",
    "SECTION_TEMPLATES",
    "street_sections",
    "communities",
    "pinyin",
    "DEPARTMENTS",
    "DEPARTMENTS_BY_CODE",
    "DEPARTMENTS_BY_NAME",
    "CATEGORIES",
    "SUBCATEGORIES",
    "SUBCATEGORIES_BY_CODE",
    "DEFAULT_TRIAGE_MINUTES",
    "DEFAULT_MAJOR_RESPONSE_HOURS",
    "DEFAULT_MAJOR_RESOLVE_WORKING_DAYS",
    "DEFAULT_MINOR_A_HOURS",
    "DEFAULT_MINOR_C_PROGRESS_DAYS",
    "DEFAULT_PRIVATE_RESPONSE_HOURS",
    "SURNAMES",
    "SURNAME_WEIGHTS",
    "GIVEN_NAMES",
    "person_name",
    "phone",
    "BUILDING_ROAD_NAMES",
    "building_address",
    "unit_room",
]


# ---------------------------------------------------------------------------------------------
# Types
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Street:
    code: str  # "ST01"
    name: str  # "向阳街道"
    name_en: str  # "Xiangyang Subdistrict"


@dataclass(frozen=True, slots=True)
class StreetSection:
    code: str  # "ST01-01"
    name: str  # "党政办公室" (unique within its street)
    name_en: str  # "Party and Government Office"
    street_code: str  # "ST01"

    @property
    def full_name(self) -> str:
        """Globally unique display name, e.g. "向阳街道党政办公室"."""
        return STREETS_BY_CODE[self.street_code].name + self.name

    @property
    def full_name_en(self) -> str:
        return f"{STREETS_BY_CODE[self.street_code].name_en} {self.name_en}"


@dataclass(frozen=True, slots=True)
class Community:
    code: str  # "C001"
    name: str  # "胜利路社区"
    name_en: str  # "Shengli Road Community"
    street_code: str  # "ST01"


@dataclass(frozen=True, slots=True)
class Department:
    code: str  # "D01"
    name: str  # "区城市管理局"
    name_en: str  # "District Urban Management Bureau"


# Default deadlines, SPEC §5.5 (each subcategory carries its own editable copy).
DEFAULT_TRIAGE_MINUTES = 30
DEFAULT_MAJOR_RESPONSE_HOURS = 2
DEFAULT_MAJOR_RESOLVE_WORKING_DAYS = 5
DEFAULT_MINOR_A_HOURS = 24
DEFAULT_MINOR_C_PROGRESS_DAYS = 7
DEFAULT_PRIVATE_RESPONSE_HOURS = 48


@dataclass(frozen=True, slots=True)
class Subcategory:
    code: str  # "LIVING_ILLEGAL_STRUCTURE"
    name: str  # "私搭乱建"
    name_en: str  # "Illegal structures"
    category_code: str  # "LIVING"
    department_code: str  # default responsible department (routing table), e.g. "D01"
    keywords: tuple[str, ...]  # Chinese keywords for text classification
    triage_minutes: int = DEFAULT_TRIAGE_MINUTES
    major_response_hours: int = DEFAULT_MAJOR_RESPONSE_HOURS
    major_resolve_working_days: int = DEFAULT_MAJOR_RESOLVE_WORKING_DAYS
    minor_a_hours: int = DEFAULT_MINOR_A_HOURS
    minor_c_progress_days: int = DEFAULT_MINOR_C_PROGRESS_DAYS
    private_response_hours: int = DEFAULT_PRIVATE_RESPONSE_HOURS


@dataclass(frozen=True, slots=True)
class Category:
    code: str  # "LIVING"
    name: str  # "居住环境"
    name_en: str  # "Living environment"
    subcategories: tuple[Subcategory, ...]


# ---------------------------------------------------------------------------------------------
# Pinyin for every character used in generated place names (English names are derived from it)
# ---------------------------------------------------------------------------------------------

_PINYIN: Mapping[str, str] = MappingProxyType(
    {
        "安": "an", "岸": "an", "白": "bai", "宝": "bao", "北": "bei", "滨": "bin", "埠": "bu",
        "长": "chang", "朝": "chao", "城": "cheng", "崇": "chong", "楚": "chu", "翠": "cui", "大": "da",
        "达": "da", "岱": "dai", "丹": "dan", "岛": "dao", "德": "de", "顶": "ding", "东": "dong",
        "二": "er", "方": "fang", "丰": "feng", "凤": "feng", "峰": "feng", "福": "fu", "罘": "fu",
        "港": "gang", "宫": "gong", "沟": "gou", "关": "guan", "广": "guang", "桂": "gui", "海": "hai",
        "河": "he", "宏": "hong", "洪": "hong", "红": "hong", "后": "hou", "化": "hua",
        "华": "hua", "环": "huan", "凰": "huang", "璜": "huang", "黄": "huang", "回": "hui", "惠": "hui",
        "汇": "hui", "玑": "ji", "纪": "ji", "嘉": "jia", "夹": "jia", "家": "jia", "建": "jian",
        "郊": "jiao", "街": "jie", "进": "jin", "金": "jin", "锦": "jin", "井": "jing", "景": "jing",
        "康": "kang", "孔": "kong", "口": "kou", "夼": "kuang", "乐": "le", "利": "li", "里": "li",
        "岭": "ling", "隆": "long", "龙": "long", "路": "lu", "鲁": "lu", "马": "ma", "门": "men",
        "庙": "miao", "民": "min", "鸣": "ming", "南": "nan", "年": "nian", "炮": "pao", "屏": "ping",
        "平": "ping", "葡": "pu", "奇": "qi", "旗": "qi", "桥": "qiao", "庆": "qing", "清": "qing",
        "青": "qing", "泉": "quan", "仁": "ren", "瑞": "rui", "润": "run", "三": "san", "沙": "sha",
        "山": "shan", "上": "shang", "伸": "shen", "盛": "sheng", "胜": "sheng", "世": "shi", "石": "shi",
        "双": "shuang", "顺": "shun", "所": "suo", "塔": "ta", "台": "tai", "太": "tai", "泰": "tai",
        "滩": "tan", "桃": "tao", "萄": "tao", "通": "tong", "疃": "tuan", "湾": "wan", "旺": "wang",
        "望": "wang", "伟": "wei", "纬": "wei", "文": "wen", "卧": "wo", "务": "wu", "西": "xi",
        "向": "xiang", "祥": "xiang", "翔": "xiang", "新": "xin", "鑫": "xin", "兴": "xing", "幸": "xing",
        "绣": "xiu", "杨": "yang", "阳": "yang", "尧": "yao", "业": "ye", "永": "yong", "毓": "yu",
        "渔": "yu", "玉": "yu", "园": "yuan", "源": "yuan", "苑": "yuan", "韵": "yun", "泽": "ze",
        "站": "zhan", "赵": "zhao", "振": "zhen", "只": "zhi", "芝": "zhi", "中": "zhong", "主": "zhu",
        "珠": "zhu", "庄": "zhuang",
    }
)


def pinyin(text: str) -> str:
    """Toneless pinyin of ``text`` (characters joined, apostrophe before a/o/e syllables)."""
    out: list[str] = []
    for ch in text:
        syl = _PINYIN[ch]
        if out and syl[0] in "aoe":
            out.append("'")
        out.append(syl)
    return "".join(out)


def _place_en(name: str) -> str:
    """English rendering of a place name: "胜利路" → "Shengli Road", "塔山" → "Tashan"."""
    for suffix, word in (("路", "Road"), ("街", "Street")):
        if name.endswith(suffix) and len(name) > 2:
            return f"{pinyin(name[:-1]).capitalize()} {word}"
    return pinyin(name).capitalize()


# ---------------------------------------------------------------------------------------------
# Streets (12) — SPEC §2, in the seed's order
# ---------------------------------------------------------------------------------------------

_STREET_BASES = (
    "向阳", "东山", "毓璜顶", "通伸", "凤凰台", "奇山", "白石", "芝罘岛", "黄务", "只楚", "世回尧", "幸福",
)
_STREET_PINYIN = (
    "Xiangyang", "Dongshan", "Yuhuangding", "Tongshen", "Fenghuangtai", "Qishan",
    "Baishi", "Zhifudao", "Huangwu", "Zhichu", "Shihuiyao", "Xingfu",
)

STREETS: tuple[Street, ...] = tuple(
    Street(code=f"ST{i:02d}", name=f"{base}街道", name_en=f"{en} Subdistrict")
    for i, (base, en) in enumerate(zip(_STREET_BASES, _STREET_PINYIN), start=1)
)
STREETS_BY_CODE: Mapping[str, Street] = MappingProxyType({s.code: s for s in STREETS})
_STREET_CODE_BY_BASE = {base: s.code for base, s in zip(_STREET_BASES, STREETS)}


# ---------------------------------------------------------------------------------------------
# Street sections 科室 (142 = 10 streets × 12 + 2 streets × 11)
# ---------------------------------------------------------------------------------------------

SECTION_TEMPLATES: tuple[tuple[str, str], ...] = (
    ("党政办公室", "Party and Government Office"),
    ("党群服务中心", "Party-Masses Service Center"),
    ("社区建设办公室", "Community Development Office"),
    ("城市管理办公室", "Urban Management Office"),
    ("综合执法中队", "Comprehensive Law Enforcement Squadron"),
    ("民生保障办公室", "Livelihood Security Office"),
    ("平安建设办公室", "Public Safety and Order Office"),
    ("应急管理办公室", "Emergency Management Office"),
    ("便民服务中心", "Convenience Service Center"),
    ("退役军人服务站", "Veterans Service Station"),
    ("经济发展办公室", "Economic Development Office"),
    ("规划建设办公室", "Planning and Construction Office"),
)
# The two smallest streets (the island and the most suburban one) have no planning office.
_STREETS_WITH_11_SECTIONS = frozenset({"ST08", "ST11"})


@cache
def street_sections() -> tuple[StreetSection, ...]:
    """The 142 street sections, street by street, ``ST01-01`` … ``ST12-12``."""
    out: list[StreetSection] = []
    for street in STREETS:
        n = 11 if street.code in _STREETS_WITH_11_SECTIONS else 12
        for j, (name, name_en) in enumerate(SECTION_TEMPLATES[:n], start=1):
            out.append(StreetSection(f"{street.code}-{j:02d}", name, name_en, street.code))
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# Communities 社区 (150). The seed's eight come first on their street; the rest are plausible
# Yantai-style names (road names, old villages 疃/夼/庄, 福- names in 幸福 …), fixed so that the
# demo district is identical on every run.
# ---------------------------------------------------------------------------------------------

_COMMUNITY_BASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("向阳", ("胜利路", "海岸路", "大马路", "北马路", "朝阳街", "广仁路", "南洪街", "环海路",
              "北大街", "西南河", "顺泰街", "太平街", "丹桂街", "庆安")),                       # 14
    ("东山", ("进德", "东山", "所城", "滨海", "葡萄山", "建德", "崇德", "海韵", "东炮台",
              "望海", "金沙滩", "滨海路", "安德")),                                           # 13
    ("毓璜顶", ("大海阳", "毓东", "毓西", "新海阳", "璜山", "南山路", "文化路", "青年路",
                "二马路", "毓华", "上尧", "南大街", "西南山", "翠屏", "振华")),                # 15
    ("通伸", ("通伸", "通世", "西关", "新世纪", "二纬路", "三纬路", "通达", "兴隆街", "宏伟",
              "西山", "金城", "惠安")),                                                     # 12
    ("凤凰台", ("新桥东", "新桥西", "凤凰台", "凤鸣", "凤翔", "港城", "丰泽", "西郊",
                "红旗西路", "宝源", "锦绣", "夹河", "长安")),                                  # 13
    ("奇山", ("上夼西路", "塔山", "奇山", "上夼东路", "双井", "南通路", "奇泉", "三站", "南苑",
              "瑞丰", "河东", "清泉", "桃园", "青龙")),                                       # 14
    ("白石", ("白石", "黄金顶", "金桥", "石门", "红旗中路", "新石", "珠玑", "双河", "东方",
              "景华", "盛泉")),                                                             # 11
    ("芝罘岛", ("三里桥", "芝罘岛", "大疃", "西口", "东口", "岛南", "渔港", "阳主", "海湾",
                "汇海")),                                                                   # 10
    ("黄务", ("黄务", "北庄", "南庄", "卧龙", "西沙旺", "东沙旺", "庙后", "青年南路", "赵家",
              "宫家岛", "孔家滩", "鲁家")),                                                  # 12
    ("只楚", ("只楚", "楚峰", "福源", "杨家", "泉源", "南只楚", "北只楚", "楚翔", "玉岱",
              "兴业", "金岭")),                                                             # 11
    ("世回尧", ("世回尧", "尧东", "尧西", "沟里", "黄埠", "南台", "北台", "文峰", "鑫城",
                "嘉园")),                                                                   # 10
    ("幸福", ("福泰", "福新", "福海", "福民", "福安", "福华", "福康", "福兴", "福德", "福乐",
              "幸福里", "港湾", "福祥", "福润", "永安")),                                      # 15
)


@cache
def communities() -> tuple[Community, ...]:
    """The 150 communities, street by street, ``C001`` … ``C150``."""
    out: list[Community] = []
    for street_base, bases in _COMMUNITY_BASES:
        street_code = _STREET_CODE_BY_BASE[street_base]
        for base in bases:
            out.append(
                Community(
                    code=f"C{len(out) + 1:03d}",
                    name=f"{base}社区",
                    name_en=f"{_place_en(base)} Community",
                    street_code=street_code,
                )
            )
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# District departments 区直部门 (64)
# ---------------------------------------------------------------------------------------------

_DEPARTMENT_NAMES: tuple[tuple[str, str], ...] = (
    # named by SPEC §4 (routing table and the seed's cases)
    ("区城市管理局", "District Urban Management Bureau"),
    ("公安芝罘分局", "Zhifu Public Security Sub-bureau"),
    ("区住房和城乡建设局", "District Housing and Urban-Rural Development Bureau"),
    ("区民政局", "District Civil Affairs Bureau"),
    ("区卫生健康局", "District Health Bureau"),
    ("区医疗保障局", "District Healthcare Security Bureau"),
    ("区教育和体育局", "District Education and Sports Bureau"),
    ("区交通运输局", "District Transport Bureau"),
    ("区人力资源和社会保障局", "District Human Resources and Social Security Bureau"),
    ("区司法局", "District Justice Bureau"),
    ("区市场监督管理局", "District Market Supervision Administration"),
    ("区生态环境分局", "District Ecology and Environment Sub-bureau"),
    ("区应急管理局", "District Emergency Management Bureau"),
    ("区残疾人联合会", "District Disabled Persons' Federation"),
    # the rest of a Chinese district's bodies
    ("区发展和改革局", "District Development and Reform Bureau"),
    ("区财政局", "District Finance Bureau"),
    ("区自然资源局", "District Natural Resources Bureau"),
    ("区水务局", "District Water Affairs Bureau"),
    ("区商务局", "District Commerce Bureau"),
    ("区文化和旅游局", "District Culture and Tourism Bureau"),
    ("区退役军人事务局", "District Veterans Affairs Bureau"),
    ("区审计局", "District Audit Bureau"),
    ("区统计局", "District Statistics Bureau"),
    ("区信访局", "District Letters and Visits Bureau"),
    ("区行政审批服务局", "District Administrative Approval Service Bureau"),
    ("区农业农村局", "District Agriculture and Rural Affairs Bureau"),
    ("区科技局", "District Science and Technology Bureau"),
    ("区工业和信息化局", "District Industry and Information Technology Bureau"),
    ("区民族宗教事务局", "District Ethnic and Religious Affairs Bureau"),
    ("区总工会", "District Federation of Trade Unions"),
    ("团区委", "District Committee of the Communist Youth League"),
    ("区妇联", "District Women's Federation"),
    ("区工商业联合会", "District Federation of Industry and Commerce"),
    ("区科学技术协会", "District Association for Science and Technology"),
    ("区红十字会", "District Red Cross Society"),
    ("区慈善总会", "District Charity Federation"),
    ("区消防救援大队", "District Fire and Rescue Brigade"),
    ("区供电中心", "District Power Supply Center"),
    ("区税务局", "District Taxation Bureau"),
    ("区综合行政执法大队", "District Comprehensive Administrative Law Enforcement Brigade"),
    ("公安芝罘交警大队", "Zhifu Traffic Police Brigade"),
    ("区人民防空办公室", "District Civil Air Defense Office"),
    ("区国有资产事务服务中心", "District State-owned Assets Affairs Service Center"),
    ("区机关事务服务中心", "District Government Offices Administration Center"),
    ("区大数据中心", "District Big Data Center"),
    ("区融媒体中心", "District Convergent Media Center"),
    ("区档案馆", "District Archives"),
    ("区住房保障服务中心", "District Housing Security Service Center"),
    ("区物业管理服务中心", "District Property Management Service Center"),
    ("区环境卫生服务中心", "District Environmental Sanitation Service Center"),
    ("区园林绿化服务中心", "District Landscaping and Greening Service Center"),
    ("区市政工程服务中心", "District Municipal Engineering Service Center"),
    ("区供热管理办公室", "District Heating Management Office"),
    ("区数字化城市管理指挥中心", "District Digital Urban Management Command Center"),
    ("区社会保险事业中心", "District Social Insurance Center"),
    ("区公共就业和人才服务中心", "District Public Employment and Talent Service Center"),
    ("区疾病预防控制中心", "District Center for Disease Control and Prevention"),
    ("区妇幼保健院", "District Maternal and Child Health Hospital"),
    ("区社会福利中心", "District Social Welfare Center"),
    ("区老龄工作委员会办公室", "District Office of the Committee on Ageing"),
    ("区法律援助中心", "District Legal Aid Center"),
    ("区矛盾纠纷多元化解中心", "District Multi-channel Dispute Resolution Center"),
    ("区公证处", "District Notary Office"),
    ("区投资促进服务中心", "District Investment Promotion Service Center"),
)

DEPARTMENTS: tuple[Department, ...] = tuple(
    Department(code=f"D{i:02d}", name=name, name_en=name_en)
    for i, (name, name_en) in enumerate(_DEPARTMENT_NAMES, start=1)
)
DEPARTMENTS_BY_CODE: Mapping[str, Department] = MappingProxyType({d.code: d for d in DEPARTMENTS})
DEPARTMENTS_BY_NAME: Mapping[str, Department] = MappingProxyType({d.name: d for d in DEPARTMENTS})


def _dept(name: str) -> str:
    return DEPARTMENTS_BY_NAME[name].code


# ---------------------------------------------------------------------------------------------
# Taxonomy (SPEC §5.2): 8 categories, 33 subcategories, in the spec's order.
# Each subcategory: code, name, English name, default department (routing), keywords.
# ---------------------------------------------------------------------------------------------

_TAXONOMY: tuple[tuple[str, str, str, tuple[tuple[str, str, str, str, tuple[str, ...]], ...]], ...] = (
    ("LIVING", "居住环境", "Living environment", (
        ("SANITATION", "环境卫生", "Environmental sanitation", "区环境卫生服务中心",
         ("垃圾", "卫生", "脏乱", "清扫", "保洁", "垃圾桶", "清运", "乱扔")),
        ("ILLEGAL_STRUCTURE", "私搭乱建", "Illegal structures", "区城市管理局",
         ("违建", "私搭", "乱建", "违章", "搭建", "违法建设", "彩钢", "棚子")),
        ("STREET_VENDING", "占道经营", "Street vending and encroachment", "区城市管理局",
         ("占道", "摆摊", "摊贩", "流动摊", "出店经营", "小贩", "夜市")),
        ("GREENING", "绿化养护", "Greening maintenance", "区园林绿化服务中心",
         ("绿化", "树木", "修剪", "草坪", "枯树", "树枝", "花坛", "绿地")),
        ("NOISE", "噪音扰民", "Noise nuisance", "区生态环境分局",
         ("噪音", "噪声", "吵", "扰民", "广场舞", "施工", "装修", "喇叭")),
        ("STRAY_ANIMALS", "流浪动物", "Stray animals", "公安芝罘分局",
         ("流浪狗", "流浪猫", "野狗", "犬只", "咬人", "遛狗", "狗粪")),
    )),
    ("HOUSING", "城建住房", "Construction and housing", (
        ("SEWER", "下水管道", "Sewer pipes", "区水务局",
         ("下水道", "堵塞", "污水", "管道", "返味", "疏通", "排水", "化粪池", "冒水")),
        ("WATER_HEATING", "供水供暖", "Water supply and heating", "区供热管理办公室",
         ("停水", "水压", "自来水", "供暖", "暖气", "不热", "供热", "水管")),
        ("PROPERTY_MANAGEMENT", "物业管理", "Property management", "区物业管理服务中心",
         ("物业", "电梯", "门禁", "楼道", "维修基金", "保安", "无物业")),
        ("OLD_COMMUNITY_RENOVATION", "老旧小区改造", "Old community renovation", "区住房和城乡建设局",
         ("老旧小区", "改造", "加装电梯", "外墙", "保温", "管网", "楼顶")),
        ("HOUSING_SAFETY", "房屋安全", "Housing safety", "区住房和城乡建设局",
         ("危房", "裂缝", "漏雨", "渗水", "墙皮", "脱落", "倾斜", "房屋安全")),
    )),
    ("MEDIATION", "民事调解", "Civil mediation", (
        ("NEIGHBOR", "邻里纠纷", "Neighbour disputes", "区司法局",
         ("邻居", "邻里", "楼上", "楼下", "对门", "矛盾", "吵架", "纠纷")),
        ("FAMILY", "家庭纠纷", "Family disputes", "区司法局",
         ("家庭", "夫妻", "婆媳", "赡养", "离婚", "子女", "家暴", "遗产")),
        ("PROPERTY_DISPUTE", "物业纠纷", "Property management disputes", "区住房和城乡建设局",
         ("物业纠纷", "业主", "物业公司", "物业费", "业委会", "欠费", "乱收费")),
        ("LABOR", "劳资纠纷", "Labour disputes", "区人力资源和社会保障局",
         ("欠薪", "工资", "拖欠", "讨薪", "劳动合同", "老板", "辞退", "加班费")),
    )),
    ("ELDERLY", "健康养老", "Health and elderly care", (
        ("HOME_CARE", "居家养老", "Home-based elderly care", "区民政局",
         ("养老", "居家养老", "老人", "护理", "陪护", "看护", "养老院")),
        ("MEALS_BATHS", "助餐助浴", "Meal and bathing assistance", "区民政局",
         ("助餐", "老年食堂", "送餐", "助浴", "洗澡", "长者食堂", "吃饭")),
        ("DEMENTIA", "失智关爱", "Dementia care", "区卫生健康局",
         ("失智", "痴呆", "老年痴呆", "走失", "记忆", "糊涂", "认知")),
        ("LONELY_ELDERLY", "孤寡老人帮扶", "Help for lone elderly", "区民政局",
         ("孤寡", "独居", "空巢", "五保", "无人照顾", "孤老", "探望")),
    )),
    ("MEDICAL", "医疗卫生", "Medical and public health", (
        ("SERVICE", "就医服务", "Medical services", "区卫生健康局",
         ("看病", "就医", "医院", "诊所", "挂号", "医生", "门诊", "家庭医生")),
        ("VACCINATION", "疫苗防疫", "Vaccination and epidemic prevention", "区疾病预防控制中心",
         ("疫苗", "接种", "打针", "防疫", "预防针", "狂犬", "流感")),
        ("PUBLIC_HEALTH", "公共卫生", "Public health", "区卫生健康局",
         ("公共卫生", "消毒", "蚊子", "老鼠", "蟑螂", "病媒", "传染")),
        ("INSURANCE", "医保报销", "Medical insurance reimbursement", "区医疗保障局",
         ("医保", "报销", "医疗保险", "居民医保", "异地就医", "门诊统筹", "慢性病")),
    )),
    ("EDUCATION", "群众教育", "Education", (
        ("ENROLLMENT", "入学入托", "School and kindergarten enrolment", "区教育和体育局",
         ("入学", "入托", "幼儿园", "学位", "上学", "转学", "学区", "招生")),
        ("AFTER_SCHOOL", "课后托管", "After-school care", "区教育和体育局",
         ("托管", "课后", "放学", "四点半", "接孩子", "作业", "寒暑假")),
        ("COMMUNITY_TRAINING", "社区培训", "Community training", "区教育和体育局",
         ("培训", "课程", "老年大学", "讲座", "兴趣班", "夜校", "技能")),
    )),
    ("TRANSPORT", "交通出行", "Transport", (
        ("PARKING", "停车管理", "Parking management", "公安芝罘交警大队",
         ("停车", "乱停", "车位", "停车桩", "地锁", "僵尸车", "停车难", "堵门")),
        ("ROAD_FACILITIES", "道路设施", "Road facilities", "区市政工程服务中心",
         ("路灯", "井盖", "坑洼", "路面", "人行道", "护栏", "红绿灯", "破损")),
        ("PUBLIC_TRANSIT", "公交出行", "Public transit", "区交通运输局",
         ("公交", "公交车", "站点", "线路", "班次", "公交站", "末班车")),
        ("SHARED_BIKES", "共享单车", "Shared bikes", "区交通运输局",
         ("共享单车", "单车", "自行车", "乱放", "电单车", "废旧车", "扫码")),
    )),
    ("EMPLOYMENT", "就业保障", "Employment and security", (
        ("JOB_SUPPORT", "就业帮扶", "Employment support", "区人力资源和社会保障局",
         ("就业", "找工作", "失业", "招聘", "岗位", "再就业", "创业", "公益岗")),
        ("SOCIAL_ASSISTANCE", "社会救助", "Social assistance", "区民政局",
         ("低保", "救助", "困难", "补助", "特困", "临时救助", "生活困难")),
        ("DISABILITY", "残疾人帮扶", "Support for disabled persons", "区残疾人联合会",
         ("残疾", "残疾人", "残疾证", "轮椅", "无障碍", "盲人", "辅具", "康复")),
    )),
)

CATEGORIES: tuple[Category, ...] = tuple(
    Category(
        code=cat_code,
        name=cat_name,
        name_en=cat_en,
        subcategories=tuple(
            Subcategory(
                code=f"{cat_code}_{sub_code}",
                name=sub_name,
                name_en=sub_en,
                category_code=cat_code,
                department_code=_dept(dept_name),
                keywords=keywords,
            )
            for sub_code, sub_name, sub_en, dept_name, keywords in subs
        ),
    )
    for cat_code, cat_name, cat_en, subs in _TAXONOMY
)
SUBCATEGORIES: tuple[Subcategory, ...] = tuple(s for c in CATEGORIES for s in c.subcategories)
SUBCATEGORIES_BY_CODE: Mapping[str, Subcategory] = MappingProxyType({s.code: s for s in SUBCATEGORIES})


# ---------------------------------------------------------------------------------------------
# People: names and phone numbers
# ---------------------------------------------------------------------------------------------

_MASK64 = (1 << 64) - 1


def _mix(x: int, salt: int = 0) -> int:
    """splitmix64 finaliser: a deterministic, well-spread 64-bit hash of an integer."""
    z = (x * 0x9E3779B97F4A7C15 + salt * 0xD1B54A32D192ED03 + 0x632BE59BD9B4E019) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


# Common surnames, most frequent first; weights roughly per-mille, with the Jiaodong (Yantai)
# flavour: 于, 孙, 姜, 曲, 刘 are more common there, plus local 牟, 鞠, 初, 隋, 栾, 衣, 宫.
_SURNAME_TABLE: tuple[tuple[str, int], ...] = (
    ("王", 80), ("李", 70), ("张", 68), ("刘", 62), ("陈", 30), ("杨", 30), ("赵", 26),
    ("黄", 15), ("周", 18), ("吴", 14), ("孙", 40), ("于", 38), ("姜", 30), ("曲", 22),
    ("徐", 16), ("高", 16), ("林", 12), ("郭", 12), ("马", 12), ("宋", 13), ("郑", 10),
    ("韩", 12), ("唐", 8), ("冯", 8), ("董", 10), ("程", 7), ("曹", 8), ("袁", 6), ("许", 8),
    ("吕", 8), ("苏", 6), ("丁", 8), ("魏", 7), ("薛", 5), ("谢", 6), ("朱", 10), ("胡", 9),
    ("何", 7), ("罗", 6), ("梁", 7), ("贾", 5), ("邹", 5), ("崔", 8), ("毕", 6), ("牟", 8),
    ("鞠", 6), ("初", 6), ("隋", 6), ("栾", 5), ("衣", 4), ("宫", 5), ("孔", 4), ("柳", 4),
    ("邵", 4), ("侯", 5), ("田", 6), ("蒋", 4), ("蔡", 4), ("肖", 5), ("潘", 4),
)
SURNAMES: tuple[str, ...] = tuple(s for s, _ in _SURNAME_TABLE)
SURNAME_WEIGHTS: tuple[int, ...] = tuple(w for _, w in _SURNAME_TABLE)
_SURNAME_CUMULATIVE: tuple[int, ...] = tuple(accumulate(SURNAME_WEIGHTS))

# Whole given names (one or two characters), a mix of generations and of men's and women's names.
GIVEN_NAMES: tuple[str, ...] = (
    # one character
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
    "明", "超", "霞", "平", "刚", "英", "华", "红", "斌", "鹏", "宇", "浩", "欣", "婷", "雪",
    "丹", "晨", "阳", "凯", "琳", "慧", "鑫", "波", "帅", "莉", "萍", "燕", "颖", "峰", "亮",
    "健", "彬", "辉", "玲", "倩", "青", "梅", "飞", "琦", "岩", "蕾", "爽", "昕", "悦", "楠",
    # two characters
    "秀英", "桂英", "秀兰", "玉兰", "桂兰", "秀珍", "凤英", "玉梅", "淑华", "淑珍", "丽娟",
    "建国", "建华", "建军", "国庆", "国强", "志强", "志刚", "立新", "卫东", "红梅", "春梅",
    "海燕", "海涛", "海波", "文华", "爱华", "振华", "德胜", "永福", "宝山", "长海", "连生",
    "晓东", "晓燕", "晓明", "晓丽", "小红", "小军", "丽华", "丽萍", "金凤", "春生", "庆华",
    "俊杰", "志勇", "文博", "子轩", "浩然", "宇轩", "梓涵", "欣怡", "思彤", "雨涵", "一诺",
    "子涵", "诗涵", "佳怡", "梦瑶", "嘉怡", "明轩", "昊天", "晨阳", "博文", "天宇", "雅琪",
    "文静", "婷婷", "丹丹", "佳慧", "晓彤", "冬梅", "秋菊", "玉珍", "凤兰", "新民", "学军",
    "树林", "振东", "守志", "洪涛", "成林", "瑞华", "兆峰", "金海", "福来", "福贵", "世杰",
    "美玲", "玉洁", "雪梅", "翠萍", "素芬", "丽君", "慧敏", "静怡", "明辉", "家豪", "宏伟",
    "立军", "树军", "克勤", "传鹏", "绍华", "伟东", "明远", "少华", "海鹰", "京生", "鹏飞",
)


def person_name(i: int) -> str:
    """Deterministic Chinese full name for index ``i`` (surnames weighted by frequency)."""
    h = _mix(i, 1)
    pick = (h >> 32) % _SURNAME_CUMULATIVE[-1]
    surname = SURNAMES[bisect_right(_SURNAME_CUMULATIVE, pick)]
    given = GIVEN_NAMES[(h & 0xFFFFFFFF) % len(GIVEN_NAMES)]
    return surname + given


# Common mainland mobile prefixes of the three carriers (China Mobile, Unicom, Telecom).
_MOBILE_PREFIXES: tuple[str, ...] = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
    "150", "151", "152", "153", "155", "156", "157", "158", "159",
    "166", "173", "175", "176", "177", "178",
    "180", "181", "182", "183", "184", "185", "186", "187", "188", "189",
    "191", "198", "199",
)
_PHONE_MULTIPLIER = 48_271_053  # odd and not a multiple of 5: a bijection on 0 … 10**8 - 1


def phone(i: int) -> str:
    """Deterministic 11-digit mainland mobile number for index ``i``.

    The last eight digits are a bijection of ``i mod 10**8``, so indexes below 10**8 never share
    a number.
    """
    prefix = _MOBILE_PREFIXES[_mix(i, 2) % len(_MOBILE_PREFIXES)]
    tail = (i * _PHONE_MULTIPLIER + 13_572_468) % 100_000_000
    return f"{prefix}{tail:08d}"


# ---------------------------------------------------------------------------------------------
# Addresses
# ---------------------------------------------------------------------------------------------

BUILDING_ROAD_NAMES: tuple[str, ...] = (
    "南大街", "北大街", "西大街", "北马路", "大马路", "二马路", "三马路", "胜利路", "解放路",
    "毓璜顶东路", "毓璜顶西路", "毓璜顶北路", "幸福南路", "幸福中路", "只楚路", "芝罘屯路",
    "青年南路", "青年路", "西关南街", "环山路", "上夼西路", "上夼东路", "南通路", "西南河路",
    "红旗中路", "红旗西路", "港城西大街", "通世路", "朝阳街", "海岸路", "建设路", "文化路",
    "环海路", "市府街", "大海阳路", "兴隆街", "广仁路", "奇山北路", "白石路", "海港路",
)


def building_address(i: int, road: str | None = None) -> str:
    """Deterministic building address, e.g. ``"胜利路12号3号楼"``.

    ``road`` defaults to a road picked from ``BUILDING_ROAD_NAMES`` by ``i``.
    """
    h = _mix(i, 3)
    if road is None:
        road = BUILDING_ROAD_NAMES[h % len(BUILDING_ROAD_NAMES)]
    number = 1 + (h >> 16) % 218  # 门牌号 1–218
    building = 1 + (h >> 40) % 24  # 楼号 1–24
    return f"{road}{number}号{building}号楼"


def unit_room(i: int) -> str:
    """Deterministic unit and room within a building, e.g. ``"2单元301室"`` (the masked part)."""
    h = _mix(i, 4)
    unit = 1 + h % 4
    floor = 1 + (h >> 8) % 7
    door = 1 + (h >> 16) % 2
    return f"{unit}单元{floor}0{door}室"
