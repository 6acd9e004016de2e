"""What a seeded directory holds: default domains, types and deadlines, leader titles by kind of place,
the standard functional departments of each level and the central departments.

Pure data and naming rules; `actions.seed_directory` writes them to the database.
"""

import re
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from liuyan.directory.choices import RegionLevel

DEFAULT_DOMAINS = [
    "城建",
    "交通",
    "环保",
    "教育",
    "医疗",
    "三农",
    "就业",
    "企业",
    "治安",
    "政务",
    "金融",
    "旅游",
    "其他",
]

# Other names for the default domains: the first-level categories of the 2020 Teddy Cup message data set
# (DESIGN.md §7), so a classifier trained on it routes by this deployment's domains.
DOMAIN_ALIASES = {
    "城乡建设": "城建",
    "交通运输": "交通",
    "环境保护": "环保",
    "教育文体": "教育",
    "劳动和社会保障": "就业",
    "商贸旅游": "企业",
    "卫生计生": "医疗",
}

DEFAULT_MESSAGE_TYPES = [
    ("suggestion", "建言"),
    ("complaint", "投诉"),
    ("help", "求助"),
    ("inquiry", "咨询"),
    ("thanks", "感谢"),
]

# Deadlines in working days, as (accept, reply): the national default for every message type, and the
# types answered sooner. Seeded as the national SLA policies, and applied when no policy matches at all.
DEFAULT_SLA_DAYS = (1, 15)
DEFAULT_SLA_DAYS_BY_TYPE = {"suggestion": (1, 10), "inquiry": (1, 10)}

MUNICIPALITIES = {"110000", "120000", "310000", "500000"}
# Places the mainland board does not take messages for: seeded for a complete tree, but inactive.
OUT_OF_SERVICE_PROVINCES = {"710000", "810000", "820000"}
PLACEHOLDER_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


def cpca_resource(name: str) -> Path:
    """A data file shipped inside the installed cpca package (found without importing cpca)."""
    spec = find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("The cpca package is not installed; it provides the region table.")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / name


def level_of(code: str) -> RegionLevel:
    if len(code) == 9:
        return RegionLevel.TOWNSHIP
    if code.endswith("0000"):
        return RegionLevel.PROVINCE
    if code.endswith("00"):
        return RegionLevel.PREFECTURE
    return RegionLevel.COUNTY


@cache
def _ethnic_pattern() -> re.Pattern:
    nations = cpca_resource("56_nations.csv").read_text(encoding="utf-8").split()
    # Names drop 族 after a longer stem (伊犁哈萨克自治州) but keep it after one character (昌吉回族).
    alternatives = [
        re.escape(stem) + ("族?" if len(stem) > 1 else "族")
        for stem in sorted({n.removesuffix("族") for n in nations}, key=len, reverse=True)
    ]
    return re.compile("(?:" + "|".join(alternatives) + ")$")


def short_autonomous_name(name: str, suffix: str) -> str:
    """楚雄彝族自治州 → 楚雄州, 双江拉祜族佤族布朗族傣族自治县 → 双江县; the full name when only the
    people's name would be left (鄂温克族自治旗)."""
    stripped = name.removesuffix("自治" + suffix)
    while (match := _ethnic_pattern().search(stripped)) and match.start() > 0:
        stripped = stripped[: match.start()]
    if stripped == name.removesuffix("自治" + suffix):
        return name
    return stripped + suffix


# A township's kind by the ending of its name: the head's title and its government's name. 苏木 is a 乡
# of Inner Mongolia; a 区公所 is a county's agency over a few townships.
_TOWNSHIP_KINDS = [
    ("街道", "党工委书记", "办事处主任", "{name}办事处"),
    ("区公所", "党委书记", "区长", "{name}"),
    ("镇", "党委书记", "镇长", "{name}人民政府"),
    ("乡", "党委书记", "乡长", "{name}人民政府"),
    ("苏木", "党委书记", "乡长", "{name}人民政府"),
]


def _township_kind(name: str) -> tuple[str, str, str, str]:
    return next((kind for kind in _TOWNSHIP_KINDS if name.endswith(kind[0])), _TOWNSHIP_KINDS[-1])


def leader_titles(code: str, name: str) -> list[str]:
    """The public addressees of a place, first the party secretary, then the head of government."""
    level = level_of(code)
    if level == RegionLevel.TOWNSHIP:
        _ending, secretary, head, _government = _township_kind(name)
        return [f"{name}{secretary}", f"{name}{head}"]
    if level == RegionLevel.PROVINCE:
        if name.endswith("特别行政区"):
            return [f"{name}行政长官"]
        if name.endswith("自治区"):
            return [f"{name}党委书记", f"{name}主席"]
        if code in MUNICIPALITIES:
            return [f"{name}委书记", f"{name}市长"]
        short = name.removesuffix("省")
        return [f"{short}省委书记", f"{short}省长"]
    for suffix, head in (("州", "州长"), ("县", "县长"), ("旗", "旗长")):
        if name.endswith("自治" + suffix):
            short = short_autonomous_name(name, suffix)
            return [f"{short}委书记", f"{short}{head}"]
    if name.endswith("地区"):
        return [f"{name.removesuffix('地区')}地委书记", f"{name}行署专员"]
    for suffix, head in (("盟", "盟长"), ("市", "市长"), ("区", "区长"), ("县", "县长"), ("旗", "旗长")):
        if name.endswith(suffix):
            return [f"{name}委书记", f"{name}{head}"]
    return [f"{name}工委书记", f"{name}管委会主任"]


def desk_name(name: str) -> str:
    return f"{name}留言办理工作机构"


def party_committee_name(code: str, name: str) -> str | None:
    """None where no party committee is seeded as a unit: the special administrative regions, and the
    townships, whose one handling unit is their government."""
    if name.endswith("特别行政区") or level_of(code) == RegionLevel.TOWNSHIP:
        return None
    return f"中共{name}委员会"


def government_name(code: str, name: str) -> str:
    if level_of(code) == RegionLevel.TOWNSHIP:
        return _township_kind(name)[3].format(name=name)
    if name.endswith("特别行政区"):
        return f"{name}政府"
    if name.endswith(("地区", "盟")) and level_of(code) == RegionLevel.PREFECTURE:
        return f"{name}行政公署"
    return f"{name}人民政府"


@dataclass(frozen=True)
class Department:
    """A standard functional department: its code key, its name at each level (None: not at that
    level) and the domains it handles."""

    key: str
    province: str | None
    prefecture: str | None
    county: str | None
    domains: tuple[str, ...]

    def name_at(self, code: str) -> str | None:
        level = level_of(code)
        if level == RegionLevel.PROVINCE and code in MUNICIPALITIES:
            return self.prefecture  # 直辖市 departments are 局/委, like a city's
        return {
            RegionLevel.PROVINCE: self.province,
            RegionLevel.PREFECTURE: self.prefecture,
            RegionLevel.COUNTY: self.county,
        }.get(level)  # none at a township


DEPARTMENTS = [
    Department("education", "教育厅", "教育局", "教育局", ("教育",)),
    Department("public-security", "公安厅", "公安局", "公安局", ("治安", "交通")),
    Department("housing", "住房和城乡建设厅", "住房和城乡建设局", "住房和城乡建设局", ("城建",)),
    Department("urban-management", None, "城市管理局", "城市管理局", ("城建", "环保")),
    Department("transport", "交通运输厅", "交通运输局", "交通运输局", ("交通",)),
    Department("ecology", "生态环境厅", "生态环境局", "生态环境局", ("环保",)),
    Department("health", "卫生健康委员会", "卫生健康委员会", "卫生健康局", ("医疗",)),
    Department("medical-insurance", "医疗保障局", "医疗保障局", "医疗保障局", ("医疗",)),
    Department("hrss", "人力资源和社会保障厅", "人力资源和社会保障局", "人力资源和社会保障局", ("就业",)),
    Department("agriculture", "农业农村厅", "农业农村局", "农业农村局", ("三农",)),
    Department("water", "水利厅", "水利局", "水利局", ("三农", "环保")),
    Department("market", "市场监督管理局", "市场监督管理局", "市场监督管理局", ("企业",)),
    Department("development", "发展和改革委员会", "发展和改革委员会", "发展和改革局", ("企业",)),
    Department("natural-resources", "自然资源厅", "自然资源和规划局", "自然资源局", ("城建", "三农")),
    Department("finance", "地方金融管理局", "地方金融管理局", None, ("金融",)),
    Department("culture-tourism", "文化和旅游厅", "文化和旅游局", "文化和旅游局", ("旅游",)),
    Department("civil-affairs", "民政厅", "民政局", "民政局", ("其他",)),
    Department("veterans", "退役军人事务厅", "退役军人事务局", "退役军人事务局", ("政务",)),
    Department("government-services", "政务服务管理局", "政务服务管理局", "政务服务管理局", ("政务",)),
    Department("petitions", "信访局", "信访局", "信访局", ("政务", "其他")),
]

# Keyword lines of the default routing catalogue: words that point to one department whatever the domain
# classifier says (medical insurance is 医疗 but not the health commission's; noise is 环保 but street-side
# eateries are the city management's). (department key, keywords, weight)
KEYWORD_ROUTES = [
    ("medical-insurance", "医保 医疗保险 医保卡 异地就医 报销", 160),
    ("hrss", "社保 养老金 养老保险 欠薪 拖欠工资 劳动合同 失业金 人才补贴", 160),
    ("housing", "物业 维修基金 房产证 不动产证 商品房 交房 烂尾", 150),
    ("urban-management", "占道经营 油烟 违章搭建 违建 渣土 路灯 垃圾清运", 150),
    ("ecology", "排污 污水 废气 异味 噪音 噪声 扰民 粉尘", 140),
    ("transport", "公交 出租车 网约车 客运 道路 公路", 130),
    ("public-security", "派出所 户口 户籍 身份证 驾驶证 传销 诈骗 违章停车", 150),
    ("education", "学校 幼儿园 教师 学生 招生 学位 补课", 140),
    ("market", "食品安全 假冒 虚假宣传 消费者 价格欺诈", 140),
    ("civil-affairs", "低保 养老院 残疾人 救助 殡葬", 140),
    ("health", "医院 医生 疫苗 卫生院", 130),
    # Departments whose domains a model trained on the Teddy Cup data cannot name (三农, 治安, 政务, 金融,
    # 其他), and words a department's own work is known by beyond its domain.
    ("agriculture", "土地流转 土地承包 承包地 养猪场 养殖场 畜牧 屠宰 农产品 种植 改厕 村集体 集体经济", 140),
    (
        "natural-resources",
        "征地 征收土地 宅基地 批地 山林 林地 毁林 采石场 采矿 非法开采 不动产登记 用地规划",
        140,
    ),
    ("water", "河道 河沙 采砂 水库 防汛 堤坝 灌溉", 130),
    ("development", "停电 供电 电网 农网 电费 电力公司", 130),
    ("culture-tourism", "旅行社 旅游 景区 导游 书店 健身设施", 130),
    ("finance", "P2P 网贷 非法集资", 130),
    ("veterans", "退伍 退役军人 军人 老兵 复员", 140),
    ("government-services", "政府网站 政务服务 政务中心 办事窗口", 120),
    ("petitions", "信访", 120),
    (
        "public-security",
        "交警 红绿灯 信号灯 乱停乱放 违停 驾照 赌博 麻将馆 卖淫 斗殴 寻衅滋事 落户 车管所 拥堵",
        140,
    ),
    ("housing", "开发商 业委会 棚改 危房改造 安置房 公积金 燃气 天然气 漏水", 140),
    ("urban-management", "摆摊 摊贩 违章建筑 施工扰民 夜间施工 围挡 烧烤 焚烧 城管", 140),
    ("education", "入学 转学 中考 高考 培训机构 培训班 学费 教育局", 140),
    ("transport", "的士 地铁 高速 乡道 村道 县道 超载 驾校 铁路 航班 公交站", 130),
    ("ecology", "污染 废水 恶臭 雾霾 扬尘 排放", 140),
    ("civil-affairs", "五保 特困 老龄", 140),
    ("health", "计生 独生子女 卫生局 卫健委 救护车 执业医师 生育政策", 130),
    ("medical-insurance", "新农合 合作医疗 生育保险", 160),
    ("market", "无证经营 无照经营 营业执照 涨价 特种设备 药店 工商", 140),
    ("hrss", "工伤 职称 招聘 加班工资 职业资格 事业单位", 150),
    # Issue 19, point 3: words of what each department handles as the labelling rule of routing.csv
    # (tests/intelligence/labels/README.md) states it — traffic order, fire safety and dogs to the police,
    # stations and tickets to transport, village money and rural toilets to agriculture, building on village
    # land, quarries and planning to natural resources, courts, taxes and corruption to the government.
    (
        "public-security",
        "斑马线 人行横道 减速带 摄像头 电子眼 停车难 乱停车 车速 超速 闯红灯 酒驾 交通秩序 交通事故 "
        "车流量 限行 禁行 驾考 考官 科目三 消防 色情 骗子 养狗 遛狗 犬只 酒吧 娱乐场所",
        140,
    ),
    ("transport", "车票 代售点 乘客 候车 检票 火车站 汽车站 高铁站 客车 连接线 国道 省道 隔音板", 130),
    (
        "agriculture",
        "村委会 村民小组 分红 征收款 补偿款分配 农田 抛荒 荒废 农村厕所 化粪池 人居环境 农业",
        130,
    ),
    (
        "natural-resources",
        "建房 建房子 占用农田 石料厂 开采 砂石 林木 砍伐 规划局 土地规划 拆迁 过户 赠与 赠予",
        130,
    ),
    ("development", "电管站 供电所 用电 产业园 PPP 招商引资 中心城市 搬迁", 130),
    ("housing", "人行天桥 过街天桥 自来水 用水 停水 水压 下水道 购房 限购 房价 道路破损 路面破损", 130),
    ("urban-management", "半夜施工 深夜施工 凌晨施工 草地 草坪 绿化带", 130),
    ("market", "住改商 食堂 伙食", 140),
    ("ecology", "环保检测 尾气", 130),
    ("government", "法院 税务 纪委 贪腐 腐败 贪污 受贿 挪用公款 索要 枉法", 130),
]

CENTRAL_DEPARTMENTS = [
    ("moe", "教育部", ("教育",)),
    ("mps", "公安部", ("治安", "交通")),
    ("mohurd", "住房和城乡建设部", ("城建",)),
    ("mot", "交通运输部", ("交通",)),
    ("mee", "生态环境部", ("环保",)),
    ("nhc", "国家卫生健康委员会", ("医疗",)),
    ("nhsa", "国家医疗保障局", ("医疗",)),
    ("mohrss", "人力资源和社会保障部", ("就业",)),
    ("moa", "农业农村部", ("三农",)),
    ("mwr", "水利部", ("三农", "环保")),
    ("samr", "国家市场监督管理总局", ("企业",)),
    ("ndrc", "国家发展和改革委员会", ("企业",)),
    ("miit", "工业和信息化部", ("企业",)),
    ("mofcom", "商务部", ("企业",)),
    ("mnr", "自然资源部", ("城建", "三农")),
    ("csrc", "中国证券监督管理委员会", ("金融",)),
    ("nfra", "国家金融监督管理总局", ("金融",)),
    ("pbc", "中国人民银行", ("金融",)),
    ("mct", "文化和旅游部", ("旅游",)),
    ("mca", "民政部", ("其他",)),
    ("mva", "退役军人事务部", ("政务",)),
    ("nab", "国家信访局", ("政务", "其他")),
]

# The head of a central department by the ending of its name, and the deputy's title beside it: the
# public addressees of a ministry board (部委留言板).
_DEPARTMENT_HEADS = [
    ("监督管理委员会", "主席", "副主席"),
    ("委员会", "主任", "副主任"),
    ("银行", "行长", "副行长"),
    ("局", "局长", "副局长"),
    ("部", "部长", "副部长"),
]


def department_leader_titles(name: str) -> list[tuple[str, str]]:
    """The addressees of a central department, head first, as (role, title): 教育部 → 教育部部长,
    教育部副部长; 中国证券监督管理委员会 → …主席, …副主席."""
    for ending, head, deputy in _DEPARTMENT_HEADS:
        if name.endswith(ending):
            return [("head", f"{name}{head}"), ("deputy", f"{name}{deputy}")]
    return [("head", f"{name}负责同志")]
