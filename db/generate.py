"""Historical demo requests: `python -m db.generate --count N [--seed S] [--days D] [--validate K] [--no-copy]`.

Generates N requests across the demo district (which must already be seeded: `python -m db.manage
setup`) spread over the last D days, each with a full event history that the state machine of
`resolvers/requests/` allows, and writes them in bulk (COPY on PostgreSQL, executemany on SQLite).

Why not call the transition functions for every request? They are the source of truth, but a
whole history through them, a commit per transition, measured ~45–50 ms a request on SQLite and
on PostgreSQL: about 3 hours for the district's 235,000 requests a year (and they can only stamp
"now"). Instead the generator *synthesises* rows, 235,000 in 2–3 minutes:

* `Generator` mirrors, field by field, what each resolver does to a request, its assignments and
  its event log (the methods say which resolver: same event kinds, from/to states, data
  payloads, deadlines from `resolvers/requests/deadlines.py` with the subcategory's policy and
  the holiday table, the overdue sweep of `resolvers/requests/supervision.py`);
* a history is a walk through those transitions along a sampled scenario: the walk stops at the
  first step that would lie in the future, so recent requests are still open, and a deadline
  that passes before the next step gets the sweep's OVERDUE event (`now` counts as a sweep);
* rows go out in large transactions, written by a background task while the next batch is
  generated; `seq` follows event time (commit order) and is assigned under the event-log lock,
  ids are reserved inside each transaction, so the app may keep running.

How rows are written (`--copy/--no-copy`): on PostgreSQL with COPY by default, on SQLite (and with
`--no-copy`) with executemany chunks of Core inserts. Why COPY: the generator is bound by its one
core, and executemany spends that core on writing too (SQLAlchemy processes every parameter of
every row, asyncpg sends each row as its own Bind/Execute) while PostgreSQL runs each row as a
statement. COPY (asyncpg's `copy_records_to_table`, binary format, on the raw connection beneath
SQLAlchemy) streams the same records as one statement per table and batch: measured on 235,000
requests (2.6 million rows) on this 2-core machine, 124 s instead of 164 s (103 instead of 127 s of
the generator's CPU); the benchmark's ten-year district (2,350,000 requests, 26.5 million rows:
bench/dataset.py) took 35 minutes, 22 of them the generator's CPU, on the machine shared with other
work. It runs on the transaction that reserved the ids and, under the event-log lock, the seqs, so
the invariants above hold unchanged; a test checks it writes the same rows as executemany. Columns
are named explicitly in the table's order (read from the catalogue), Python-side column defaults
filled as SQLAlchemy would; `request_event.data` is TEXT (JSON text, passed as str, no codec
needed); timestamps must be timezone-aware (a naive one is refused, as `UTCDateTime` does, where
the binary encoder would read it as local time).

`--validate K` (default 8) afterwards replays K generated histories of different shapes through
the real resolvers on fresh requests, inside a transaction that is rolled back, and checks they
pass every guard and take the same steps to the same state: the synthesised paths are real
paths. tests/test_generate.py checks every generated history against the transition table.
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import json
import math
import operator
import random
import sys
import time
from bisect import bisect_right
from collections import Counter, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from itertools import accumulate
from typing import Any

from sqlalchemy import DateTime, Table, func, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from tqdm import tqdm

from db import reference_data as ref
from db.base import UTCDateTime, utcnow
from db.engine import Database
from db.models import (
    Assignment,
    Building,
    Category,
    Community,
    Department,
    Grid,
    Request,
    RequestEvent,
    RequestReporter,
    Resident,
    Street,
    StreetSection,
    Subcategory,
    User,
)
from resolvers.calendar import LOCAL_TZ, Deadline, HolidayTable, is_working_day
from resolvers.events import EVENT_LOG_LOCK, continue_after_written_seqs
from resolvers.requests import deadlines
from resolvers.requests.classify import Candidate, bigrams, suggest
from resolvers.requests.deadlines import Policy
from resolvers.requests.vocab import OPEN as OPEN_STATES

try:  # the sweep's own wording for the deadline kinds
    from resolvers.requests.supervision import _label as _due_label
except ImportError:  # pragma: no cover
    def _due_label(kind: str | None) -> str:
        return "办理"

# ---------------------------------------------------------------------------------------------
# Configuration: the distributions (SPEC §2, §5)
# ---------------------------------------------------------------------------------------------

CHANNELS = ("MEETING", "CITY_HOTLINE", "MAILBOX", "SNAPSHOT", "SERVICE_STATION", "HOTLINE", "QR_CODE",
            "GRID_WORKER", "BUILDING_LEADER")  # rarest first: quasi-random picks keep rare ones present


@dataclass(frozen=True)
class GenConfig:
    # Channel shares on an ordinary working day; QR codes rise from qr_start to qr_end over the period.
    channels: dict[str, float] = field(default_factory=lambda: {
        "BUILDING_LEADER": 0.31, "GRID_WORKER": 0.26, "HOTLINE": 0.10, "SNAPSHOT": 0.07, "SERVICE_STATION": 0.06,
        "MAILBOX": 0.03, "CITY_HOTLINE": 0.03, "MEETING": 0.012, "QR_CODE": 0.0,
    })
    qr_start: float = 0.05
    qr_end: float = 0.18
    scopes: dict[str, float] = field(default_factory=lambda: {"MAJOR": 0.35, "MINOR": 0.45, "PRIVATE": 0.20})
    tiers: dict[str, float] = field(default_factory=lambda: {"A": 0.50, "B": 0.35, "C": 0.15})
    merge_rate: float = 0.02
    reject_rate: float = 0.01
    retriage_rate: float = 0.015
    dispute_rate: float = 0.08  # of dispatched MAJOR requests
    second_dispute_rate: float = 0.30  # of those redispatched
    co_handler_rate: float = 0.22
    rated_rate: float = 0.85  # of resolved requests, within the 7-day window
    ratings: dict[str, float] = field(default_factory=lambda: {"SATISFIED": 0.80, "BASIC": 0.15, "UNSATISFIED": 0.05})
    center_reopen_rate: float = 0.01
    stall_rate: float = 0.015  # requests that get stuck at one step for days (the supervision list's regulars)
    no_building_rate: float = 0.25  # hotline, walk-in, mailbox, meeting items placed only at a community


DEFAULT_CONFIG = GenConfig()

# Category shares given the scope; over all scopes 居住环境 and 城建住房 are heaviest.
CATEGORY_BY_SCOPE = {
    "MAJOR": {"LIVING": 30, "HOUSING": 35, "TRANSPORT": 15, "MEDICAL": 4, "EDUCATION": 4, "EMPLOYMENT": 4, "ELDERLY": 2, "MEDIATION": 6},
    "MINOR": {"LIVING": 40, "HOUSING": 25, "TRANSPORT": 12, "ELDERLY": 6, "MEDICAL": 6, "EDUCATION": 5, "EMPLOYMENT": 4, "MEDIATION": 2},
    "PRIVATE": {"MEDIATION": 42, "ELDERLY": 30, "HOUSING": 9, "EMPLOYMENT": 8, "LIVING": 4, "MEDICAL": 5, "EDUCATION": 2},
}
SUBCATEGORY_WEIGHTS = {
    "LIVING_SANITATION": 30, "LIVING_ILLEGAL_STRUCTURE": 15, "LIVING_STREET_VENDING": 14, "LIVING_GREENING": 12,
    "LIVING_NOISE": 19, "LIVING_STRAY_ANIMALS": 10,
    "HOUSING_SEWER": 26, "HOUSING_WATER_HEATING": 24, "HOUSING_PROPERTY_MANAGEMENT": 25,
    "HOUSING_OLD_COMMUNITY_RENOVATION": 13, "HOUSING_HOUSING_SAFETY": 12,
    "MEDIATION_NEIGHBOR": 45, "MEDIATION_FAMILY": 25, "MEDIATION_PROPERTY_DISPUTE": 20, "MEDIATION_LABOR": 10,
    "ELDERLY_HOME_CARE": 35, "ELDERLY_MEALS_BATHS": 25, "ELDERLY_DEMENTIA": 12, "ELDERLY_LONELY_ELDERLY": 28,
    "MEDICAL_SERVICE": 35, "MEDICAL_VACCINATION": 20, "MEDICAL_PUBLIC_HEALTH": 25, "MEDICAL_INSURANCE": 20,
    "EDUCATION_ENROLLMENT": 40, "EDUCATION_AFTER_SCHOOL": 35, "EDUCATION_COMMUNITY_TRAINING": 25,
    "TRANSPORT_PARKING": 45, "TRANSPORT_ROAD_FACILITIES": 30, "TRANSPORT_PUBLIC_TRANSIT": 10, "TRANSPORT_SHARED_BIKES": 15,
    "EMPLOYMENT_JOB_SUPPORT": 40, "EMPLOYMENT_SOCIAL_ASSISTANCE": 40, "EMPLOYMENT_DISABILITY": 20,
}
# A MAJOR labour dispute goes to the labour bureau; a PRIVATE one is mediated.
SUBCATEGORY_BY_SCOPE = {("MAJOR", "MEDIATION"): {"MEDIATION_LABOR": 70, "MEDIATION_PROPERTY_DISPUTE": 30}}
# Seasonal peaks: heating in winter, noise and strays in summer (month → factor).
SEASONAL = {
    "HOUSING_WATER_HEATING": {11: 3.0, 12: 3.0, 1: 2.5, 2: 2.0, 3: 1.2, 6: 0.5, 7: 0.5, 8: 0.5},
    "LIVING_NOISE": {6: 1.5, 7: 1.8, 8: 1.7, 12: 0.6, 1: 0.6},
    "LIVING_GREENING": {4: 1.6, 5: 1.8, 6: 1.5, 12: 0.4, 1: 0.3, 2: 0.4},
    "MEDICAL_PUBLIC_HEALTH": {6: 1.6, 7: 2.0, 8: 1.8, 12: 0.5, 1: 0.5},
    "EDUCATION_ENROLLMENT": {5: 2.0, 6: 2.5, 7: 2.0, 8: 2.5, 9: 1.5},
}

# Hour-of-day profiles (local time) per channel.
_DAY = (0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.5, 1.0, 2.0, 2.6, 2.6, 2.0, 1.0, 1.1, 2.0, 2.4, 2.3, 1.8, 1.2, 1.0, 0.8, 0.5, 0.3, 0.2)
HOUR_PROFILES = {
    # group chats all day; the 民情本 log books are collected daily at 17:00
    "BUILDING_LEADER": (0.05, 0, 0, 0, 0, 0.05, 0.3, 0.8, 1.5, 2.0, 2.0, 1.5, 0.7, 0.8, 1.4, 1.7, 1.8, 6.0, 1.6, 1.0, 0.8, 0.5, 0.2, 0.1),
    # door-to-door visits; consolidation at the morning and evening meetings (早晚碰头)
    "GRID_WORKER": (0, 0, 0, 0, 0, 0, 0.1, 0.6, 2.5, 3.0, 3.0, 2.0, 0.5, 1.0, 2.5, 3.0, 2.6, 2.8, 0.8, 0.4, 0.2, 0, 0, 0),
    "SNAPSHOT": _DAY,
    "HOTLINE": (0.4, 0.25, 0.2, 0.2, 0.25, 0.4, 0.8, 1.3, 1.8, 2.0, 2.0, 1.6, 1.1, 1.2, 1.7, 1.9, 1.8, 1.5, 1.2, 1.1, 1.0, 0.8, 0.6, 0.5),
    "SERVICE_STATION": (0, 0, 0, 0, 0, 0, 0, 0.2, 2.0, 3.0, 3.0, 2.0, 0.2, 0.4, 2.6, 3.0, 2.6, 1.0, 0, 0, 0, 0, 0, 0),
    "MAILBOX": (0, 0, 0, 0, 0, 0, 0, 0, 1.0, 3.0, 3.0, 1.0, 0, 0, 0.5, 0.5, 0, 0, 0, 0, 0, 0, 0, 0),
    "QR_CODE": (0.3, 0.15, 0.1, 0.1, 0.1, 0.2, 0.6, 1.4, 1.6, 1.5, 1.4, 1.3, 1.5, 1.2, 1.1, 1.1, 1.2, 1.5, 2.2, 2.6, 2.5, 1.8, 1.0, 0.6),
    "MEETING": (0, 0, 0, 0, 0, 0, 0, 0, 0, 1.0, 1.0, 0.2, 0, 0, 1.5, 2.0, 1.5, 0.3, 0, 1.5, 1.0, 0, 0, 0),
    "CITY_HOTLINE": (0, 0, 0, 0, 0, 0, 0, 0.3, 2.0, 2.5, 2.5, 1.8, 0.5, 0.8, 2.2, 2.5, 2.2, 1.0, 0, 0, 0, 0, 0, 0),
}

# The supervision sweep (resolvers/requests/supervision.py) marks every open request whose
# deadline has passed, once a minute (SWEEP_SECONDS).
SWEPT_STATES = frozenset(s.value for s in OPEN_STATES)
SWEEP_EVERY = timedelta(seconds=60)
RATING_SCORE = {"SATISFIED": 1.0, "BASIC": 0.5, "UNSATISFIED": 0.0}
FEEDBACK_WINDOW = timedelta(days=7)

# ---------------------------------------------------------------------------------------------
# Words: what residents write and what handlers note (plausible Chinese, per subcategory)
# ---------------------------------------------------------------------------------------------

TEMPLATES: dict[str, tuple[tuple[str, str], ...]] = {
    "LIVING_SANITATION": (
        ("楼道垃圾长期无人清运", "{addr}楼道和单元门口堆放的生活垃圾好几天没人清运,气味很大,招苍蝇,希望尽快安排保洁清理。"),
        ("小区垃圾桶满溢", "{addr}旁边的垃圾桶每天早上都满溢出来,周边地面脏乱,建议增加清运频次。"),
        ("背街小巷卫生差", "{c}背街小巷卫生死角较多,有人乱扔垃圾,希望加强清扫保洁。"),
    ),
    "LIVING_ILLEGAL_STRUCTURE": (
        ("一楼住户私搭彩钢棚", "{addr}一楼住户在院内私自搭建彩钢棚,占用公共绿地,影响邻居采光,请求依法处理。"),
        ("楼顶违章搭建", "{addr}楼顶有人违章搭建阳光房,存在安全隐患,邻居多次劝说无果。"),
        ("空地私搭乱建棚子", "{c}小区空地上有人搭建棚子堆放杂物,占用消防通道,希望尽快拆除。"),
    ),
    "LIVING_STREET_VENDING": (
        ("小区门口占道摆摊", "{addr}附近小区门口每天傍晚有流动摊贩占道经营,堵塞通行,油烟很大,请求管理。"),
        ("店铺出店经营占用人行道", "{c}沿街店铺出店经营,货物摆到人行道上,行人只能走机动车道。"),
        ("早市摊贩影响出行", "{c}路口早市摊贩占道,早高峰车辆和行人通行困难,希望规范管理。"),
    ),
    "LIVING_GREENING": (
        ("树枝遮挡窗户需修剪", "{addr}楼前的树木长得太高,树枝已经伸到窗户边,遮挡采光,刮风时刮擦玻璃,请求修剪。"),
        ("小区枯树存在隐患", "{addr}旁有一棵枯树,大风天容易折断,担心砸到行人和车辆。"),
        ("花坛绿地缺乏养护", "{c}小区花坛杂草丛生,绿地被踩成了土路,希望加强绿化养护。"),
    ),
    "LIVING_NOISE": (
        ("广场舞音响声音过大", "{c}广场每晚跳广场舞音响声音很大,一直到晚上九点多,影响老人和孩子休息。"),
        ("夜间装修噪音扰民", "{addr}有住户晚上十点后还在装修施工,电钻声很吵,多次沟通无效。"),
        ("商铺喇叭噪音", "{addr}楼下商铺整天用喇叭循环播放促销广告,噪音扰民。"),
    ),
    "LIVING_STRAY_ANIMALS": (
        ("小区流浪狗较多", "{addr}附近最近出现好几只流浪狗,晚上成群乱叫,孩子上下学很害怕。"),
        ("遛狗不拴绳", "{c}小区有居民遛狗不拴绳,狗粪也不清理,担心咬人。"),
        ("流浪猫聚集", "{addr}地下室流浪猫聚集,气味难闻,希望妥善处置。"),
    ),
    "HOUSING_SEWER": (
        ("下水道堵塞污水外溢", "{addr}单元下水道堵塞,污水从地漏返上来,一楼住户家里进水,请求尽快疏通。"),
        ("化粪池冒水", "{addr}旁边化粪池冒水,臭味很大,污水流到路面上。"),
        ("排水管道返味积水", "{c}小区排水管道老化,经常返味,下雨天积水严重。"),
    ),
    "HOUSING_WATER_HEATING": (
        ("暖气不热", "{addr}今年供暖后暖气一直不热,室温只有十四五度,家里有老人孩子,请求协调供热单位检修。"),
        ("频繁停水水压低", "{addr}最近经常停水,来水后水压很低,高层基本上不去水。"),
        ("自来水管漏水", "{addr}楼前自来水管破裂漏水,路面湿滑,行人容易滑倒。"),
    ),
    "HOUSING_PROPERTY_MANAGEMENT": (
        ("电梯经常故障", "{addr}电梯这个月已经坏了三次,有人被困,物业维修不及时。"),
        ("楼道灯不亮门禁损坏", "{addr}楼道灯和单元门禁损坏很久了,物业一直没有修,晚上出行不安全。"),
        ("无物业小区管理缺失", "{c}这个老小区没有物业,公共区域无人管理,希望社区协调。"),
    ),
    "HOUSING_OLD_COMMUNITY_RENOVATION": (
        ("申请加装电梯", "{addr}住户多为老年人,上下楼困难,大部分住户同意加装电梯,希望了解政策并给予支持。"),
        ("老旧小区改造停工", "{c}老旧小区改造施工停了一个多月,路面挖开没有恢复,出行不便。"),
        ("外墙保温脱落", "{addr}外墙保温层部分脱落,楼顶防水也老化了,希望纳入改造计划。"),
    ),
    "HOUSING_HOUSING_SAFETY": (
        ("楼体出现裂缝", "{addr}楼体外墙出现多条裂缝,有逐渐变宽的趋势,担心房屋安全,请求鉴定。"),
        ("顶楼漏雨", "{addr}顶楼每逢下雨就漏雨,墙皮大面积脱落。"),
        ("阳台墙皮脱落", "{addr}阳台外侧墙皮脱落,下面是人行道,有砸伤行人的危险。"),
    ),
    "MEDIATION_NEIGHBOR": (
        ("楼上漏水引发邻里矛盾", "{addr}楼上住户卫生间漏水,渗到楼下天花板,双方多次协商未果,请求调解。"),
        ("楼道堆物引发纠纷", "{addr}邻居长期在楼道堆放杂物,沟通时发生争吵,希望社区出面调解。"),
        ("对门住户产生矛盾", "{addr}对门住户安装的监控摄像头正对自家门口,双方产生纠纷,请求协调。"),
    ),
    "MEDIATION_FAMILY": (
        ("老人赡养问题", "{addr}一位老人反映子女不履行赡养义务,生活困难,请求帮助调解。"),
        ("婆媳矛盾激化", "{addr}一户家庭婆媳矛盾激化,经常争吵,邻居反映希望社区介入调解。"),
        ("老房子分配纠纷", "{c}居民反映兄弟姐妹因老房子分配产生家庭纠纷,请求调解并提供法律咨询。"),
    ),
    "MEDIATION_PROPERTY_DISPUTE": (
        ("物业费收费争议", "{addr}业主反映物业公司乱收费,服务不到位,双方因物业费发生争执。"),
        ("业委会与物业公司矛盾", "{c}业委会与物业公司在续聘问题上争议很大,业主意见不一,请求协调。"),
        ("停车收费纠纷", "{addr}物业公司擅自上调停车费,业主不认可,请求调解。"),
    ),
    "MEDIATION_LABOR": (
        ("装修工人被拖欠工资", "{c}有居民反映在装修公司打工被拖欠工资三个月,老板一直推脱,请求帮助讨薪。"),
        ("被辞退未签劳动合同", "{addr}居民反映被公司辞退,没有签劳动合同,也没有经济补偿。"),
        ("加班费纠纷", "{c}居民反映所在企业长期加班不给加班费,请求协调。"),
    ),
    "ELDERLY_HOME_CARE": (
        ("高龄老人需要居家护理", "{addr}有一位八十多岁的老人行动不便,子女在外地,希望申请居家养老上门服务。"),
        ("老人申请助老服务", "{addr}老人腿脚不便,希望有人定期上门帮助打扫卫生、代买生活用品。"),
        ("咨询养老服务补贴", "{c}居民咨询高龄老人居家养老服务补贴如何申请。"),
    ),
    "ELDERLY_MEALS_BATHS": (
        ("希望开通老年助餐", "{c}老年人较多,做饭不方便,希望附近开设长者食堂或提供送餐服务。"),
        ("失能老人助浴需求", "{addr}失能老人洗澡困难,家属希望提供上门助浴服务。"),
        ("长者食堂饭菜价格", "{c}长者食堂饭菜价格上涨,老人希望保持优惠。"),
    ),
    "ELDERLY_DEMENTIA": (
        ("失智老人走失风险", "{addr}一位老人有老年痴呆症状,前几天走失过一次,家属希望社区帮助关注。"),
        ("申请防走失手环", "{c}居民希望为失智老人申请防走失定位手环。"),
        ("失智老人照护压力大", "{addr}家属照护失智老人压力很大,希望得到喘息服务。"),
    ),
    "ELDERLY_LONELY_ELDERLY": (
        ("空巢老人无人照顾", "{addr}一位空巢老人独居多年,最近身体不好,无人照顾,希望社区定期探望。"),
        ("孤寡老人生活困难", "{addr}孤寡老人生活困难,冬天取暖有困难。"),
        ("独居老人家中电路老化", "{addr}独居老人家中电线老化,自己不会修,存在安全隐患。"),
    ),
    "MEDICAL_SERVICE": (
        ("家庭医生签约咨询", "{c}居民咨询如何签约家庭医生,希望提供上门诊疗服务。"),
        ("社区卫生站看病排队久", "{c}社区卫生服务站医生少,看病排队时间长,希望增加门诊时间。"),
        ("行动不便老人就医难", "{addr}老人行动不便,去医院看病困难,希望提供上门医疗服务。"),
    ),
    "MEDICAL_VACCINATION": (
        ("疫苗接种预约难", "{c}居民反映孩子打预防针预约不上,希望增加接种号源。"),
        ("被狗咬伤需打狂犬疫苗", "{addr}居民被狗咬伤,咨询附近哪里可以接种狂犬疫苗。"),
        ("老人流感疫苗接种", "{c}老年人希望在社区集中接种流感疫苗。"),
    ),
    "MEDICAL_PUBLIC_HEALTH": (
        ("地下室老鼠蟑螂多", "{addr}地下室老鼠、蟑螂很多,希望开展病媒消杀。"),
        ("积水蚊虫滋生", "{c}小区内积水坑较多,夏天蚊子多,希望消毒灭蚊。"),
        ("垃圾站消毒不到位", "{addr}附近垃圾站消毒不到位,气味大。"),
    ),
    "MEDICAL_INSURANCE": (
        ("居民医保报销咨询", "{c}居民咨询居民医保门诊统筹报销比例和办理流程。"),
        ("异地就医备案", "{addr}老人需要到外地子女处长期居住,咨询异地就医备案如何办理。"),
        ("慢性病报销手续复杂", "{c}居民反映慢性病门诊报销手续复杂,希望简化。"),
    ),
    "EDUCATION_ENROLLMENT": (
        ("孩子入学学区咨询", "{addr}居民咨询孩子明年上小学的学区划分和报名材料。"),
        ("幼儿园学位紧张", "{c}附近公办幼儿园学位紧张,孩子报名没有排上。"),
        ("转学手续咨询", "{c}居民因工作调动需要给孩子办理转学,咨询流程。"),
    ),
    "EDUCATION_AFTER_SCHOOL": (
        ("放学后孩子无人照看", "{c}双职工家庭较多,孩子下午放学后无人照看,希望社区开办四点半课堂。"),
        ("寒暑假托管需求", "{c}居民希望社区组织寒暑假托管班。"),
        ("课后托管收费高", "{c}家长反映校外托管机构收费高,希望社区提供公益托管。"),
    ),
    "EDUCATION_COMMUNITY_TRAINING": (
        ("希望开设老年大学课程", "{c}老年人希望社区开设书法、智能手机使用等培训课程。"),
        ("技能培训需求", "{c}待业居民希望参加技能培训,提高就业能力。"),
        ("反诈知识讲座", "{c}居民希望社区组织防诈骗知识讲座。"),
    ),
    "TRANSPORT_PARKING": (
        ("单元门口乱停车堵门", "{addr}单元门口经常有车辆乱停,堵住出口,救护车和消防车进不来。"),
        ("僵尸车长期占用车位", "{addr}楼下有一辆僵尸车停放一年多,占用车位。"),
        ("私装地锁占车位", "{c}小区内有人私装地锁占用公共车位,请求清理。"),
    ),
    "TRANSPORT_ROAD_FACILITIES": (
        ("路灯不亮", "{addr}附近路灯坏了好几盏,晚上很黑,老人出行不安全。"),
        ("井盖破损下沉", "{addr}旁边道路井盖破损下沉,车辆经过声音很大,行人容易绊倒。"),
        ("人行道坑洼", "{c}人行道地砖松动坑洼,下雨后积水,请求修复。"),
    ),
    "TRANSPORT_PUBLIC_TRANSIT": (
        ("公交站点太远", "{c}附近没有公交站点,老人出行要走很远,希望增设站点。"),
        ("末班车太早", "{c}居民反映公交末班车时间太早,下晚班回家不方便。"),
        ("公交班次少", "{c}线路公交车班次少,早高峰等车时间长。"),
    ),
    "TRANSPORT_SHARED_BIKES": (
        ("共享单车乱放", "{addr}门口共享单车乱停乱放,堵塞人行道和消防通道。"),
        ("废旧单车堆积", "{c}小区门口堆积大量损坏的共享单车,无人清理。"),
        ("电单车占用盲道", "{c}电单车停放占用盲道,影响视障人士通行。"),
    ),
    "EMPLOYMENT_JOB_SUPPORT": (
        ("失业人员求职帮扶", "{addr}居民失业半年,家庭困难,希望社区提供就业岗位信息。"),
        ("公益岗位申请", "{c}居民咨询公益性岗位的申请条件。"),
        ("创业贷款咨询", "{c}居民想开小店创业,咨询创业担保贷款政策。"),
    ),
    "EMPLOYMENT_SOCIAL_ASSISTANCE": (
        ("申请低保", "{addr}居民家庭收入低,患病在家,咨询低保申请。"),
        ("临时救助申请", "{addr}居民家中突发变故,生活困难,申请临时救助。"),
        ("困难家庭取暖补助", "{c}困难家庭咨询冬季取暖补助如何申请。"),
    ),
    "EMPLOYMENT_DISABILITY": (
        ("残疾人家庭无障碍改造", "{addr}家中有肢体残疾人,希望申请家庭无障碍改造。"),
        ("残疾证办理", "{c}居民咨询残疾证办理流程和所需材料。"),
        ("申请轮椅辅具", "{addr}残疾人需要轮椅等辅具,申请适配。"),
    ),
}
CHANNEL_PREFIX = {
    "BUILDING_LEADER": ("楼长反映:", "楼长民情本记录:", "楼栋群里居民反映:"),
    "GRID_WORKER": ("网格员入户走访时居民反映:", "网格员巡查发现:", ""),
    "SNAPSHOT": ("随手拍:", "田长随手拍:"),
    "HOTLINE": ("居民来电反映:", "社区热线来电:"),
    "SERVICE_STATION": ("居民到民需服务站反映:",),
    "MAILBOX": ("民情速递箱来信:",),
    "QR_CODE": ("",),
    "MEETING": ("议事会上居民提出:",),
    "CITY_HOTLINE": ("12345热线转办:",),
}
TEXT_TAILS = ("", "", "", "希望尽快解决。", "已经反映过一次了。", "谢谢!", "盼复。")
NO_BUILDING_SPOTS = ("社区广场", "社区主路", "社区东门", "沿街商铺一带", "社区活动中心附近", "背街小巷")

ACCEPT_NOTES = ("", "", "已受理,将尽快安排人员核查处置。", "收到,已派专人对接。", "已受理,今日安排现场查看。")
PROGRESS_NOTES = {
    "LIVING": ("已到现场查看,正在制定处置方案。", "已约谈当事人,要求限期整改。", "已安排保洁和执法人员进场,部分整改完毕。"),
    "HOUSING": ("已联系维修单位,约定时间上门处理。", "已现场勘查,材料备齐后施工。", "正在协调物业和业主,已召开协调会。"),
    "MEDIATION": ("已分别与双方当事人沟通,初步了解诉求。", "已组织双方面对面调解,正在拟定调解方案。"),
    "ELDERLY": ("已上门走访老人,登记服务需求。", "已对接养老服务机构,正在安排服务时间。"),
    "MEDICAL": ("已与社区卫生服务站对接。", "正在协调医疗机构安排服务。"),
    "EDUCATION": ("已与教体部门和学校沟通。", "正在统计需求人数,筹备开班。"),
    "TRANSPORT": ("已现场核实,正在联系产权单位。", "已协调交警和物业,正在制定整治方案。"),
    "EMPLOYMENT": ("已登记求职和救助需求,正在审核材料。", "已推荐岗位信息,等待反馈。"),
}
RESOLUTIONS = {
    "LIVING": ("已安排人员现场处置,{sub}问题整改到位,经回访群众认可。", "联合执法人员到场,督促当事人限期整改,现已整改完毕。",
               "已清理完毕并建立长效保洁机制,纳入网格日常巡查。"),
    "HOUSING": ("已组织维修,{sub}问题已修复,恢复正常使用。", "已协调产权单位和物业完成维修,居民确认正常。",
                "已纳入改造计划,先行完成应急处置,后续按计划实施。"),
    "MEDIATION": ("经调解双方达成一致,签订调解协议。", "已组织和事佬上门调解,矛盾化解,双方表示满意。", "已提供法律援助咨询,引导通过法律途径解决。"),
    "ELDERLY": ("已为老人安排{sub}服务,定期上门。", "已对接志愿服务队,每周上门探望一次。", "已办理相关补贴手续,服务已落实。"),
    "MEDICAL": ("已协调社区卫生服务站提供服务,问题已解决。", "已答复政策并协助办理相关手续。"),
    "EDUCATION": ("已答复相关政策并协助办理。", "社区已开设相关课程/托管班,居民已报名参加。"),
    "TRANSPORT": ("已清理整治,现场秩序恢复正常。", "已完成{sub}设施维修,恢复正常使用。", "已协调相关单位优化调整,已答复居民。"),
    "EMPLOYMENT": ("已推荐就业岗位并协助办理手续。", "已按政策办理救助,资金已发放。", "已协助办理相关证件和补贴申请。"),
}
DISPUTE_REASONS = (
    "经核查,该事项不属于本单位职责范围,建议由属地街道牵头处理。",
    "该处为企业自有产权区域,应由产权单位负责,本单位无执法权限。",
    "该问题涉及多部门职责交叉,本单位仅能配合,建议调整牵头单位。",
    "现场核实该位置不在本单位管辖范围内,请重新派单。",
    "该事项属于物业服务合同约定范围,应由物业公司负责。",
)
REJECT_REASONS = (
    "重复提交,已有相同诉求在办理中。",
    "咨询类信息,已当场答复,不作为诉求办理。",
    "内容无法核实,多次联系反映人未果。",
    "不属于本区受理范围,已告知向有关单位反映。",
    "测试信息。",
)
MERGE_NOTES = ("同一问题多人反映,合并办理。", "早晚碰头会梳理发现重复诉求,予以合并。", "")
RATING_COMMENTS = {
    "SATISFIED": ("", "", "处理很及时,非常满意!", "感谢社区和工作人员!", "问题解决了,谢谢。"),
    "BASIC": ("", "问题基本解决,但处理时间有点长。", "希望以后多回访。"),
    "UNSATISFIED": ("问题没有彻底解决,还是老样子。", "处理敷衍,现场没有变化。", "说是办结了,实际上没人来过。"),
}
CENTER_REOPEN_REASONS = ("回访发现问题未彻底解决,退回重办。", "办理结果与诉求不符,请重新办理。")
ASSIGNEE_TITLES = ("社区党委书记", "社区居委会主任", "社区网格长", "社区专职网格员", "物业项目经理", "社区民警")
VOLUNTEER_TEAMS = ("红马甲志愿服务队", "银龄志愿服务队", "党员先锋志愿服务队", "巾帼志愿服务队")
SOCIAL_ORGS = ("芝罘区阳光社会工作服务中心", "烟台市和美社会工作服务中心", "芝罘区乐龄养老服务中心", "烟台市益友社工服务社",
               "芝罘区暖心家园社会工作服务中心", "烟台市福山路社工服务站")
# Related departments that also get MAJOR items of a category, and usual co-handlers.
RELATED_DEPTS = {
    "LIVING": ("区综合行政执法大队", "区数字化城市管理指挥中心", "区环境卫生服务中心"),
    "HOUSING": ("区住房保障服务中心", "区水务局", "区物业管理服务中心", "区应急管理局"),
    "MEDIATION": ("区矛盾纠纷多元化解中心", "区法律援助中心", "区总工会"),
    "ELDERLY": ("区老龄工作委员会办公室", "区社会福利中心"),
    "MEDICAL": ("区妇幼保健院", "区社会保险事业中心"),
    "EDUCATION": ("团区委", "区妇联"),
    "TRANSPORT": ("区城市管理局", "区市政工程服务中心", "区数字化城市管理指挥中心"),
    "EMPLOYMENT": ("区公共就业和人才服务中心", "区社会保险事业中心", "区慈善总会"),
}
CO_DEPTS = ("公安芝罘分局", "区市场监督管理局", "区城市管理局", "区生态环境分局", "区消防救援大队", "区供电中心")
SECTION_BY_CATEGORY = {
    "LIVING": ("城市管理办公室", "综合执法中队"), "HOUSING": ("规划建设办公室", "社区建设办公室"),
    "TRANSPORT": ("城市管理办公室", "平安建设办公室"), "MEDIATION": ("平安建设办公室",),
    "ELDERLY": ("民生保障办公室",), "MEDICAL": ("民生保障办公室",), "EDUCATION": ("党群服务中心",),
    "EMPLOYMENT": ("民生保障办公室", "便民服务中心"),
}
# Departments that dispute more than others (and the rest a bit less).
DISPUTE_PRONE = {"区城市管理局": 2.0, "区住房和城乡建设局": 1.8, "区物业管理服务中心": 1.6, "区水务局": 1.3, "公安芝罘交警大队": 1.3}

_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # as resolvers.requests.intake


# ---------------------------------------------------------------------------------------------
# The district, read from the database
# ---------------------------------------------------------------------------------------------


@dataclass
class Sub:
    id: int
    code: str
    name: str
    category_id: int
    category_code: str
    department_id: int | None
    policy: Policy


@dataclass
class Context:
    streets: dict[int, str]
    sections: dict[int, tuple[int, str]]  # id → (street_id, name)
    sections_by_street: dict[int, dict[str, int]]  # street → short name → id
    communities: dict[int, tuple[str, int]]  # id → (name, street_id)
    grids: dict[int, str]
    departments: dict[int, str]
    dept_by_name: dict[str, int]
    buildings: list[tuple]  # (id, grid_id, community_id, street_id, field_id, address)
    building_by_id: dict[int, tuple]
    residents: dict[int, list[tuple[int, str, str]]]  # building → [(resident id, name, phone)], leader first
    subs: dict[str, Sub]
    subs_by_category: dict[str, list[Sub]]
    candidates: list[Candidate]
    users: dict[str, int | None]  # demo username → id
    holidays: HolidayTable
    existing_codes: set[str]


async def load_context(db: Database) -> Context:
    async with db.read() as conn:
        try:
            seeded = (await conn.execute(select(func.count()).select_from(Street.__table__))).scalar_one()
        except DBAPIError:
            seeded = 0  # not even migrated
        if not seeded:
            raise SystemExit("the demo district is not there: run `python -m db.manage setup` first")
        streets = dict((await conn.execute(select(Street.id, Street.name))).all())
        sec_rows = (await conn.execute(select(StreetSection.id, StreetSection.street_id, StreetSection.name))).all()
        communities = {r.id: (r.name, r.street_id) for r in (await conn.execute(select(Community.id, Community.name, Community.street_id))).all()}
        grids = dict((await conn.execute(select(Grid.id, Grid.name))).all())
        departments = dict((await conn.execute(select(Department.id, Department.name))).all())
        b = Building.__table__.c
        buildings = [tuple(r) for r in (await conn.execute(
            select(b.id, b.grid_id, b.community_id, b.street_id, b.field_id, b.address).order_by(b.id))).all()]
        rt = Resident.__table__.c
        residents: dict[int, list[tuple[int, str, str]]] = {}
        for r in (await conn.execute(select(rt.id, rt.building_id, rt.name, rt.phone, rt.leads_building_id).order_by(rt.id))).all():
            lst = residents.setdefault(r.building_id, [])
            item = (r.id, r.name, r.phone or ref.phone(r.id))
            lst.insert(0, item) if r.leads_building_id == r.building_id else lst.append(item)
        cats = dict((await conn.execute(select(Category.id, Category.code))).all())
        s = Subcategory.__table__.c
        subs = {}
        for r in (await conn.execute(select(s.id, s.code, s.name, s.category_id, s.default_department_id, s.keywords,
                                             *[s[k] for k in deadlines.DEFAULT_POLICY]))).all():
            m = r._mapping
            subs[r.code] = Sub(r.id, r.code, r.name, r.category_id, cats[r.category_id], r.default_department_id,
                               Policy(**{k: m[k] for k in deadlines.DEFAULT_POLICY}))
        keywords = dict((await conn.execute(select(s.id, s.keywords))).all())
        users = dict((await conn.execute(select(User.username, User.id))).all())
        codes = set((await conn.execute(select(Request.tracking_code))).scalars())
    async with db.sessions() as session:
        holidays = await deadlines.holiday_table(session)
    sections_by_street: dict[int, dict[str, int]] = {}
    for r in sec_rows:
        short = r.name.removeprefix(streets[r.street_id])
        sections_by_street.setdefault(r.street_id, {})[short] = r.id
    subs_by_cat: dict[str, list[Sub]] = {}
    for sub in subs.values():
        subs_by_cat.setdefault(sub.category_code, []).append(sub)
    return Context(
        streets=streets, sections={r.id: (r.street_id, r.name) for r in sec_rows}, sections_by_street=sections_by_street,
        communities=communities, grids=grids, departments=departments, dept_by_name={v: k for k, v in departments.items()},
        buildings=buildings, building_by_id={bl[0]: bl for bl in buildings}, residents=residents, subs=subs, subs_by_category=subs_by_cat,
        candidates=[Candidate(i, tuple(k.split())) for i, k in keywords.items()],
        users={u: users.get(u) for u in ("dispatcher", "street", "community", "grid", "leader", "fieldhead", "department", "district")},
        holidays=holidays, existing_codes=codes,
    )


# ---------------------------------------------------------------------------------------------
# One request, its assignments and its events, mirroring what the resolvers do
# ---------------------------------------------------------------------------------------------

REQUEST_COLUMNS = tuple(c.name for c in Request.__table__.columns)


class Req:
    __slots__ = (*REQUEST_COLUMNS, "events", "assignments", "reporters", "merge_reporters", "sub", "field_id",
                 "address", "lead_actor", "lead_actor_unit", "pending_co", "stall", "steps", "dup", "last_at", "finalized")

    def __init__(self) -> None:
        for c in REQUEST_COLUMNS:
            setattr(self, c, None)
        self.events: list[list[Any]] = []  # [kind, at, actor_user_id, label, from, to, note, data, version]
        self.assignments: list[dict[str, Any]] = []
        self.reporters: list[dict[str, Any]] = []
        self.merge_reporters: list[tuple[Req, dict[str, Any]]] = []  # rows on the survivor, written with this one
        self.dup = False
        self.finalized = False
        self.lead_actor_unit = ("COMMUNITY", 0)
        self.stall, self.steps = 0, 0  # the stall hits the stall-th step, if any
        self.pending_co: list[tuple[datetime, dict]] = []  # co-handlers answering while the lead works

    def state_at(self, at: datetime) -> str:
        state = None
        for e in self.events:
            if e[1] > at:
                break
            state = e[5]
        return state


Actor_ = tuple[int | None, str]  # (user id, label)


class Stream:
    """A quasi-random (Kronecker) sequence in [0, 1): shares come out close to the configured
    ones even for a few hundred requests, so rare outcomes are present in small runs too."""

    def __init__(self, rng: random.Random, alpha: float) -> None:
        self.x = rng.random()
        self.a = alpha

    def u(self) -> float:
        self.x = (self.x + self.a) % 1.0
        return self.x


def _cum(weights: dict[str, float], keys: tuple[str, ...] | None = None) -> tuple[tuple[str, ...], list[float]]:
    keys = keys or tuple(weights)
    cum = list(accumulate(weights[k] for k in keys))
    return keys, [c / cum[-1] for c in cum]


def _pick(keys: tuple[str, ...], cum: list[float], u: float) -> str:
    return keys[min(bisect_right(cum, u), len(keys) - 1)]


class Generator:
    def __init__(self, ctx: Context, cfg: GenConfig, seed: int, now: datetime, days: int) -> None:
        self.ctx, self.cfg, self.now, self.days = ctx, cfg, now, days
        self.rng = rng = random.Random(seed)
        self.codes_rng = random.Random()  # tracking codes are never reproduced across runs
        # Steps: fractional parts of square roots of distinct square-free numbers (so streams drawn
        # side by side stay independent) with small continued-fraction terms (evenly spread early).
        golden = (math.sqrt(5) - 1) / 2
        self.s_channel, self.s_scope, self.s_tier, self.s_dispute, self.s_dispute2, self.s_rated, self.s_rating, \
            self.s_dup, self.s_reject, self.s_retriage, self.s_reopen, self.s_stall = (
                Stream(rng, a % 1.0) for a in (math.sqrt(2), math.sqrt(3), golden, math.sqrt(7), golden, math.sqrt(6),
                                               math.sqrt(13), math.sqrt(14), math.sqrt(15), math.sqrt(11), math.sqrt(10), math.sqrt(21)))
        self.scope_cum = _cum(cfg.scopes)
        self.tier_cum = _cum(cfg.tiers)
        self.rating_cum = _cum(cfg.ratings)
        self.cat_cum = {s: _cum(w) for s, w in CATEGORY_BY_SCOPE.items()}
        self.workday_cache: dict[date, bool] = {}
        self.wd_cache: dict[tuple[date, int], tuple[bool, Any, bool]] = {}
        u = ctx.users
        self.dispatcher: Actor_ = (u["dispatcher"], "呼应中心调度员")
        self.district: Actor_ = (u["district"], "区委区政府")
        self.system: Actor_ = (None, "督办系统")
        self.resident: Actor_ = (None, "居民")
        # Some communities report much more than others (old town, elderly residents, active grid workers).
        activity = {c: math.exp(rng.gauss(0, 0.4)) for c in sorted(ctx.communities)}
        self.building_cum = list(accumulate(activity[b[2]] for b in ctx.buildings))
        # How promptly each unit works: most on time, some slow (SPEC §7 evaluates exactly this).
        self.unit_speed: dict[tuple[str, int], float] = {}
        for kind, ids in (("DEPARTMENT", ctx.departments), ("STREET", ctx.streets), ("SECTION", ctx.sections),
                          ("COMMUNITY", ctx.communities)):
            for i in sorted(ids):
                x = rng.random()
                self.unit_speed[(kind, i)] = 3.0 if x < 0.08 else 1.8 if x < 0.25 else rng.uniform(0.6, 1.1)

    # -- time helpers ------------------------------------------------------------------------

    def workday(self, d: date) -> bool:
        w = self.workday_cache.get(d)
        if w is None:
            w = self.workday_cache[d] = is_working_day(d, self.ctx.holidays)[0]
        return w

    def working_days(self, start: datetime, n: int) -> Deadline:
        """`deadlines.working_days`, memoised per local start date: the deadline is either the same
        clock time a whole number of days later (start on a working day) or a fixed midnight."""
        day = start.astimezone(LOCAL_TZ).date()
        hit = self.wd_cache.get((day, n))
        if hit is None:
            dl = deadlines.working_days(start, n, self.ctx.holidays)
            hit = self.wd_cache[(day, n)] = (self.workday(day), dl.at - start if self.workday(day) else dl.at, dl.estimated)
        shift, v, est = hit
        return Deadline(at=start + v if shift else v, estimated=est)

    def office(self, t: datetime, duty: float = 0.0, start: float = 8.5, end: float = 17.5, every_day: bool = False) -> datetime:
        """`t` if it falls in office hours on a working day (or someone on duty picks it up), else
        the start of the next working day plus a little. Communities open every day."""
        local = t.astimezone(LOCAL_TZ)
        h = local.hour + local.minute / 60
        d = local.date()
        open_day = (lambda x: True) if every_day else self.workday
        if open_day(d) and start <= h < end:
            return t
        if duty and self.rng.random() < duty:
            return t
        if not (open_day(d) and h < start):
            d += timedelta(days=1)
            while not open_day(d):
                d += timedelta(days=1)
        begin = datetime.combine(d, dtime(int(start), int(start % 1 * 60)), LOCAL_TZ).astimezone(UTC)
        return begin + timedelta(minutes=self.rng.uniform(0, 70))

    def meeting_after(self, t: datetime) -> datetime:
        """The next morning or evening meeting of the grid workers (早晚碰头, 8:30 and 17:30)."""
        local = t.astimezone(LOCAL_TZ)
        for add in range(3):
            d = local.date() + timedelta(days=add)
            for hh, mm in ((8, 30), (17, 30)):
                c = datetime.combine(d, dtime(hh, mm), LOCAL_TZ)
                if c > local:
                    return c.astimezone(UTC) + timedelta(minutes=self.rng.uniform(10, 50))
        raise AssertionError

    def lognorm(self, median_minutes: float, sigma: float = 0.7) -> timedelta:
        return timedelta(minutes=median_minutes * math.exp(self.rng.gauss(0, sigma)))

    # -- when requests arrive ----------------------------------------------------------------

    def plan_arrivals(self, count: int) -> list[tuple[datetime, str]]:
        rng, cfg, now = self.rng, self.cfg, self.now
        today = now.astimezone(LOCAL_TZ).date()
        first = today - timedelta(days=self.days - 1)
        day_w, day_cums = [], []
        day_prof = list(accumulate(_DAY))
        for i in range(self.days):
            d = first + timedelta(days=i)
            wd, working = d.weekday(), self.workday(d)
            w = (1.0 if wd < 5 else 0.55 if wd == 5 else 0.45)
            if wd < 5 and not working:
                w = 0.4  # public holiday
            elif wd >= 5 and working:
                w = 0.9  # make-up working day (调休)
            w *= 1 + 0.12 * math.sin(2 * math.pi * (d.timetuple().tm_yday - 100) / 365)  # busier summers
            w *= 0.9 + 0.2 * i / max(1, self.days - 1)  # the platform grows
            if d == today:
                local_now = now.astimezone(LOCAL_TZ)
                w *= (day_prof[local_now.hour - 1] if local_now.hour else 0.05) / day_prof[-1]
            day_w.append(max(w, 1e-6))
            ch = dict(cfg.channels)
            ch["QR_CODE"] = cfg.qr_start + (cfg.qr_end - cfg.qr_start) * i / max(1, self.days - 1)
            if not working:
                ch["SERVICE_STATION"] *= 0.3
                ch["CITY_HOTLINE"] *= 0.2
            # The mailbox is emptied weekly, on Monday mornings (skipped when Monday is a holiday).
            ch["MAILBOX"] = ch["MAILBOX"] * 7 if (wd == 0 and working) else 0.0
            day_cums.append(_cum(ch, CHANNELS)[1])
        days_idx = rng.choices(range(self.days), weights=day_w, k=count)
        hour_cum = {c: list(accumulate(HOUR_PROFILES[c])) for c in CHANNELS}
        out = []
        for i in days_idx:
            d = first + timedelta(days=i)
            channel = _pick(CHANNELS, day_cums[i], self.s_channel.u())
            if channel == "MAILBOX" and not (d.weekday() == 0 and self.workday(d)):
                channel = "HOTLINE"
            hc = hour_cum[channel]
            for _ in range(20):
                hour = bisect_right(hc, rng.random() * hc[-1])
                t = datetime.combine(d, dtime(min(hour, 23), rng.randrange(60), rng.randrange(60)), LOCAL_TZ).astimezone(UTC)
                if t < now:
                    break
            else:
                start = datetime.combine(d, dtime(0), LOCAL_TZ).astimezone(UTC)
                t = start + (now - start) * rng.random()
            t = t.replace(microsecond=rng.randrange(1_000_000))
            out.append((min(t, now - timedelta(seconds=1)), channel))
        out.sort()
        return out

    # -- the request's content ---------------------------------------------------------------

    def tracking_code(self) -> str:
        existing = self.ctx.existing_codes
        while True:
            code = "ZF" + "".join(self.codes_rng.choice(_CODE_ALPHABET) for _ in range(8))
            if code not in existing:
                existing.add(code)
                return code

    def pick_sub(self, scope: str, created: datetime) -> Sub:
        rng = self.rng
        cat = _pick(*self.cat_cum[scope], rng.random())
        weights = SUBCATEGORY_BY_SCOPE.get((scope, cat))
        subs = self.ctx.subs_by_category[cat]
        if weights is None:
            month = created.astimezone(LOCAL_TZ).month
            weights = {s.code: SUBCATEGORY_WEIGHTS.get(s.code, 10) * SEASONAL.get(s.code, {}).get(month, 1.0) for s in subs}
        code = rng.choices(list(weights), weights=list(weights.values()))[0]
        return self.ctx.subs[code]

    def new_request(self, created: datetime, channel: str, building: tuple | None, community_id: int) -> Req:
        rng, ctx = self.rng, self.ctx
        r = Req()
        r.created_at = created
        r.channel = channel
        if building is not None:
            r.building_id, r.grid_id, r.community_id, r.street_id, r.field_id, r.address = building
        else:
            r.community_id, r.street_id = community_id, ctx.communities[community_id][1]
            r.field_id = None
            r.location_note = ctx.communities[community_id][0] + rng.choice(NO_BUILDING_SPOTS)
            r.address = r.location_note
        if r.location_note is None:
            r.location_note = ""
        cname = ctx.communities[r.community_id][0]
        # Who reported it (SPEC §5.1): staff channels carry the reporter's login, QR codes none.
        u = ctx.users
        residents = ctx.residents.get(r.building_id or -1, [])
        resident = rng.choice(residents) if residents else None
        if channel == "BUILDING_LEADER":
            leader = residents[0] if residents else None
            reporter = (u["leader"], f"{cname}楼长" + (leader[1] if leader else ""))
        elif channel == "GRID_WORKER":
            reporter = (u["grid"], f"{ctx.grids[r.grid_id]}网格员")
        elif channel == "SNAPSHOT":
            reporter = (u["fieldhead"], "田长") if r.field_id else (u["grid"], f"{ctx.grids[r.grid_id]}网格员")
        elif channel in ("HOTLINE", "SERVICE_STATION", "MAILBOX", "MEETING"):
            reporter = (u["community"], f"{cname}工作站")
        elif channel == "CITY_HOTLINE":
            reporter = (u["dispatcher"], "呼应中心调度员")
        else:
            reporter = (None, "居民")
        r.reporter_user_id = reporter[0]
        r.lead_actor = reporter  # until someone handles it; kept for the SUBMITTED event
        if resident and channel != "MAILBOX" and rng.random() < (0.5 if channel == "QR_CODE" else 0.6):
            r.contact_name, r.contact_phone = resident[1], resident[2]
            if channel != "QR_CODE" and rng.random() < 0.7:
                r.reporter_resident_id = resident[0]
        elif channel in ("HOTLINE", "CITY_HOTLINE", "SERVICE_STATION") and rng.random() < 0.8:
            k = rng.randrange(1, 10**7)
            r.contact_name, r.contact_phone = ref.person_name(k), ref.phone(k)
        r.occurred_at = created - self._occurred_before(channel)
        return r

    def _occurred_before(self, channel: str) -> timedelta:
        rng = self.rng
        if channel == "MAILBOX":
            return timedelta(hours=rng.uniform(2, 160))
        if channel == "BUILDING_LEADER":
            return timedelta(minutes=rng.uniform(5, 600))
        if channel in ("QR_CODE", "SNAPSHOT", "HOTLINE", "CITY_HOTLINE"):
            return timedelta(minutes=rng.uniform(1, 90))
        return timedelta(hours=rng.uniform(0.2, 30))

    def fill_text(self, r: Req, sub: Sub) -> None:
        rng = self.rng
        title, body = rng.choice(TEMPLATES.get(sub.code) or (("居民反映问题", "{c}居民反映相关问题,请求处理。"),))
        cname = self.ctx.communities[r.community_id][0]
        body = body.format(addr=r.address if r.building_id else r.location_note, c=cname)
        r.title = title
        r.text = rng.choice(CHANNEL_PREFIX[r.channel]) + body + rng.choice(TEXT_TAILS)
        r.search_terms = bigrams(r.title + " " + r.text)
        found = suggest(r.text, self.ctx.candidates)
        r.suggested_subcategory_id = found.subcategory_id if found else None

    # -- transitions (each mirrors one resolver) -----------------------------------------------

    def _move(self, r: Req, to: str | None, kind: str, at: datetime, actor: Actor_, note: str = "",
              data: dict | None = None) -> None:
        before = r.state
        if to is not None:
            r.state = to
        r.updated_at = at
        r.last_at = at
        r.events.append([kind, at, actor[0], actor[1], before, r.state, note,
                         json.dumps(data, ensure_ascii=False, default=str) if data else "{}", None])

    def step(self, r: Req, at: datetime) -> datetime | None:
        """The time of the next action, or None if it would lie in the future: the request stays
        where it is (and the supervision sweep may have marked it overdue)."""
        if at <= r.last_at:
            at = r.last_at + timedelta(seconds=self.rng.uniform(20, 300))
        r.steps += 1
        if r.steps == r.stall:  # stuck: the case waits for days (and goes on the supervision list)
            at = r.last_at + (at - r.last_at) * self.rng.uniform(4, 20) + timedelta(days=self.rng.uniform(1, 12))
        if at > self.now:
            self.sweep(r, self.now, final=True)
            return None
        self.sweep(r, at)
        return at

    def sweep(self, r: Req, until: datetime, final: bool = False) -> None:
        """supervision.sweep_overdue, as it would have run before `until`. The generator's `now`
        counts as a sweep: a sweep right after generating finds nothing more to mark."""
        if r.overdue or r.due_at is None or r.state not in SWEPT_STATES or not r.due_at < until:
            return
        t = r.due_at + SWEEP_EVERY * self.rng.random()
        if t >= until:
            if not final:
                return  # acted before the next sweep came round
            t = until
        if t <= r.last_at:
            return
        r.overdue, r.overdue_since = True, r.due_at
        self._move(r, None, "OVERDUE", t, self.system, note=f"超过{_due_label(r.due_kind)}时限,挂牌督办",
                   data={"dueKind": r.due_kind, "dueAt": r.due_at.isoformat(), "minutesLate": int((t - r.due_at).total_seconds() // 60)})

    def submit(self, r: Req) -> None:  # intake.submit_request
        r.tracking_code = self.tracking_code()
        r.state, r.version, r.updated_at, r.last_at = "SUBMITTED", 1, r.created_at, r.created_at
        r.due_estimated, r.overdue = False, False
        deadlines.set_due(r, "TRIAGE", deadlines.triage_due(r.created_at, Policy(**deadlines.DEFAULT_POLICY)))
        r.reporters.append({"reporter_user_id": r.reporter_user_id, "reporter_resident_id": r.reporter_resident_id,
                            "contact_name": r.contact_name, "contact_phone": r.contact_phone})
        r.events.append(["SUBMITTED", r.created_at, r.lead_actor[0], r.lead_actor[1], None, "SUBMITTED", "",
                         json.dumps({"channel": r.channel, "photos": 0}), None])

    def triage(self, r: Req, at: datetime, scope: str, sub: Sub, note: str = "") -> None:  # triage.triage
        r.scope, r.subcategory_id, r.category_id = scope, sub.id, sub.category_id
        if scope != "MAJOR":  # now the community's, within its response time
            hours = sub.policy.minor_a_hours if scope == "MINOR" else sub.policy.private_response_hours
            deadlines.set_due(r, "RESPONSE", deadlines.hours(at, hours))
        self._move(r, "TRIAGED", "TRIAGED", at, self.dispatcher, note, {"scope": scope, "subcategory": sub.code})

    def reject(self, r: Req, at: datetime, reason: str) -> None:  # triage.reject
        r.reject_reason = reason
        deadlines.set_due(r, None, None)
        self._move(r, "REJECTED", "REJECTED", at, self.dispatcher, reason)

    def merge(self, r: Req, target: Req, at: datetime, actor: Actor_, note: str) -> None:  # triage.merge
        r.merged_into_id = target  # resolved to the id when written
        r.merge_reporters.append((target, dict(r.reporters[0])))
        deadlines.set_due(r, None, None)
        self._move(r, "MERGED", "MERGED", at, actor, note, {"into": target.tracking_code})
        # The survivor's MERGED_IN, slotted into its (already generated) history.
        t = at + timedelta(milliseconds=1)
        i = bisect_right([e[1] for e in target.events], t)
        state = target.events[i - 1][5]
        target.events.insert(i, ["MERGED_IN", t, actor[0], actor[1], state, state, note,
                                 json.dumps({"from": r.tracking_code}, ensure_ascii=False), None])

    def _replace_assignment(self, r: Req, at: datetime, unit_kind: str, unit_id: int | None, actor: Actor_,
                            label: str, accepted: bool, response_due_at: datetime | None = None,
                            resolve_due_at: datetime | None = None) -> dict:  # triage._replace_assignment
        for a in r.assignments:
            a["active"] = False
        a = {"unit_kind": unit_kind, "unit_id": unit_id or 0, "assignee_label": label, "role": "LEAD", "round": 1,
             "status": "ACCEPTED" if accepted else "PENDING", "active": True, "assigned_at": at, "response_due_at": response_due_at,
             "responded_at": at if accepted else None, "resolve_due_at": resolve_due_at, "dispute_reason": None,
             "assigned_by_user_id": actor[0]}
        r.assignments.append(a)
        return a

    def classify(self, r: Req, at: datetime, tier: str, worker: Actor_, by_grid: bool) -> None:  # triage.classify_minor
        rng, policy = self.rng, r.sub.policy
        r.tier = tier
        note = ""
        if tier == "A":
            deadline, kind = deadlines.hours(at, policy.minor_a_hours), "RESOLVE"
            note = rng.choice(("立即派人现场处置。", "", "已安排网格员即时上门。"))
        elif tier == "B":
            k = rng.randrange(1, 10**7)
            r.assignee_name, r.assignee_title, r.assignee_phone = ref.person_name(k), rng.choice(ASSIGNEE_TITLES), ref.phone(k)
            local = at.astimezone(LOCAL_TZ)
            due_day = local.date() + timedelta(days=rng.choice((3, 5, 7, 7, 10, 15)))
            deadline = Deadline(at=datetime.combine(due_day, dtime(17, 30), LOCAL_TZ), estimated=False)
            kind = "RESOLVE"
            note = f"限期{(due_day - local.date()).days}天办结,承办人公示。"
        else:
            interval = rng.choice((policy.minor_c_progress_days,) * 7 + (14, 14, 30))
            r.work_plan = (f"制定{r.sub.name}专项工作方案:一是摸底排查,二是分类处置,三是定期回访;"
                           f"每{interval}天向居民反馈一次进展。")
            r.progress_interval_days = interval
            deadline, kind = deadlines.days(at, interval), "PROGRESS"
            note = "周期性工作,按方案定期反馈进展。"
        self._replace_assignment(r, at, "GRID" if by_grid else "COMMUNITY", r.grid_id if by_grid else r.community_id,
                                 worker, r.assignee_name or "", accepted=True, resolve_due_at=deadline.at if kind == "RESOLVE" else None)
        deadlines.set_due(r, kind, deadline)
        r.resolve_due_at = deadline.at if kind == "RESOLVE" else None
        if r.first_response_at is None:
            r.first_response_at = at
        self._move(r, "ACCEPTED", "CLASSIFIED", at, worker, note,
                   {"tier": tier, "assigneeName": r.assignee_name, "deadline": deadline.at.isoformat()})

    def assign_private(self, r: Req, at: datetime, kind: str, unit_kind: str, unit_id: int | None, label: str,
                       worker: Actor_) -> None:  # triage.assign_private
        if unit_kind == "GRID":
            unit_id = r.grid_id
        r.private_kind = kind
        response = deadlines.hours(at, r.sub.policy.private_response_hours)
        self._replace_assignment(r, at, unit_kind, unit_id, worker, label, accepted=False, response_due_at=response.at)
        deadlines.set_due(r, "RESPONSE", response)
        note = "转交调解。" if kind == "MEDIATION" else "对接志愿服务资源。"
        self._move(r, "DISPATCHED", "DISPATCHED", at, worker, note, {
            "kind": kind, "unitKind": unit_kind, "assignee": label,
            "units": [{"kind": unit_kind, "id": unit_id or 0, "name": label, "role": "LEAD"}]})

    def assign_round(self, r: Req, at: datetime, units: list[tuple[str, int, str]], round_: int, actor: Actor_,
                     kind: str, note: str) -> None:  # dispatch._assign_round + dispatch/redispatch/decide
        policy = r.sub.policy
        response = deadlines.hours(at, policy.major_response_hours)
        resolve = self.working_days(at, policy.major_resolve_working_days)
        for a in r.assignments:
            a["active"] = False
        for i, (k, uid, name) in enumerate(units):
            r.assignments.append({
                "unit_kind": k, "unit_id": uid, "assignee_label": name, "role": "LEAD" if i == 0 else "CO", "round": round_,
                "status": "PENDING", "active": True, "assigned_at": at, "response_due_at": response.at, "responded_at": None,
                "resolve_due_at": resolve.at, "dispute_reason": None, "assigned_by_user_id": actor[0]})
        r.resolve_due_at = resolve.at
        deadlines.set_due(r, "RESPONSE", response)
        data = {"units": [{"kind": k, "id": uid, "name": n, "role": "LEAD" if i == 0 else "CO"} for i, (k, uid, n) in enumerate(units)],
                "round": round_}
        self._move(r, kind, kind, at, actor, note, data)

    def accept(self, r: Req, at: datetime, a: dict, actor: Actor_) -> None:  # dispatch.accept
        a["status"], a["responded_at"] = "ACCEPTED", at
        if r.first_response_at is None:
            r.first_response_at = at
        note = self.rng.choice(ACCEPT_NOTES)
        if a["role"] == "CO":
            self._move(r, None, "CO_ACCEPTED", at, actor, note, {"unit": a["assignee_label"]})
            return
        if r.scope == "PRIVATE":
            resolve = self.working_days(at, r.sub.policy.major_resolve_working_days)
            r.resolve_due_at = resolve.at
            deadlines.set_due(r, "RESOLVE", resolve)
        else:
            deadlines.set_due(r, "RESOLVE", Deadline(at=r.resolve_due_at, estimated=False) if r.resolve_due_at else None)
        self._move(r, "ACCEPTED", "ACCEPTED", at, actor, note, {"unit": a["assignee_label"]})

    def dispute(self, r: Req, at: datetime, a: dict, actor: Actor_, reason: str) -> None:  # dispatch.dispute
        a["status"], a["responded_at"], a["dispute_reason"] = "DISPUTED", at, reason
        if r.first_response_at is None:
            r.first_response_at = at
        if a["round"] == 1:
            deadlines.set_due(r, "REDISPATCH", deadlines.hours(at, deadlines.REDISPATCH_HOURS))
        else:
            deadlines.set_due(r, "DECISION", self.working_days(at, deadlines.DECISION_WORKING_DAYS))
        self._move(r, "DISPUTED", "DISPUTED", at, actor, reason, {"unit": a["assignee_label"], "round": a["round"]})

    def escalate(self, r: Req, at: datetime, actor: Actor_, note: str) -> None:  # dispatch.escalate
        r.escalation_note = note
        deadlines.set_due(r, "DECISION", self.working_days(at, deadlines.DECISION_WORKING_DAYS))
        self._move(r, "ESCALATED", "ESCALATED", at, actor, note)

    def progress(self, r: Req, at: datetime, actor: Actor_) -> None:  # handling.report_progress
        if r.tier == "C" and r.progress_interval_days:
            deadlines.set_due(r, "PROGRESS", deadlines.days(at, r.progress_interval_days))
        self._move(r, "IN_PROGRESS", "PROGRESS", at, actor, self.rng.choice(PROGRESS_NOTES[r.sub.category_code]))

    def resolve(self, r: Req, at: datetime, actor: Actor_) -> None:  # handling.resolve
        r.resolution = self.rng.choice(RESOLUTIONS[r.sub.category_code]).format(sub=r.sub.name)
        r.resolved_at = at
        for a in r.assignments:
            if a["active"] and a["role"] == "LEAD":
                a["status"] = "DONE"
                break
        deadlines.set_due(r, None, None)
        self._move(r, "RESOLVED", "RESOLVED", at, actor, r.resolution,
                   {"elapsedSeconds": int((at - r.created_at).total_seconds())})

    def close(self, r: Req, at: datetime) -> None:  # handling.close
        r.closed_at = at
        self._move(r, "CLOSED", "CLOSED", at, self.dispatcher, self.rng.choice(("", "反馈期满,办结归档。")))

    def reopen(self, r: Req, at: datetime, actor: Actor_, reason: str, by: str) -> None:  # handling.reopen_request
        due = self.working_days(at, r.sub.policy.major_resolve_working_days)
        for a in r.assignments:
            if a["active"] and a["role"] == "LEAD":
                a["status"], a["resolve_due_at"] = "ACCEPTED", due.at
        r.resolved_at = None
        r.resolve_due_at = due.at
        deadlines.set_due(r, "RESOLVE", due)
        self._move(r, "REOPENED", "REOPENED", at, actor, reason, {"by": by})

    def rate(self, r: Req, at: datetime, rating: str) -> None:  # feedback.rate
        rng = self.rng
        actor = self.resident
        if r.reporter_user_id is not None and rng.random() < 0.3:
            actor = (r.reporter_user_id, r.events[0][3])  # the reporter rates by id
        comment = rng.choice(RATING_COMMENTS[rating]) or None
        r.rating, r.rating_comment, r.rated_at = RATING_SCORE[rating], comment, at
        within = r.resolved_at is not None and at - r.resolved_at <= FEEDBACK_WINDOW
        self._move(r, None, "RATED", at, actor, comment or "", {"rating": rating, "score": r.rating})
        t = at + timedelta(milliseconds=1)
        if rating == "UNSATISFIED" and within:
            self.reopen(r, t, actor, comment or "群众不满意", by="RESIDENT")
        else:
            r.closed_at = t
            self._move(r, "CLOSED", "CLOSED", t, actor, "评价后自动关闭")

    # -- who acts ----------------------------------------------------------------------------

    def community_actor(self, r: Req) -> Actor_:
        return (self.ctx.users["community"], f"{self.ctx.communities[r.community_id][0]}工作站")

    def grid_actor(self, r: Req) -> Actor_:
        return (self.ctx.users["grid"], f"{self.ctx.grids[r.grid_id]}网格员")

    def street_actor(self, r: Req) -> Actor_:
        return (self.ctx.users["street"], f"{self.ctx.streets[r.street_id]}分中心")

    def unit_actor(self, kind: str, uid: int, name: str) -> Actor_:
        if kind == "DEPARTMENT":
            return (self.ctx.users["department"], name)
        return (self.ctx.users["street"], name if kind == "SECTION" else f"{name}分中心")

    def speed(self, kind: str, uid: int) -> float:
        return self.unit_speed.get((kind, uid), 1.0)

    # -- MAJOR units -------------------------------------------------------------------------

    def _dept(self, name: str) -> tuple[str, int, str] | None:
        i = self.ctx.dept_by_name.get(name)
        return ("DEPARTMENT", i, name) if i else None

    def _section(self, r: Req) -> tuple[str, int, str] | None:
        secs = self.ctx.sections_by_street.get(r.street_id, {})
        names = [n for n in SECTION_BY_CATEGORY.get(r.sub.category_code, ()) if n in secs] or list(secs)
        if not names:
            return None
        sid = secs[self.rng.choice(names)]
        return ("SECTION", sid, self.ctx.sections[sid][1])

    def _street(self, r: Req) -> tuple[str, int, str]:
        return ("STREET", r.street_id, self.ctx.streets[r.street_id])

    def first_units(self, r: Req) -> list[tuple[str, int, str]]:
        rng, sub = self.rng, r.sub
        x = rng.random()
        lead = None
        if x < 0.75 and sub.department_id:
            lead = ("DEPARTMENT", sub.department_id, self.ctx.departments[sub.department_id])
        elif x < 0.85:
            lead = self._dept(rng.choice(RELATED_DEPTS[sub.category_code]))
        elif x < 0.93:
            lead = self._street(r)
        else:
            lead = self._section(r)
        lead = lead or self._street(r)
        return self._with_co(r, lead, self.cfg.co_handler_rate)

    def _with_co(self, r: Req, lead: tuple[str, int, str], rate: float) -> list[tuple[str, int, str]]:
        units = [lead]
        # A street officer also acts for the street's sections (common.actor_holds_unit), so with one
        # of its sections leading, the street's accept would be taken as the lead's: never a co-handler then.
        own_street = self.ctx.sections[lead[1]][0] if lead[0] == "SECTION" else None
        if self.rng.random() < rate:
            pool = [self._dept(n) for n in CO_DEPTS] + [self._street(r)]
            for u in self.rng.sample(pool, self.rng.choice((1, 1, 2))):
                if u and all((u[0], u[1]) != (v[0], v[1]) for v in units) and (u[0], u[1]) != ("STREET", own_street):
                    units.append(u)
        return units

    def other_units(self, r: Req, tried: set[tuple[str, int]], joint: float, departments_only: bool = False) -> list[tuple[str, int, str]]:
        """Another lead: the street's second dispatch goes to a department that has not had it yet;
        the district may name anyone."""
        rng, sub = self.rng, r.sub
        options = [self._dept(n) for n in RELATED_DEPTS[sub.category_code] + CO_DEPTS[:3]]
        if sub.department_id:
            options.append(("DEPARTMENT", sub.department_id, self.ctx.departments[sub.department_id]))
        if not departments_only:
            options += [self._street(r), self._section(r)]
        options = [o for o in options if o and (o[0], o[1]) not in tried]
        lead = rng.choice(options) if options else self._street(r)
        return self._with_co(r, lead, joint)

    # -- scenario ----------------------------------------------------------------------------

    def life(self, r: Req, scope: str, sub: Sub) -> None:
        rng, cfg = self.rng, self.cfg
        r.sub = sub
        self.fill_text(r, sub)
        self.submit(r)
        at = self.step(r, r.created_at + self.lognorm(8, 0.6))  # the center works around the clock
        if at is None:
            return
        if self.s_reject.u() < cfg.reject_rate / (1 - cfg.merge_rate):
            r.scope = None
            if rng.random() < 0.15:
                self.triage(r, at, scope, sub)
                at = self.step(r, at + self.lognorm(30))
                if at is None:
                    return
            self.reject(r, at, rng.choice(REJECT_REASONS))
            return
        if self.s_retriage.u() < cfg.retriage_rate:
            wrong = rng.choice([s for s in cfg.scopes if s != scope])
            self.triage(r, at, wrong, sub)
            at = self.step(r, at + self.lognorm(40))
            if at is None:
                return
            self.triage(r, at, scope, sub, note=f"调整为{ {'MAJOR': '大事', 'MINOR': '小事', 'PRIVATE': '私事'}[scope] }")
        else:
            self.triage(r, at, scope, sub)
        handler = {"MAJOR": self.major, "MINOR": self.minor, "PRIVATE": self.private}[scope]
        at = handler(r, at)
        if at is not None:
            self.feedback(r, at)

    def major(self, r: Req, at: datetime) -> datetime | None:
        at = self.step(r, at + self.lognorm(5, 0.6))
        if at is None:
            return None
        units = self.first_units(r)
        co_part = "、".join(u[2] for u in units[1:])
        note = f"请{units[0][2]}牵头办理" + (f",{co_part}配合" if co_part else "") + "。"
        self.assign_round(r, at, units, 1, self.dispatcher, "DISPATCHED", note)
        at = self.respond(r, at, 1, {(u[0], u[1]) for u in units[:1]})
        if at is None:
            return None
        return self.work(r, at, median_hours=50, speed=self.speed(*r.lead_actor_unit))

    def respond(self, r: Req, at: datetime, round_: int, tried: set) -> datetime | None:
        rng, cfg = self.rng, self.cfg
        active = [a for a in r.assignments if a["active"]]
        lead = active[0]
        lead_unit = (lead["unit_kind"], lead["unit_id"])
        speed = self.speed(*lead_unit)
        r.lead_actor_unit = lead_unit
        lead_actor = self.unit_actor(lead["unit_kind"], lead["unit_id"], lead["assignee_label"])
        if round_ == 1:
            prone = DISPUTE_PRONE.get(lead["assignee_label"], 0.85 if lead["unit_kind"] == "DEPARTMENT" else 1.0)
            disputed = self.s_dispute.u() < min(0.9, cfg.dispute_rate * prone)
        elif round_ == 2:
            disputed = self.s_dispute2.u() < cfg.second_dispute_rate
        else:
            disputed = False  # the district's decision is final
        # The lead's answer: on duty around the clock for some, otherwise next office morning.
        t_resp = self.office(at, duty=0.85 if speed < 2 else 0.5) + self.lognorm(30 * speed ** 0.5, 0.7)
        # Co-handlers confirm their part before the lead answers or while the lead works (dispatch.accept).
        later = []
        for t, co in sorted(((self.office(at, duty=0.5) + self.lognorm(40 * self.speed(co["unit_kind"], co["unit_id"]), 0.9), co)
                             for co in active[1:]), key=lambda x: x[0]):
            if rng.random() < 0.1:
                continue  # never confirms
            if t < t_resp:
                t = self.step(r, t)
                if t is None:
                    return None
                self.accept(r, t, co, self.unit_actor(co["unit_kind"], co["unit_id"], co["assignee_label"]))
            else:
                later.append((t, co))
        t = self.step(r, t_resp)
        if t is None:
            return None
        if not disputed:
            self.accept(r, t, lead, lead_actor)
            r.lead_actor = lead_actor
            r.pending_co = later
            return t
        self.dispute(r, t, lead, lead_actor, rng.choice(DISPUTE_REASONS))
        tried = tried | {lead_unit}
        street = self.street_actor(r)
        if round_ == 1:  # 二次分流 by the request's street
            t = self.step(r, self.office(t, duty=0.2) + self.lognorm(150 * self.speed("STREET", r.street_id), 0.7))
            if t is None:
                return None
            units = self.other_units(r, tried, 0.3, departments_only=True)
            self.assign_round(r, t, units, 2, street, "REDISPATCHED", f"经街道研判,改派{units[0][2]}牵头办理。")
            return self.respond(r, t, 2, tried | {(units[0][0], units[0][1])})
        # A second dispute: joint explanation, escalated to the district, whose decision is final.
        t = self.step(r, self.office(t + self.lognorm(20 * 60, 0.6)))
        if t is None:
            return None
        sname = self.ctx.streets[r.street_id]
        disputers = [a["assignee_label"] for a in r.assignments if a["status"] == "DISPUTED" and a["assignee_label"] != sname]
        self.escalate(r, t, street, f"{sname}与{'、'.join(disputers)}联合说明:该事项经首次派单和二次分流均有异议"
                                    f"({r.sub.name},职责存在交叉),提请区委区政府裁定责任单位。")
        t = self.step(r, self.office(t + self.lognorm(30 * 60, 0.6)))
        if t is None:
            return None
        units = self.other_units(r, set(), 0.6)
        co_part = "、".join(u[2] for u in units[1:])
        self.assign_round(r, t, units, 3, self.district, "DECIDED",
                          f"经研究裁定,由{units[0][2]}牵头负责" + (f",{co_part}配合" if co_part else "") + ",限期办结,不得再行推诿。")
        return self.respond(r, t, 3, tried)

    def work(self, r: Req, at: datetime, median_hours: float, speed: float, n_progress: int | None = None,
             office: bool = True) -> datetime | None:
        """Progress reports, then the resolution, by the current lead (r.lead_actor)."""
        rng = self.rng
        end = at + self.lognorm(median_hours * 60 * speed, 0.6)
        if office:
            end = self.office(end, duty=0.15, every_day=r.scope != "MAJOR")
        n = n_progress if n_progress is not None else rng.choice((0, 1, 1, 1, 2, 2, 3))
        actions: list[tuple[datetime, dict | None]] = []
        for k in (rng.uniform(0.15, 0.9) for _ in range(n)):
            t = at + (end - at) * k
            actions.append((self.office(t, duty=0.2, every_day=r.scope != "MAJOR") if office else t, None))
        actions += [(t, co) for t, co in r.pending_co if t < end]
        r.pending_co = []
        for t, co in sorted(actions, key=lambda x: x[0]):
            t = self.step(r, t)
            if t is None:
                return None
            if co is None:
                self.progress(r, t, r.lead_actor)
            else:
                self.accept(r, t, co, self.unit_actor(co["unit_kind"], co["unit_id"], co["assignee_label"]))
        t = self.step(r, end)
        if t is None:
            return None
        self.resolve(r, t, r.lead_actor)
        return t

    def minor(self, r: Req, at: datetime) -> datetime | None:
        rng = self.rng
        by_grid = r.grid_id is not None and rng.random() < 0.4
        worker = self.grid_actor(r) if by_grid else self.community_actor(r)
        speed = self.speed("COMMUNITY", r.community_id)
        at = self.step(r, self.office(at + self.lognorm(60 * speed, 0.8), duty=0.3 if by_grid else 0.1, start=8, end=18, every_day=True))
        if at is None:
            return None
        tier = _pick(*self.tier_cum, self.s_tier.u())
        self.classify(r, at, tier, worker, by_grid)
        r.lead_actor = worker
        if tier == "A":
            return self.work(r, at, median_hours=5 * speed, speed=1.0, n_progress=1 if rng.random() < 0.2 else 0, office=False)
        if tier == "B":
            window = (r.due_at - at).total_seconds() / 3600
            return self.work(r, at, median_hours=window * 0.45 * speed, speed=1.0, n_progress=rng.choice((0, 1, 1, 2)))
        # Tier C: a progress report every interval, then the resolution.
        interval = r.progress_interval_days
        t = at
        for _ in range(rng.randint(2, 7)):
            nxt = self.step(r, self.office(t + timedelta(days=interval * rng.uniform(0.65, 1.0) * speed), duty=0.1, every_day=True))
            if nxt is None:
                return None
            self.progress(r, nxt, worker)
            t = nxt
        return self.work(r, t, median_hours=36, speed=speed, n_progress=0)

    def private(self, r: Req, at: datetime) -> datetime | None:
        rng = self.rng
        kind = "MEDIATION" if (r.sub.category_code == "MEDIATION" or (r.sub.code == "LIVING_NOISE")) else "RESOURCE"
        if kind == "MEDIATION" and r.sub.category_code != "MEDIATION" and rng.random() < 0.5:
            kind = "RESOURCE"
        by_grid = r.grid_id is not None and rng.random() < 0.45
        worker = self.grid_actor(r) if by_grid else self.community_actor(r)
        speed = self.speed("COMMUNITY", r.community_id)
        cname = self.ctx.communities[r.community_id][0]
        if kind == "MEDIATION":
            x = rng.random()
            if r.grid_id is not None and (x < 0.4 or by_grid and x < 0.6):
                unit_kind, unit_id, label = "GRID", r.grid_id, f"{self.ctx.grids[r.grid_id]}网格员"
            elif r.building_id is not None and x < 0.65 and self.ctx.residents.get(r.building_id):
                leader = self.ctx.residents[r.building_id][0]
                unit_kind, unit_id, label = "BUILDING_LEADER", leader[0], f"楼长{leader[1]}"
            else:
                k = rng.randrange(1, 10**7)
                unit_kind, unit_id, label = "PEACEMAKER", None, f"{cname}和事佬{ref.person_name(k)}"
        elif rng.random() < 0.65:
            unit_kind, unit_id, label = "VOLUNTEER_TEAM", None, cname + rng.choice(VOLUNTEER_TEAMS)
        else:
            unit_kind, unit_id, label = "SOCIAL_ORG", None, rng.choice(SOCIAL_ORGS)
        if unit_kind == "GRID" and not by_grid:
            worker = self.grid_actor(r)  # the grid worker holds the grid's assignments
        at = self.step(r, self.office(at + self.lognorm(90 * speed, 0.8), duty=0.3, start=8, end=18, every_day=True))
        if at is None:
            return None
        self.assign_private(r, at, kind, unit_kind, unit_id, label, worker)
        t = self.step(r, self.office(at, duty=0.4, start=8, end=19, every_day=True) + self.lognorm(240 * speed, 0.9))
        if t is None:
            return None
        self.accept(r, t, r.assignments[-1], worker)
        r.lead_actor = worker
        return self.work(r, t, median_hours=30, speed=speed)

    def feedback(self, r: Req, at: datetime, again: bool = False) -> None:
        rng, cfg = self.rng, self.cfg
        if not again and self.s_reopen.u() < cfg.center_reopen_rate:
            t = self.step(r, at + self.lognorm(240))
            if t is None:
                return
            self.reopen(r, t, self.dispatcher, rng.choice(CENTER_REOPEN_REASONS), by="CENTER")
            at = self.rework(r, t)
            if at is not None:
                self.feedback(r, at, again=True)
            return
        if self.s_rated.u() < cfg.rated_rate:
            delay = min(self.lognorm(16 * 60, 1.0), timedelta(days=6, hours=20))
            t = self.step(r, at + delay)
            if t is None:
                return
            rating = _pick(*self.rating_cum, self.s_rating.u())
            if again and rating == "UNSATISFIED":
                rating = "BASIC"
            self.rate(r, t, rating)
            if r.state == "REOPENED":
                at = self.rework(r, t)
                if at is not None:
                    self.feedback(r, at, again=True)
            return
        t = self.step(r, self.office(at + FEEDBACK_WINDOW + timedelta(hours=rng.uniform(1, 60))))
        if t is None:
            return
        self.close(r, t)

    def rework(self, r: Req, at: datetime) -> datetime | None:
        speed = self.speed(*r.lead_actor_unit) if r.scope == "MAJOR" else self.speed("COMMUNITY", r.community_id)
        return self.work(r, at, median_hours=30, speed=speed, n_progress=1)

    # -- duplicates (merged at triage or at the grid workers' meeting) -------------------------

    def duplicate(self, r: Req, target: Req) -> None:
        rng = self.rng
        r.sub, r.dup = target.sub, True
        self.fill_text(r, target.sub)
        self.submit(r)
        at = self.step(r, r.created_at + self.lognorm(8, 0.6))
        if at is None:
            return
        actor = self.dispatcher
        if target.scope != "MAJOR" and rng.random() < 0.6:  # else the center merges it at triage
            self.triage(r, at, target.scope, target.sub)
            by_grid = r.grid_id is not None and rng.random() < 0.6
            actor = self.grid_actor(r) if by_grid else self.community_actor(r)
            at = self.step(r, self.meeting_after(at))
            if at is None:
                return
        if target.state_at(at) in ("MERGED", "REJECTED", "CLOSED"):  # too late to merge: a duplicate of a closed case
            self.reject(r, at, f"重复反映,相同诉求({target.tracking_code})已办结。")
            return
        self.merge(r, target, at, actor, rng.choice(MERGE_NOTES))

    def make(self, created: datetime, channel: str, recent: deque) -> Req:
        """One request, with its whole history up to now."""
        rng, ctx, cfg = self.rng, self.ctx, self.cfg
        if self.s_dup.u() < cfg.merge_rate:
            window = created - timedelta(hours=20)
            pool = [p for p in recent if p.created_at > window and not p.dup and p.building_id is not None
                    and p.scope is not None and p.state not in ("REJECTED", "MERGED")]
            if pool:
                target = rng.choice(pool)
                r = self.new_request(created, channel, ctx.building_by_id[target.building_id], target.community_id)
                self.duplicate(r, target)
                return r
        building = ctx.buildings[bisect_right(self.building_cum, rng.random() * self.building_cum[-1])]
        community = building[2]
        if channel in ("HOTLINE", "SERVICE_STATION", "MAILBOX", "MEETING") and rng.random() < cfg.no_building_rate:
            building = None  # placed at the community only
        r = self.new_request(created, channel, building, community)
        if self.s_stall.u() < cfg.stall_rate:
            r.stall = rng.randint(2, 5)
        scope = _pick(*self.scope_cum, self.s_scope.u())
        self.life(r, scope, self.pick_sub(scope, created))
        return r

# ---------------------------------------------------------------------------------------------
# Writing: ids and seqs reserved inside each transaction, rows by COPY (PostgreSQL) or in
# executemany chunks
# ---------------------------------------------------------------------------------------------

_EVENT_KEYS = ("kind", "at", "actor_user_id", "actor_label", "from_state", "to_state", "note", "data", "version")


@dataclass
class GenerateResult:
    requests: int = 0
    events: int = 0
    assignments: int = 0
    reporters: int = 0
    seconds: float = 0.0
    writer: str = ""  # "copy" or "executemany"
    request_ids: list[int] = field(default_factory=list)
    states: Counter = field(default_factory=Counter)
    channels: Counter = field(default_factory=Counter)
    scopes: Counter = field(default_factory=Counter)
    samples: dict[tuple, Req] = field(default_factory=dict)  # one request per history shape

    def summary(self) -> dict[str, Any]:
        return {"requests": self.requests, "events": self.events, "assignments": self.assignments,
                "reporters": self.reporters, "seconds": round(self.seconds, 1), "writer": self.writer,
                "states": dict(self.states.most_common()), "channels": dict(self.channels.most_common()),
                "scopes": dict(self.scopes.most_common())}


def shape_of(kinds: list[str], scope: str | None, tier: str | None) -> tuple:
    """A history's shape: its event kinds with repeats collapsed (OVERDUE aside)."""
    out: list[str] = []
    for k in kinds:
        if k != "OVERDUE" and (not out or out[-1] != k):
            out.append(k)
    return (scope, tier, *out)


class Writer:
    def __init__(self, db: Database, result: GenerateResult, bar: tqdm, chunk: int, copy: bool | None = None) -> None:
        self.db, self.result, self.bar, self.chunk = db, result, bar, chunk
        self.pending: list[Req] = []
        self.heap: list[tuple[datetime, int, Req, list]] = []
        self.ready: list[tuple[Req, list]] = []
        self.counter = 0
        self.postgres = db.dialect == "postgresql"
        if copy and not self.postgres:
            raise ValueError("COPY needs PostgreSQL")
        self.copy = self.postgres if copy is None else copy
        self.columns: dict[str, list[str]] = {}  # table → its columns in the table's order (COPY)
        self.task: asyncio.Task | None = None

    def add(self, r: Req) -> None:
        for i, e in enumerate(r.events):
            e[8] = i + 1
        r.version = len(r.events)
        r.updated_at = r.events[-1][1]
        r.finalized = True
        self.pending.append(r)
        for e in r.events:
            self.counter += 1
            heapq.heappush(self.heap, (e[1], self.counter, r, e))
        key = shape_of([e[0] for e in r.events], r.scope, r.tier)
        self.result.samples.setdefault(key, r)

    def drain(self, cutoff: datetime | None) -> None:
        heap, ready = self.heap, self.ready
        while heap and (cutoff is None or heap[0][0] <= cutoff):
            _, _, r, e = heapq.heappop(heap)
            ready.append((r, e))

    @asynccontextmanager
    async def _begin(self) -> AsyncIterator[AsyncConnection]:
        # SQLite: the write engine begins IMMEDIATE, holding the one write lock (so max(id) and
        # max(seq) stay ours); PostgreSQL: ids from the sequences, seqs under the event-log lock.
        async with self.db.write_engine.begin() as conn:
            yield conn

    async def _ids(self, conn: AsyncConnection, n: int) -> list[int]:
        if self.postgres:
            rows = await conn.execute(text("SELECT nextval(pg_get_serial_sequence('request', 'id')) FROM generate_series(1, :n)"), {"n": n})
            return sorted(r[0] for r in rows)
        top = (await conn.execute(select(func.coalesce(func.max(Request.__table__.c.id), 0)))).scalar_one()
        return list(range(top + 1, top + 1 + n))

    async def _insert(self, conn: AsyncConnection, table: Table, rows: list[dict]) -> None:
        if self.copy:
            if rows:
                await self._copy(conn, table, rows)
            return
        for i in range(0, len(rows), self.chunk):
            await conn.execute(insert(table), rows[i : i + self.chunk])

    async def _copy(self, conn: AsyncConnection, table: Table, rows: list[dict]) -> None:
        """`rows` by COPY on the asyncpg connection beneath `conn`, in `conn`'s transaction: the
        columns an executemany insert would send (the rows' keys, plus those with a Python-side
        default), named in the table's order."""
        raw = (await conn.get_raw_connection()).driver_connection
        if not raw.is_in_transaction():  # _ids / the event-log lock went first and began it
            raise RuntimeError("COPY outside the writer's transaction")
        order = self.columns.get(table.name)
        if order is None:
            order = self.columns[table.name] = list((await conn.execute(text(
                "SELECT attname FROM pg_attribute WHERE attrelid = CAST(:t AS regclass) AND attnum > 0 "
                "AND NOT attisdropped ORDER BY attnum"), {"t": table.name})).scalars())
        keys = rows[0].keys()
        if unknown := set(keys) - set(order):
            raise RuntimeError(f"{table.name} has no columns {sorted(unknown)}")
        defaults = {c.name: c.default for c in table.columns
                    if c.name not in keys and c.default is not None and c.name in order}
        for name, d in defaults.items():
            if not (d.is_scalar or d.is_callable):
                raise NotImplementedError(f"{table.name}.{name}: SQL default")
        columns = [c for c in order if c in keys or c in defaults]
        if defaults:
            for row in rows:
                for name, d in defaults.items():
                    row[name] = d.arg(None) if d.is_callable else d.arg
        records = list(map(operator.itemgetter(*columns), rows)) if len(columns) > 1 else [(row[columns[0]],) for row in rows]
        for i, c in enumerate(columns):  # the binary encoder would read a naive time as local time
            if isinstance(table.c[c].type, (UTCDateTime, DateTime)):
                if any(v is not None and v.tzinfo is None for v in map(operator.itemgetter(i), records)):
                    raise ValueError(f"naive datetime in {table.name}.{c}: store timezone-aware UTC times only")
        await raw.copy_records_to_table(table.name, records=records, columns=columns)

    async def flush(self, wait: bool = False) -> None:
        """Hand the batch to a background task, so the next batch is generated while the database
        writes this one (the caller yields to the loop now and then); one write at a time."""
        await self.join()
        reqs, ready = self.pending, self.ready
        self.pending, self.ready = [], []
        if reqs or ready:
            self.task = asyncio.create_task(self._write(reqs, ready))
        if wait:
            await self.join()

    async def join(self) -> None:
        if self.task is not None:
            task, self.task = self.task, None
            await task

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()

    async def _write(self, reqs: list[Req], ready: list[tuple[Req, list]]) -> None:
        res = self.result
        async with self._begin() as conn:
            for r, i in zip(reqs, await self._ids(conn, len(reqs)) if reqs else []):
                r.id = i
            req_rows, rep_rows, asg_rows = [], [], []
            for r in reqs:
                row = {c: getattr(r, c) for c in REQUEST_COLUMNS}
                row["merged_into_id"] = r.merged_into_id.id if r.merged_into_id is not None else None
                req_rows.append(row)
                for rep in r.reporters:
                    rep_rows.append({"request_id": r.id, "source_request_id": r.id, **rep})
                for target, rep in r.merge_reporters:
                    rep_rows.append({"request_id": target.id, "source_request_id": r.id, **rep})
                for a in r.assignments:
                    asg_rows.append({"request_id": r.id, **a})
                res.request_ids.append(r.id)
                res.states[r.state] += 1
                res.channels[r.channel] += 1
                res.scopes[r.scope] += 1
            await self._insert(conn, Request.__table__, req_rows)
            await self._insert(conn, RequestReporter.__table__, rep_rows)
            await self._insert(conn, Assignment.__table__, asg_rows)
            if ready:
                if self.postgres:
                    await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": EVENT_LOG_LOCK})
                top = (await conn.execute(select(func.coalesce(func.max(RequestEvent.__table__.c.seq), 0)))).scalar_one()
                ev_rows = []
                for i, (r, e) in enumerate(ready):
                    row = dict(zip(_EVENT_KEYS, e))
                    row.update(seq=top + 1 + i, request_id=r.id, street_id=r.street_id, community_id=r.community_id)
                    ev_rows.append(row)
                await self._insert(conn, RequestEvent.__table__, ev_rows)
                await continue_after_written_seqs(conn)
        res.requests += len(reqs)
        res.reporters += len(rep_rows)
        res.assignments += len(asg_rows)
        res.events += len(ready)
        self.bar.update(len(reqs))


async def generate(
    db: Database, count: int, *, seed: int = 1, days: int = 365, now: datetime | None = None,
    config: GenConfig = DEFAULT_CONFIG, progress: bool = False, batch: int = 10_000, chunk: int = 5_000,
    analyze: bool | None = None, copy: bool | None = None,
) -> GenerateResult:
    """Generate `count` requests with their histories over the last `days` days and write them,
    by COPY (`copy`, by default on PostgreSQL) or executemany chunks of `chunk` rows.
    After a large load (`analyze`, by default from 10,000 requests) the planner statistics are
    refreshed: PostgreSQL plans the reports' joins badly (seconds instead of milliseconds) until
    autovacuum gets round to it."""
    started = time.perf_counter()
    if count < 0 or days < 1:
        raise ValueError("count must be >= 0 and days >= 1")
    ctx = await load_context(db)
    gen = Generator(ctx, config, seed, now or utcnow(), days)
    arrivals = gen.plan_arrivals(count)
    result = GenerateResult()
    window = timedelta(hours=20)  # a duplicate is merged into a request of the last 20 hours
    with tqdm(total=count, desc="生成历史诉求 generating requests", unit="req", disable=not progress, smoothing=0.05) as bar:
        writer = Writer(db, result, bar, chunk, copy)
        result.writer = "copy" if writer.copy else "executemany"
        recent: deque[Req] = deque()
        try:
            for n, (created, channel) in enumerate(arrivals):
                cutoff = created - window
                while recent and recent[0].created_at <= cutoff:
                    writer.add(recent.popleft())
                writer.drain(cutoff)
                if len(writer.pending) >= batch:
                    await writer.flush()
                elif n % 16 == 0:
                    await asyncio.sleep(0)  # let the background write send its next chunk
                recent.append(gen.make(created, channel, recent))
            while recent:
                writer.add(recent.popleft())
            writer.drain(None)
            await writer.flush(wait=True)
        except BaseException:
            writer.cancel()
            raise
    if analyze if analyze is not None else count >= 10_000:
        tables = ("request", "request_event", "assignment", "request_reporter")
        async with db.write_engine.begin() as conn:
            if db.dialect == "postgresql":
                await conn.execute(text(f"ANALYZE {', '.join(tables)}"))
            else:
                for t in tables:
                    await conn.execute(text(f"ANALYZE {t}"))
    result.seconds = time.perf_counter() - started
    return result


# ---------------------------------------------------------------------------------------------
# Replay: a generated history, step by step, through the real resolvers on a fresh request
# ---------------------------------------------------------------------------------------------


@dataclass
class Replay:
    request_id: int
    replayed_id: int
    generated: list[tuple[str, str | None, str | None]]
    replayed: list[tuple[str, str | None, str | None]]
    generated_state: str
    replayed_state: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.generated == self.replayed and self.generated_state == self.replayed_state


async def replay_history(db: Database, request_id: int, *, commit: bool = False) -> Replay:
    """Replay generated request `request_id` through the resolvers (intake, triage, dispatch,
    handling, feedback) on a fresh request, each transition a unit of work with its events
    flushed. OVERDUE events have no resolver (the supervision sweep writes them) and are skipped.
    With `commit=False` everything happens in one transaction that is rolled back."""
    from resolvers import events as event_log
    from resolvers.actor import Actor
    from resolvers.requests import dispatch as dp
    from resolvers.requests import feedback as fb
    from resolvers.requests import handling as hd
    from resolvers.requests import intake
    from resolvers.requests import triage as tr
    from resolvers.requests.vocab import (
        Channel,
        PrivateKind,
        Rating,
        Scope,
        Tier,
        UnitKind,
    )
    from resolvers.roles import Role, ScopeKind

    started = time.perf_counter()
    rt, et = Request.__table__, RequestEvent.__table__
    async with db.read() as conn:
        req = (await conn.execute(select(rt).where(rt.c.id == request_id))).mappings().one()
        evs = (await conn.execute(select(et).where(et.c.request_id == request_id).order_by(et.c.seq))).mappings().all()
        roles = {i: Role(r) for i, r in (await conn.execute(select(User.id, User.role))).all()}
        sub_ids = dict((await conn.execute(select(Subcategory.code, Subcategory.id))).all())
        building = None
        if req["building_id"] is not None:
            building = (await conn.execute(select(Building.__table__).where(Building.__table__.c.id == req["building_id"]))).mappings().one()
    dispatcher_id = next(i for i, r in roles.items() if r is Role.CENTER_DISPATCHER)

    def place_actor(uid: int) -> Actor:
        role = roles[uid]
        scopes = {
            Role.COMMUNITY_WORKER: {ScopeKind.COMMUNITY: req["community_id"]},
            Role.GRID_WORKER: {ScopeKind.GRID: req["grid_id"]},
            Role.BUILDING_LEADER: {ScopeKind.BUILDING: req["building_id"]},
            Role.FIELD_HEAD: {ScopeKind.FIELD: building["field_id"] if building else None},
            Role.STREET_OFFICER: {ScopeKind.STREET: req["street_id"]},
        }.get(role, {})
        return Actor(user_id=uid, username=f"replay-{uid}", display_name=f"replay {role.value}", role=role,
                     scopes={k: frozenset({v}) for k, v in scopes.items() if v is not None})

    def unit_actor(uid: int, unit: dict) -> Actor:
        kind = UnitKind(unit["kind"])
        role, scope = {UnitKind.DEPARTMENT: (Role.DEPARTMENT_HANDLER, ScopeKind.DEPARTMENT),
                       UnitKind.STREET: (Role.STREET_OFFICER, ScopeKind.STREET),
                       UnitKind.SECTION: (Role.STREET_OFFICER, ScopeKind.SECTION)}[kind]
        return Actor(user_id=uid, username=f"replay-{uid}", display_name=unit["name"], role=role,
                     scopes={scope: frozenset({unit["id"]})})

    def refs(units: list[dict]) -> tuple[dp.UnitRef, list[dp.UnitRef]]:
        rs = [dp.UnitRef(UnitKind(u["kind"]), u["id"]) for u in units]
        return rs[0], rs[1:]

    async def fresh(session) -> Request:  # another report of the same place, for merges
        res = await intake.submit_request(session, place_actor(dispatcher_id), intake.SubmitInput(
            text=req["text"], channel=Channel.HOTLINE, title=req["title"], building_id=req["building_id"],
            location_note=req["location_note"] or "同一地点"))
        return res.request

    async with db.sessions() as shared:
        if not commit:
            await shared.begin()

        @asynccontextmanager
        async def unit():
            if commit:
                async with db.write() as s:
                    yield s
                    await event_log.flush_events(s)
            else:
                yield shared
                await event_log.flush_events(shared)

        try:
            new_id = tracking = None
            units: list[dict] = []
            scope = None
            skip = False
            for e in evs:
                kind, uid, note = e["kind"], e["actor_user_id"], e["note"]
                d = json.loads(e["data"] or "{}")
                if skip:  # the CLOSED / REOPENED that rate() itself writes
                    skip = False
                    continue
                if kind == "OVERDUE":
                    continue
                async with unit() as s:
                    if kind == "SUBMITTED":
                        qr = req["channel"] == "QR_CODE"
                        res = await intake.submit_request(s, None if qr else place_actor(uid), intake.SubmitInput(
                            text=req["text"], channel=None if qr else Channel(req["channel"]), title=req["title"],
                            building_id=None if qr else req["building_id"], qr_token=building["qr_token"] if qr else None,
                            location_note=req["location_note"] or None, contact_name=req["contact_name"],
                            contact_phone=req["contact_phone"], reporter_resident_id=req["reporter_resident_id"]))
                        new_id, tracking = res.request.id, res.request.tracking_code
                    elif kind == "TRIAGED":
                        scope = d["scope"]
                        await tr.triage(s, place_actor(uid), new_id, scope=Scope(scope), subcategory_id=sub_ids[d["subcategory"]], note=note)
                    elif kind == "CLASSIFIED":
                        plan = tr.MinorPlan(
                            tier=Tier(d["tier"]), assignee_name=req["assignee_name"] or "王芳", assignee_title=req["assignee_title"] or "社区主任",
                            assignee_phone=req["assignee_phone"] or "13800000000", deadline=utcnow() + timedelta(days=7),
                            work_plan=req["work_plan"] or "工作方案", progress_interval_days=req["progress_interval_days"], note=note)
                        await tr.classify_minor(s, place_actor(uid), new_id, plan)
                    elif kind == "DISPATCHED" and scope == "MAJOR":
                        units = d["units"]
                        lead, co = refs(units)
                        await dp.dispatch(s, place_actor(uid), new_id, lead=lead, co=co, note=note)
                    elif kind == "DISPATCHED":
                        unit_id = (d.get("units") or [{}])[0].get("id") or None
                        await tr.assign_private(s, place_actor(uid), new_id, kind=PrivateKind(d["kind"]), unit_kind=UnitKind(d["unitKind"]),
                                                unit_id=unit_id, assignee_label=d["assignee"], note=note)
                    elif kind in ("ACCEPTED", "CO_ACCEPTED", "DISPUTED"):
                        if scope == "MAJOR":
                            actor = unit_actor(uid, next(u for u in units if u["name"] == d["unit"]))
                        else:
                            actor = place_actor(uid)
                        if kind == "DISPUTED":
                            await dp.dispute(s, actor, new_id, reason=note)
                        else:
                            await dp.accept(s, actor, new_id, note=note)
                    elif kind == "REDISPATCHED":
                        units = d["units"]
                        lead, co = refs(units)
                        await dp.redispatch(s, place_actor(uid), new_id, lead=lead, co=co, note=note)
                    elif kind == "ESCALATED":
                        await dp.escalate(s, place_actor(uid), new_id, joint_explanation=note)
                    elif kind == "DECIDED":
                        units = d["units"]
                        lead, co = refs(units)
                        await dp.decide(s, place_actor(uid), new_id, lead=lead, co=co, note=note)
                    elif kind in ("PROGRESS", "RESOLVED"):
                        actor = unit_actor(uid, units[0]) if scope == "MAJOR" else place_actor(uid)
                        if kind == "PROGRESS":
                            await hd.report_progress(s, actor, new_id, note=note)
                        else:
                            await hd.resolve(s, actor, new_id, resolution=note)
                    elif kind == "RATED":
                        await fb.rate(s, None, rating=Rating(d["rating"]), comment=note or None, tracking_code=tracking)
                        skip = True
                    elif kind == "CLOSED":
                        await hd.close(s, place_actor(uid), new_id, note=note)
                    elif kind == "REOPENED":
                        await hd.reopen(s, place_actor(uid), new_id, reason=note)
                    elif kind == "MERGED":
                        target = await fresh(s)
                        await tr.merge(s, place_actor(uid), new_id, target.id, note=note)
                    elif kind == "MERGED_IN":
                        other = await fresh(s)
                        await tr.merge(s, place_actor(uid), other.id, new_id, note=note)
                    elif kind == "REJECTED":
                        await tr.reject(s, place_actor(uid), new_id, reason=note)
                    else:
                        raise AssertionError(f"no resolver replays {kind}")
            if commit:
                async with db.read() as conn:
                    rows = (await conn.execute(select(et.c.kind, et.c.from_state, et.c.to_state).where(et.c.request_id == new_id).order_by(et.c.seq))).all()
                    state = (await conn.execute(select(rt.c.state).where(rt.c.id == new_id))).scalar_one()
            else:
                rows = (await shared.execute(select(et.c.kind, et.c.from_state, et.c.to_state).where(et.c.request_id == new_id).order_by(et.c.seq))).all()
                state = (await shared.execute(select(rt.c.state).where(rt.c.id == new_id))).scalar_one()
        finally:
            if not commit:
                await shared.rollback()
    return Replay(
        request_id=request_id, replayed_id=new_id,
        generated=[(e["kind"], e["from_state"], e["to_state"]) for e in evs if e["kind"] != "OVERDUE"],
        replayed=[tuple(r) for r in rows], generated_state=req["state"], replayed_state=state,
        seconds=time.perf_counter() - started,
    )


def pick_for_validation(samples: dict[tuple, Req], k: int) -> list[int]:
    """Up to k written requests of different shapes, the most eventful first."""
    ranked = sorted(samples.items(), key=lambda kv: (-len(set(kv[0][2:])), -len(kv[0]), str(kv[0])))
    out, seen_scopes = [], Counter()
    for key, r in ranked:
        if r.id is None:
            continue
        if seen_scopes[key[0]] >= max(1, k // 3) and len(out) < k - 1:
            continue
        out.append(r.id)
        seen_scopes[key[0]] += 1
        if len(out) >= k:
            break
    return out


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------


async def _run(url: str, args: argparse.Namespace) -> int:
    db = Database.from_url(url)
    try:
        result = await generate(db, args.count, seed=args.seed, days=args.days, progress=True, batch=args.batch, copy=args.copy)
        summary = result.summary()
        if args.validate:
            ids = pick_for_validation(result.samples, args.validate)
            replays, raised = [], []
            for i in ids:
                try:
                    replays.append(await replay_history(db, i))
                except Exception as exc:  # a guard refused a step: as failed as a differing path
                    raised.append(i)
                    print(f"replay of request {i} refused: {type(exc).__name__}: {exc}", file=sys.stderr)
            bad = [r for r in replays if not r.ok]
            per = sum(r.seconds for r in replays) / max(1, len(replays))
            summary["validated"] = {
                "replayed": len(ids), "failed": [r.request_id for r in bad] + raised,
                "resolver_seconds_per_request": round(per, 3),
                "resolver_estimate_for_count_hours": round(per * args.count / 3600, 2),
            }
            for r in bad:
                print(f"replay of request {r.request_id} differs:\n  generated {r.generated} → {r.generated_state}\n"
                      f"  replayed  {r.replayed} → {r.replayed_state}", file=sys.stderr)
        print(json.dumps(summary, ensure_ascii=False))
        return 1 if args.validate and summary["validated"]["failed"] else 0
    finally:
        await db.dispose()


def main(argv: list[str] | None = None) -> int:
    from config import load_settings

    parser = argparse.ArgumentParser(prog="python -m db.generate", description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, required=True, help="how many requests to generate")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--days", type=int, default=365, help="spread over the last D days (default 365)")
    parser.add_argument("--validate", type=int, default=8, metavar="K",
                        help="afterwards replay K histories of different shapes through the resolvers (default 8, 0 = off)")
    parser.add_argument("--batch", type=int, default=10_000, help="requests per transaction (default 10000)")
    parser.add_argument("--copy", action=argparse.BooleanOptionalAction, default=None,
                        help="write rows with PostgreSQL COPY instead of executemany (default: COPY on PostgreSQL)")
    args = parser.parse_args(argv)
    settings = load_settings()
    if args.copy and settings.is_sqlite:
        parser.error("--copy needs PostgreSQL (DATABASE_URL is SQLite)")
    return asyncio.run(_run(settings.database_url, args))


if __name__ == "__main__":
    raise SystemExit(main())
