"""Demo data for the local stage: accounts, shops in the three storefronts, products with pictures.

Everything goes through the use cases in chalicelib.services (the same rules as the API; request bodies are
checked with the API's own schemas first) and every picture takes the real upload path: request_upload ->
HTTP POST of the file to the presigned POST -> complete_upload (verification + thumbnail).

    python -m devtools.seed --endpoint http://127.0.0.1:5000   # against a running, provisioned moto server

devtools.local_stack runs it on every `make run`. Running it again is harmless: accounts that exist are
reused and shops the seller already has are not created twice.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass, field
from typing import Any

PASSWORD = "Bazaar-demo-1"
OPERATOR = "operator@bazaar.local"
SELLER = "seller@bazaar.local"
BUYER = "buyer@bazaar.local"
PARTNER = "partner@bazaar.local"  # runs the first village service centre (issue 10)
COUNTY_STAFF = "county@bazaar.local"  # works at that village's county centre (issue 10)
BUSINESS = "business@bazaar.local"  # issue 14: a verified business buyer with net terms
DEMO_ACCOUNTS = (
    (OPERATOR, "operator"),
    (SELLER, "seller"),
    (BUYER, "buyer"),
    (BUSINESS, "buyer"),
    (PARTNER, "partner"),
    (COUNTY_STAFF, "county_staff"),
)
# The partners of the other three demo village centres (same password; README).
EXTRA_PARTNERS = ("partner-wupar@bazaar.local", "partner-jiamu@bazaar.local", "partner-tohula@bazaar.local")
# Other sellers, so that shops have different owners (same password; listed in README as extras).
EXTRA_SELLERS = ("aksu-cotton@bazaar.local", "kashgar-crafts@bazaar.local", "turpan-orchards@bazaar.local")

XJ = "Xinjiang"


def _region(prefecture: str, county: str) -> dict:
    return {"province": XJ, "prefecture": prefecture, "county": county}


def _b2b(moq: int, unit: str, tiers: list[tuple[int, int]], multiple: int | None = None, lead: int | None = None):
    price_tiers = [{"min_quantity": q, "amount": a} for q, a in tiers]
    attrs: dict[str, Any] = {"moq": moq, "unit": unit, "price_tiers": price_tiers}
    if multiple:
        attrs["order_multiple"] = multiple
    if lead is not None:
        attrs["lead_time_days"] = lead
    return attrs


def _craft(maker: str, made_to_order: bool, days: int | None = None, materials=None, harvest: str | None = None):
    attrs: dict[str, Any] = {"maker": maker, "made_to_order": made_to_order}
    if days:
        attrs["processing_days"] = days
    if materials:
        attrs["materials"] = list(materials)
    if harvest:
        attrs["harvest_date"] = harvest
    return attrs


def _origin(prefecture: str, county: str, months: list[int], gi: str | None = None):
    """Dried fruit, nuts and other goods that keep are in season every month; fresh fruit and teas by harvest."""
    attrs: dict[str, Any] = {"origin": _region(prefecture, county), "season_months": months}
    if gi:
        attrs["gi_certificate"] = gi
    return attrs


@dataclass(frozen=True)
class DemoProduct:
    title: str
    kind: str  # a motif of devtools.demo_images
    category: str
    amount: int  # fen
    stock: int
    attributes: dict
    description: str = ""
    status: str = "active"
    image_format: str = "JPEG"


@dataclass(frozen=True)
class DemoMaker:
    """Issue 15: a maker of a handicrafts shop; products name them with `{"maker_id": "@<name>"}`."""

    name: str
    craft: str
    workshop: str
    story: str
    region: dict
    motif: str  # a motif of devtools.demo_images, for the maker's photo


@dataclass(frozen=True)
class DemoGiClaim:
    """Issue 15: a geographic-indication claim on products of the shop (by title), verified by the operator."""

    protected_name: str
    registration_number: str
    titles: tuple[str, ...]
    register: str = "CNIPA"


@dataclass(frozen=True)
class DemoShop:
    owner: str
    name: str
    storefront: str
    region: dict
    description: str
    products: tuple[DemoProduct, ...] = ()
    approve: bool = True
    makers: tuple[DemoMaker, ...] = ()
    gi_claims: tuple[DemoGiClaim, ...] = ()


# Issue 15: a pre-sale ships from the next `month`/`day` (attributes {"presale": ("next", month, day, deposit)}
# are resolved against the clock when the seed runs, so the date is never in the past).
def _presale(month: int, day: int, deposit: int | None = None) -> dict:
    return {"presale": ("next", month, day, deposit)}


def _resolve_presale(attributes: dict, today) -> dict:
    """The pre-sale's next date and this year's harvest window, from the placeholders above."""
    import datetime as dt

    window = attributes.get("harvest_window")
    if isinstance(window, tuple):
        start, end = (f"{today.year}-{part}" for part in window)
        attributes = {**attributes, "harvest_window": {"from": start, "to": end}}
    spec = attributes.get("presale")
    if not isinstance(spec, tuple):
        return attributes
    _, month, day, deposit = spec
    date = dt.date(today.year, month, day)
    if date < today:
        date = dt.date(today.year + 1, month, day)
    presale: dict[str, Any] = {"ships_from": date.isoformat()}
    if deposit:
        presale["deposit_percent"] = deposit
    return {**attributes, "presale": presale}


PERSONALISED_SCARF = [
    {"key": "initials", "label": "Initials to embroider", "type": "text", "required": True, "max_length": 3},
    {
        "key": "colour",
        "label": "Main colour",
        "type": "choice",
        "required": True,
        "choices": ["crimson", "indigo", "saffron"],
    },
]
INITIALS = [{"key": "initials", "label": "Initials to carve", "type": "text", "required": False, "max_length": 3}]


def _p(title, kind, category, amount, stock, attributes, description="", **kw) -> DemoProduct:
    return DemoProduct(title, kind, category, amount, stock, attributes, description, **kw)


def _tiers_product(
    title, kind, category, stock, moq, unit, tiers, multiple=None, lead=None, description="", sample=None
):
    attrs = _b2b(moq, unit, tiers, multiple, lead)
    if sample:  # issue 14: (amount, max_quantity) of a sample below the MOQ
        attrs["sample"] = {"amount": sample[0], "max_quantity": sample[1]}
    return _p(title, kind, category, tiers[0][1], stock, attrs, description)


SHOPS: tuple[DemoShop, ...] = (
    # --- b2b -------------------------------------------------------------------------------------
    DemoShop(
        SELLER,
        "Aksu Long-Staple Cotton Co.",
        "b2b",
        _region("Aksu", "Awat"),
        "Ginned long-staple cotton, yarn and grey fabric from Awat county, shipped from Aksu.",
        (
            _tiers_product(
                "Long-staple cotton lint, grade 137",
                "cotton",
                "cotton-textiles",
                400,
                5,
                "tonne",
                [(5, 2_850_000), (25, 2_790_000), (100, 2_720_000)],
                multiple=5,
                lead=21,
                description="Machine-picked, 37 mm staple, micronaire 3.9-4.2. Price per tonne.",
            ),
            _tiers_product(
                "Ginned cotton bales, 227 kg",
                "bale",
                "cotton-textiles",
                2000,
                20,
                "bale",
                [(20, 68_000), (100, 65_500), (500, 63_000)],
                multiple=10,
                lead=14,
                description="Standard 227 kg bales, HVI tested, moisture below 8.5%.",
            ),
            _tiers_product(
                "Combed cotton yarn 40s, by the carton",
                "yarn",
                "cotton-textiles",
                900,
                10,
                "carton",
                [(10, 98_000), (50, 94_000), (200, 90_000)],
                multiple=10,
                lead=10,
                description="Compact-spun 40s combed yarn, 24 cones of 1.89 kg per carton.",
            ),
            _tiers_product(
                "Cotton grey fabric, 160 cm, per roll",
                "fabric",
                "cotton-textiles",
                600,
                20,
                "roll",
                [(20, 42_000), (100, 39_500)],
                multiple=10,
                lead=18,
                description="Plain-weave greige, 100 m rolls, ready for dyeing.",
            ),
        ),
    ),
    DemoShop(
        "kashgar-crafts@bazaar.local",
        "Kashgar Dried Fruit Traders",
        "b2b",
        _region("Kashgar", "Shufu"),
        "Dried apricots, kernels and nuts by the carton and the sack for wholesalers and bakeries.",
        (
            _tiers_product(
                "Dried apricots by the carton, 10 kg",
                "dried_apricot",
                "dried-fruit",
                1500,
                10,
                "carton",
                [(10, 32_000), (50, 29_500), (200, 27_000)],
                multiple=5,
                lead=7,
                description="Sun-dried whole apricots from Shufu orchards, no sulphur, 10 kg cartons.",
            ),
            _tiers_product(
                "Apricot halves, sulphur-free, 12.5 kg carton",
                "apricot",
                "dried-fruit",
                800,
                8,
                "carton",
                [(8, 41_000), (40, 38_500)],
                multiple=4,
                lead=10,
                description="Hand-split and sun-dried halves; packed in food-grade liners.",
            ),
            _tiers_product(
                "Sweet apricot kernels, 25 kg sack",
                "kernel",
                "nuts",
                300,
                4,
                "sack",
                [(4, 112_000), (20, 104_000)],
                multiple=2,
                lead=12,
                description="Sweet kernels for confectionery, 25 kg woven sacks.",
            ),
            _tiers_product(
                "Yarkand almonds (badam), 25 kg sack",
                "almond",
                "nuts",
                260,
                2,
                "sack",
                [(2, 146_000), (10, 139_000), (40, 132_000)],
                multiple=2,
                lead=14,
                description="Thin-shelled Yarkand badam almonds, new crop.",
                sample=(9_800, 1),
            ),
        ),
    ),
    DemoShop(
        "turpan-orchards@bazaar.local",
        "Turpan Valley Wholesale",
        "b2b",
        _region("Turpan", "Gaochang"),
        "Raisins, walnuts and washed wool from the Turpan basin, palletised for freight.",
        (
            _tiers_product(
                "Green raisins by the carton, 10 kg",
                "raisin_green",
                "dried-fruit",
                2400,
                20,
                "carton",
                [(20, 26_000), (100, 24_000), (400, 22_500)],
                multiple=10,
                lead=5,
                description="Shade-dried in Turpan's clay drying houses; 10 kg cartons.",
                sample=(3_200, 2),
            ),
            _tiers_product(
                "Walnuts in shell, 20 kg sack",
                "walnut",
                "nuts",
                500,
                5,
                "sack",
                [(5, 54_000), (25, 51_000)],
                multiple=5,
                lead=9,
                description="Thin-shell walnuts, 32 mm and up, sacked by 20 kg.",
            ),
            _tiers_product(
                "Washed sheep wool, 50 kg bale",
                "wool",
                "wool-leather",
                120,
                2,
                "bale",
                [(2, 190_000), (10, 182_000)],
                lead=20,
                description="Scoured fine wool from Kazakh herders, 50 kg pressed bales.",
            ),
        ),
    ),
    # --- handicrafts ------------------------------------------------------------------------------
    DemoShop(
        SELLER,
        "Khotan Atlas Silk Workshop",
        "handicrafts",
        _region("Hotan", "Lop"),
        "Atlas (ikat) silk dyed and woven by hand in Jiya township, Lop county.",
        (
            _p(
                "Atlas silk scarf, crimson ikat",
                "silk",
                "textiles",
                15_900,
                25,
                _craft("Aygul Tursun", False, materials=["silk"]),
                "Hand-tied, hand-dyed and hand-woven atlas silk, 180 x 45 cm.",
                image_format="PNG",
            ),
            _p(
                "Atlas silk scarf in your colours",
                "silk",
                "textiles",
                22_800,
                10,
                {
                    **_craft("Aygul Tursun", True, 14, ["silk", "natural dyes"]),
                    "maker_id": "@Aygul Tursun",
                    "personalisation": PERSONALISED_SCARF,
                },
                "Pick your main colour and your initials; the warp is tied and dyed for you. 180 x 45 cm.",
            ),
            _p(
                "Atlas silk dress length, 4 m",
                "silk",
                "textiles",
                68_000,
                6,
                _craft("Patigul Memet", True, 30, ["silk"]),
                "A 4 m length of 45 cm atlas for a dress.",
            ),
            _p(
                "Embroidered doppa cap",
                "doppa",
                "textiles",
                9_800,
                18,
                _craft("Rena Abdulla", True, 7, ["cotton velvet", "silk thread"]),
                "Black velvet doppa with white pepper (bodom) embroidery, made to your head size.",
            ),
        ),
        makers=(
            DemoMaker(
                "Aygul Tursun",
                "atlas silk weaving",
                "Jiya atlas workshop, Lop county",
                "Aygul ties, dyes and weaves atlas silk the way her grandmother taught her: the warp is bound by "
                "hand, dipped colour by colour, and woven on a wooden loom in the courtyard.",
                _region("Hotan", "Lop"),
                "silk",
            ),
        ),
    ),
    DemoShop(
        "kashgar-crafts@bazaar.local",
        "Kashgar Coppersmiths' Lane",
        "handicrafts",
        _region("Kashgar", "Kashi"),
        "Hammered copper from the old town's coppersmiths' lane.",
        (
            _p(
                "Hammered copper teapot",
                "teapot",
                "metalwork",
                38_000,
                8,
                {**_craft("Memet Ali", True, 21, ["copper", "tin"]), "maker_id": "@Memet Ali"},
                "Raised from one sheet, tin-lined, 1.2 litres.",
            ),
            _p(
                "Copper ewer (qumghan)",
                "ewer",
                "metalwork",
                52_000,
                5,
                {**_craft("Memet Ali", True, 28, ["copper", "brass"]), "maker_id": "@Memet Ali"},
                "The tall hand-washing ewer, chased by hand.",
            ),
            _p(
                "Engraved copper tray, 40 cm",
                "tray",
                "metalwork",
                26_500,
                12,
                _craft("Ablikim Hesen", False, materials=["copper"]),
                "Engraved with a pomegranate rosette.",
            ),
        ),
        makers=(
            DemoMaker(
                "Memet Ali",
                "coppersmith",
                "Coppersmiths' lane, Kashgar old town",
                "Memet raised his first teapot at twelve in his father's workshop and has hammered copper on the "
                "same lane for forty years.",
                _region("Kashgar", "Kashi"),
                "teapot",
            ),
        ),
    ),
    DemoShop(
        "turpan-orchards@bazaar.local",
        "Yengisar Carvers & Ruoqiang Orchard",
        "handicrafts",
        _region("Kashgar", "Yengisar"),
        "Hand-carved combs and spoons, and our family's jujubes by harvest.",
        (
            _p(
                "Hand-carved pear-wood comb",
                "comb",
                "woodwork",
                4_800,
                40,
                _craft("Abdulla Kerim", False, materials=["pear wood"]),
                "Fine-tooth comb, oiled, 15 cm.",
            ),
            _p(
                "Double-sided apricot-wood comb",
                "comb",
                "woodwork",
                6_500,
                30,
                {**_craft("Abdulla Kerim", True, 5, ["apricot wood"]), "personalisation": INITIALS},
                "Coarse and fine teeth; your initials carved.",
            ),
            _p(
                "Carved walnut-wood spoon set of 4",
                "spoons",
                "woodwork",
                12_800,
                15,
                _craft("Tursun Niyaz", False, materials=["walnut wood"]),
                "Four spoons carved from one walnut log.",
            ),
            _p(
                "Fresh jujubes, October harvest, 5 kg box",
                "fresh_jujube",
                "fresh-produce",
                16_800,
                60,
                _craft("Tursun family orchard", False, harvest="2025-10-08"),
                "Crisp fresh jujubes picked to order from our Ruoqiang orchard.",
            ),
            _p(
                "Fresh jujubes, late harvest, 2.5 kg",
                "fresh_jujube",
                "fresh-produce",
                9_900,
                80,
                {
                    **_craft("Tursun family orchard", False, harvest="2025-10-24"),
                    "season_months": [10, 11],
                    **_presale(10, 20, 30),
                },
                "Sweeter, half-red late-harvest jujubes. Out of season, order them on pre-sale.",
            ),
        ),
    ),
    # --- specialties ------------------------------------------------------------------------------
    DemoShop(
        SELLER,
        "Hotan Jujube Cooperative",
        "specialties",
        _region("Hotan", "Yutian"),
        "A growers' cooperative for Hotan jujubes and Yutian roses.",
        (
            _p(
                "Hotan jujubes, grade 1, 1 kg",
                "jujube",
                "dried-fruit",
                6_800,
                300,
                _origin("Hotan", "Yutian", list(range(1, 13)), "DEMO-GI-HOTAN-JUJUBE"),
                "Large, thick-fleshed jujubes dried on the tree in the Taklamakan sun.",
            ),
            _p(
                "Hotan jujubes, jumbo gift box, 2.5 kg",
                "jujube",
                "dried-fruit",
                19_800,
                120,
                _origin("Hotan", "Hotan", list(range(1, 13)), "DEMO-GI-HOTAN-JUJUBE"),
                "Hand-sorted jumbo jujubes.",
            ),
            _p(
                "Yutian rose tea, 250 g",
                "rose_tea",
                "tea",
                5_600,
                200,
                {**_origin("Hotan", "Yutian", [5, 6]), **_presale(5, 20, 30)},
                "Sun-dried buds of the Yutian damask rose. Out of season, order them on pre-sale.",
            ),
            _p(
                "Hotan thin-shell walnuts, 1 kg",
                "walnut",
                "nuts",
                5_200,
                150,
                _origin("Hotan", "Karakax", list(range(1, 13))),
                "Crack-by-hand thin-shell walnuts.",
            ),
        ),
        gi_claims=(
            DemoGiClaim(
                "Hotan jujube (和田大枣)",
                "AGI2011-01-0522",
                ("Hotan jujubes, grade 1, 1 kg", "Hotan jujubes, jumbo gift box, 2.5 kg"),
            ),
        ),
    ),
    DemoShop(
        "turpan-orchards@bazaar.local",
        "Turpan Raisin House",
        "specialties",
        _region("Turpan", "Gaochang"),
        "Raisins from the Turpan depression, dried in traditional ventilated clay houses.",
        (
            _p(
                "Turpan green raisins, 1 kg",
                "raisin_green",
                "dried-fruit",
                4_200,
                400,
                _origin("Turpan", "Gaochang", list(range(1, 13)), "DEMO-GI-TURPAN-RAISIN"),
                "Seedless green raisins.",
            ),
            _p(
                "Turpan black raisins (munaqqa), 500 g",
                "raisin_black",
                "dried-fruit",
                3_600,
                250,
                _origin("Turpan", "Gaochang", list(range(1, 13))),
            ),
            _p(
                "Shanshan rose-fragrant raisins, 500 g",
                "raisin_rose",
                "dried-fruit",
                4_800,
                180,
                _origin("Turpan", "Shanshan", list(range(1, 13))),
                "Red rose-scented raisins.",
            ),
            _p(
                "Hami melon, fresh, 2 per box",
                "melon",
                "fresh-fruit",
                8_800,
                90,
                {**_origin("Hami", "Yizhou", [7, 8, 9], "DEMO-GI-HAMI-MELON"), "harvest_window": ("07-10", "09-20")},
                "Two 2-2.5 kg melons shipped cold.",
            ),
        ),
    ),
    DemoShop(
        "aksu-cotton@bazaar.local",
        "Korla Fragrant Pear Orchards",
        "specialties",
        _region("Bayingolin", "Korla"),
        "Korla fragrant pears from the Peacock River oasis.",
        (
            _p(
                "Korla fragrant pears, 5 kg box",
                "pear",
                "fresh-fruit",
                9_800,
                200,
                _origin("Bayingolin", "Korla", [9, 10, 11], "DEMO-GI-KORLA-PEAR"),
                "Juicy, thin-skinned pears.",
            ),
            _p(
                "Korla fragrant pears, 10 kg box",
                "pear",
                "fresh-fruit",
                17_600,
                120,
                _origin("Bayingolin", "Korla", [9, 10, 11], "DEMO-GI-KORLA-PEAR"),
            ),
            _p("Aksu walnuts, 2 kg", "walnut", "nuts", 9_600, 80, _origin("Aksu", "Wensu", list(range(1, 13)))),
            _p(
                "Korla pear preview (draft)",
                "pear",
                "fresh-fruit",
                9_800,
                0,
                _origin("Bayingolin", "Korla", [9]),
                "Not listed yet.",
                status="draft",
            ),
        ),
        gi_claims=(
            DemoGiClaim(
                "Korla fragrant pear (库尔勒香梨)",
                "AGI2008-01-0117",
                ("Korla fragrant pears, 5 kg box", "Korla fragrant pears, 10 kg box"),
            ),
        ),
    ),
    # One shop waits in the operators' moderation queue.
    DemoShop(
        SELLER,
        "Kashgar Carpet Weavers",
        "handicrafts",
        _region("Kashgar", "Shufu"),
        "Hand-knotted wool carpets (awaiting approval).",
        approve=False,
    ),
)


@dataclass
class SeedResult:
    accounts: dict[str, str] = field(default_factory=dict)  # email -> user id
    shops: int = 0
    products: int = 0
    pictures: int = 0
    skipped: bool = False
    seconds: float = 0.0
    listed: list = field(default_factory=list)  # (owner, storefront, product id, shop id) of each listed product
    personalised: set = field(default_factory=set)  # ids of products whose buyers must personalise them (issue 15)
    counties: int = 0
    villages: int = 0
    pickup_orders: dict = field(default_factory=dict)  # stage -> order id
    sales: dict[str, int] = field(default_factory=dict)  # issue 17: demo orders, completions, refunds, payouts
    carrier_parcel: tuple | None = None  # issue 12: (seller actor, shop id, order id) of a parcel a carrier tracks
    ru_listed: list = field(default_factory=list)  # issue 12: (product id, shop id) listed by exporting shops
    coupon: str | None = None  # issue 12: the code of the demo buyer's delivery-promise coupon


# --- issue 12: the Russian market ------------------------------------------------------------------------
# Shops that export to Russia, the shipping data (weight per unit, HS code) of their products, and translated
# titles for part of the catalogue (Chinese, Uyghur, Russian), so each storefront language has real titles.
EXPORTING_SHOPS = ("Khotan Atlas Silk Workshop", "Kashgar Coppersmiths' Lane", "Hotan Jujube Cooperative")
DEMO_SHIPPING: dict[str, dict] = {
    "Atlas silk scarf, crimson ikat": {"weight_g": 120, "hs_code": "6214100000"},
    "Atlas silk scarf in your colours": {"weight_g": 120, "hs_code": "6214100000"},
    "Atlas silk dress length, 4 m": {"weight_g": 480, "hs_code": "5007200000"},
    "Embroidered doppa cap": {"weight_g": 150, "hs_code": "6505009000"},
    "Hammered copper teapot": {"weight_g": 1400, "hs_code": "7418100000"},
    "Copper ewer (qumghan)": {"weight_g": 2100, "hs_code": "7418100000"},
    "Engraved copper tray, 40 cm": {"weight_g": 1800, "hs_code": "7418100000"},
    "Hotan jujubes, grade 1, 1 kg": {"weight_g": 1050, "hs_code": "0813400000"},
    "Hotan jujubes, jumbo gift box, 2.5 kg": {"weight_g": 2700, "hs_code": "0813400000"},
    "Hotan thin-shell walnuts, 1 kg": {"weight_g": 1050, "hs_code": "0802310000"},
}
DEMO_TRANSLATIONS: dict[str, dict[str, dict[str, str]]] = {
    "Atlas silk scarf, crimson ikat": {
        "zh": {"title": "艾德莱斯绸围巾，绯红扎染", "description": "手工扎经、染色、织造的艾德莱斯绸，180 x 45 厘米。"},
        "ug": {"title": "ئەتلەس ياغلىق، قىزىل", "description": "قولدا توقۇلغان ئەتلەس، 180 x 45 سم."},
        "ru": {
            "title": "Шёлковый платок атлас, малиновый икат",
            "description": "Ручная перевязка, крашение и ткачество, 180 x 45 см.",
        },
    },
    "Atlas silk scarf in your colours": {
        "zh": {"title": "定制艾德莱斯绸围巾"},
        "ru": {"title": "Платок из атласного шёлка в ваших цветах"},
    },
    "Atlas silk dress length, 4 m": {
        "zh": {"title": "艾德莱斯绸衣料，4 米"},
        "ug": {"title": "ئەتلەس كۆينەكلىك، 4 مېتىر"},
        "ru": {"title": "Атласный шёлк на платье, 4 м"},
    },
    "Embroidered doppa cap": {
        "zh": {"title": "刺绣花帽"},
        "ug": {"title": "كەشتىلىك دوپپا"},
        "ru": {"title": "Вышитая тюбетейка доппа"},
    },
    "Hammered copper teapot": {
        "zh": {"title": "手工锤打铜壶"},
        "ug": {"title": "مىس چەينەك"},
        "ru": {"title": "Чеканный медный чайник", "description": "Выколочен из одного листа, лужёный, 1,2 л."},
    },
    "Copper ewer (qumghan)": {
        "zh": {"title": "铜水壶（库木汗）"},
        "ru": {"title": "Медный кумган"},
    },
    "Engraved copper tray, 40 cm": {
        "zh": {"title": "雕花铜托盘，40 厘米"},
        "ru": {"title": "Гравированный медный поднос, 40 см"},
    },
    "Hotan jujubes, grade 1, 1 kg": {
        "zh": {"title": "和田大枣，一级，1 公斤"},
        "ug": {"title": "خوتەن چىلانى، 1 كىلو"},
        "ru": {
            "title": "Хотанские финики-жужуба, 1 сорт, 1 кг",
            "description": "Крупные мясистые ююбы, высушенные на дереве.",
        },
    },
    "Hotan jujubes, jumbo gift box, 2.5 kg": {
        "zh": {"title": "和田骏枣礼盒，2.5 公斤"},
        "ru": {"title": "Хотанская ююба, подарочная коробка, 2,5 кг"},
    },
    "Hotan thin-shell walnuts, 1 kg": {
        "zh": {"title": "和田薄皮核桃，1 公斤"},
        "ug": {"title": "خوتەن ياڭىقى، 1 كىلو"},
        "ru": {"title": "Хотанские тонкокорые грецкие орехи, 1 кг"},
    },
    "Turpan green raisins, 1 kg": {"zh": {"title": "吐鲁番绿葡萄干，1 公斤"}, "ug": {"title": "تۇرپان يېشىل ئۈزۈمى"}},
    "Hand-carved pear-wood comb": {"zh": {"title": "手工雕刻梨木梳"}, "ug": {"title": "ئامۇت ياغىچى تاراق"}},
}
DEMO_RATES = (("CNY-RUB", "12.8345"), ("CNY-EUR", "0.1281"))
DEMO_ZONES = [
    {
        "zone": "core",
        "cities": ["Moscow", "Saint Petersburg", "Novosibirsk", "Yekaterinburg", "Kazan"],
        "promise_days": 15,
    },
    {"zone": "rest", "promise_days": 30},
]


def _user_id(container, email: str) -> str:
    """The Cognito `sub` of an existing account."""
    import boto3

    settings = container.settings
    cognito = boto3.session.Session(region_name=settings.region).client(
        "cognito-idp", endpoint_url=settings.endpoint_url
    )
    user = cognito.admin_get_user(UserPoolId=settings.user_pool_id, Username=email)
    return next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub")


def ensure_account(container, email: str, role: str) -> str:
    """Registers `email` with `role` (operators through the admin path only); returns its user id."""
    from chalicelib.domain.errors import Conflict
    from chalicelib.services import identity

    try:
        if role in ("operator", "partner", "county_staff"):  # never self-registered; demo ones get this password
            return container.identity.register(email, PASSWORD, role)["user_id"]
        return identity.register(container.identity, email, PASSWORD, role)["user_id"]
    except Conflict:
        return _user_id(container, email)


def _upload(container, actor, shop_id: str, product, data: bytes, content_type: str, http) -> None:
    from chalicelib.services import media

    c = container
    grant = media.request_upload(
        c.catalog,
        c.media,
        actor,
        shop_id,
        product.product_id,
        content_type,
        len(data),
        media_id=c.new_id("med"),
        now=c.clock(),
        expires_in=c.settings.upload_url_ttl_seconds,
    )
    upload = grant["upload"]
    reply = http.post(upload["url"], data=upload["fields"], files={"file": ("picture", data, content_type)}, timeout=30)
    if reply.status_code not in (200, 201, 204):
        raise RuntimeError(f"presigned POST failed: {reply.status_code} {reply.text[:200]}")
    media.complete_upload(c.catalog, c.media, actor, shop_id, product.product_id, grant["media_id"], now=c.clock())


def _shop_file(container, actor, shop_id: str, purpose: str, data: bytes, content_type: str, http) -> str:
    """Issue 15: a maker's photo or a GI document, the browser's way (presigned POST, then completion)."""
    from chalicelib.services import shop_uploads

    c = container
    grant = shop_uploads.request_upload(
        c.catalog,
        c.provenance,
        c.media,
        actor,
        shop_id,
        purpose,
        content_type,
        len(data),
        upload_id=c.new_id("upl"),
        now=c.clock(),
        expires_in=c.settings.upload_url_ttl_seconds,
    )
    upload = grant["upload"]
    reply = http.post(upload["url"], data=upload["fields"], files={"file": ("file", data, content_type)}, timeout=30)
    if reply.status_code not in (200, 201, 204):
        raise RuntimeError(f"presigned POST failed: {reply.status_code} {reply.text[:200]}")
    shop_uploads.complete_upload(c.catalog, c.provenance, c.media, actor, shop_id, grant["upload_id"], now=c.clock())
    return grant["upload_id"]


def _certificate(name: str, number: str) -> bytes:
    """A one-page PDF standing for a registration certificate."""
    text = f"Protected geographic indication {name}, registration {number}".encode("latin-1", "replace")
    stream = b"BT /F1 14 Tf 40 760 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def seed(container, log=print, *, sales: bool = True) -> SeedResult:
    """`sales`: also weeks of demo sales and payouts for the dashboards (devtools/seed_money.py; ~40 s)."""
    import requests

    from chalicelib.api.schemas import MakerCreate, ProductCreate, ShopCreate
    from chalicelib.domain import seasons
    from chalicelib.domain.identity import Actor, Role
    from chalicelib.services import catalog, gi_claims, makers, shops

    from .demo_images import render

    started = time.monotonic()
    result = SeedResult()
    c = container
    extras = (*((e, "seller") for e in EXTRA_SELLERS), *((e, "partner") for e in EXTRA_PARTNERS))
    for email, role in (*DEMO_ACCOUNTS, *extras):
        result.accounts[email] = ensure_account(c, email, role)
    operator = Actor(result.accounts[OPERATOR], OPERATOR, frozenset({Role.OPERATOR}))

    def seller(email: str) -> Actor:
        return Actor(result.accounts[email], email, frozenset({Role.SELLER}))

    if c.catalog.shops_by_owner(result.accounts[SELLER], 1, None).items:
        result.skipped = True
        result.seconds = time.monotonic() - started
        log("demo data already present; accounts checked, catalogue left as it is")
        return result

    from chalicelib.services import delivery_promise
    from chalicelib.services import markets as market_rates

    for pair, rate in DEMO_RATES:  # issue 12: the rates the Russian storefront and customs convert at
        market_rates.record_rate(c.markets, operator, pair, rate, None, now=c.clock(), rate_id=c.new_id("fx"))
    delivery_promise.set_zones(c.markets, operator, "ru", DEMO_ZONES)
    # a missed promise in Russia earns a 500,00 ₽ coupon (the demo buyer holds one: seed_ru_coupon)
    delivery_promise.set_compensation(c.markets, operator, "ru", {"type": "coupon", "value": DEMO_COUPON_KOPECKS})
    with requests.Session() as http:
        for spec in SHOPS:
            actor = seller(spec.owner)
            body = ShopCreate.model_validate(
                {
                    "name": spec.name,
                    "storefront": spec.storefront,
                    "description": spec.description,
                    "region": spec.region,
                }
            ).model_dump()
            shop = shops.open_shop(c.catalog, actor, body, now=c.clock(), shop_id=c.new_id("shp"))
            if spec.name in EXPORTING_SHOPS:  # issue 12: sells to Russia too
                shop = shops.edit_shop(c.catalog, actor, shop.shop_id, {"export_markets": ["ru"]}, now=c.clock())
            if spec.approve:
                shop = shops.moderate(c.catalog, operator, shop.shop_id, "approve", now=c.clock())
            result.shops += 1
            maker_ids = {}
            for demo_maker in spec.makers:
                photo = render(demo_maker.motif, demo_maker.name, demo_maker.craft, "JPEG")
                body = MakerCreate.model_validate(
                    {
                        "name": demo_maker.name,
                        "story": demo_maker.story,
                        "workshop": demo_maker.workshop,
                        "region": demo_maker.region,
                        "craft": demo_maker.craft,
                        "photo": _shop_file(c, actor, shop.shop_id, "maker_photo", photo, "image/jpeg", http),
                    }
                ).model_dump()
                maker = makers.add_maker(
                    c.catalog, c.provenance, actor, shop.shop_id, body, now=c.clock(), maker_id=c.new_id("mkr")
                )
                maker_ids[f"@{demo_maker.name}"] = maker.maker_id
            titles = {}
            for item in spec.products:
                attributes = _resolve_presale(item.attributes, seasons.day_of(c.clock()))
                if attributes.get("maker_id") in maker_ids:
                    attributes = {**attributes, "maker_id": maker_ids[attributes["maker_id"]]}
                fields = ProductCreate.model_validate(
                    {
                        "title": item.title,
                        "description": item.description,
                        "category": item.category,
                        "price": {"amount": item.amount, "currency": "CNY"},
                        "stock": item.stock,
                        "status": item.status,
                        "attributes": attributes,
                        "shipping": DEMO_SHIPPING.get(item.title),  # issue 12
                        "translations": DEMO_TRANSLATIONS.get(item.title),
                    }
                ).fields()
                product = catalog.add_product(
                    c.catalog,
                    actor,
                    shop.shop_id,
                    fields,
                    now=c.clock(),
                    product_id=c.new_id("prd"),
                    makers=c.provenance,
                )
                if spec.approve and item.status == "active":
                    result.listed.append((spec.owner, spec.storefront, product.product_id, shop.shop_id))
                if any(f.get("required") for f in attributes.get("personalisation") or []):
                    result.personalised.add(product.product_id)
                elif spec.name in EXPORTING_SHOPS and spec.approve and item.status == "active" and item.stock:
                    result.ru_listed.append((product.product_id, shop.shop_id))
                titles[item.title] = product.product_id
                content_type = "image/png" if item.image_format == "PNG" else "image/jpeg"
                picture = render(item.kind, item.title, f"{spec.name} · {spec.region['prefecture']}", item.image_format)
                _upload(c, actor, shop.shop_id, product, picture, content_type, http)
                result.products += 1
                result.pictures += 1
            for demo_claim in spec.gi_claims:
                document = _certificate(demo_claim.protected_name, demo_claim.registration_number)
                claim = gi_claims.submit_claim(
                    c.catalog,
                    c.provenance,
                    actor,
                    shop.shop_id,
                    {
                        "product_ids": [titles[t] for t in demo_claim.titles],
                        "register": demo_claim.register,
                        "registration_number": demo_claim.registration_number,
                        "protected_name": demo_claim.protected_name,
                        "document": _shop_file(
                            c, actor, shop.shop_id, "gi_document", document, "application/pdf", http
                        ),
                    },
                    now=c.clock(),
                    claim_id=c.new_id("gic"),
                )
                gi_claims.decide(c.catalog, c.provenance, operator, claim.claim_id, "verify", now=c.clock())
    seed_network(c, result, operator, log)
    seed_trade(c, result, operator, log)  # issue 14: the demo business, RFQs, quotes, an invoice
    seed_groups(c, result, log)  # issue 19: an open group buy with two commitments
    seed_carrier(c, result, operator, log)  # issue 12: a registered carrier that tracks the shipped b2b parcel
    seed_ru_coupon(c, result, log)  # issue 12: the demo buyer's coupon for a missed delivery promise
    log(
        f"seeded {len(result.accounts)} accounts, {result.shops} shops, {result.products} products "
        f"with pictures in {time.monotonic() - started:.1f} s"
    )
    if sales:  # issue 17: weeks of demo sales, completions and payouts for the dashboards
        from .seed_money import seed_sales

        result.sales = seed_sales(c, result.accounts, log, bank_url=os.environ.get("PAYOUT_PROVIDER_URL"))
    result.seconds = time.monotonic() - started
    return result


# --- the rural service network (issue 10) ------------------------------------------------------------------

COUNTIES = (
    {
        "name": "Shufu County Operations Centre",
        "province": XJ,
        "prefecture": "Kashgar",
        "county": "Shufu",
        "address": "18 Tuanjie Road, Tokzak Town, Shufu County, Kashgar",
        "villages": (
            ("Tokzak Village Service Centre", "Tokzak", "3 Bazaar Street, Tokzak", "09:00-21:00 daily", PARTNER),
            ("Wupar Village Service Centre", "Wupar", "12 Mahmud Kashgari Road, Wupar", "10:00-20:00, closed Friday",
             EXTRA_PARTNERS[0]),
        ),
    },
    {
        "name": "Wensu County Operations Centre",
        "province": XJ,
        "prefecture": "Aksu",
        "county": "Wensu",
        "address": "7 Tianshan Road, Wensu County, Aksu",
        "villages": (
            ("Jiamu Village Service Centre", "Jiamu", "1 Orchard Lane, Jiamu", "09:30-20:30 daily", EXTRA_PARTNERS[1]),
            ("Tohula Village Service Centre", "Tohula", "5 Canal Street, Tohula", "10:00-19:00 daily",
             EXTRA_PARTNERS[2]),
        ),
    },
)  # fmt: skip
# The demo buyer's orders to the first village centre, one at each stage of its journey.
PICKUP_STAGES = ("shipped", "at_county", "to_village", "missing", "ready_for_pickup", "delivered")


def seed_network(container, result: SeedResult, operator, log=print) -> None:
    """Two county centres (Shufu in Kashgar, Wensu in Aksu) with two village centres each; county@ works at
    Shufu's, partner@ runs Tokzak; and the demo buyer's orders to Tokzak, one at each stage, through the same use
    cases as the API (checkout, ship, scan, manifests, receipt, handover)."""
    from chalicelib.api.presenters import buyer_order_public
    from chalicelib.domain.identity import Actor, Role
    from chalicelib.domain.network import pickup_code
    from chalicelib.services import cart, checkout, county, network, order_lifecycle, village

    c = container
    villages: dict[str, str] = {}
    county_ids = []
    for spec in COUNTIES:
        fields = {k: v for k, v in spec.items() if k != "villages"}
        made = network.create_county(c.network, c.identity, operator, fields, now=c.clock(), county_id=c.new_id("cty"))
        county_ids.append(made.county_id)
        result.counties += 1
        for name, place, address, hours, partner_email in spec["villages"]:
            body = {"name": name, "village": place, "address": address, "hours": hours, "partner_email": partner_email}
            made_village, _ = network.create_village(
                c.network, c.identity, operator, made.county_id, body, now=c.clock(), village_id=c.new_id("vil")
            )
            villages[partner_email] = made_village.village_id
            result.villages += 1
    county_id, village_id = county_ids[0], villages[PARTNER]
    network.bind_staff(c.network, c.identity, operator, county_id, COUNTY_STAFF, now=c.clock())

    buyer = Actor(result.accounts[BUYER], BUYER, frozenset({Role.BUYER}))
    staff = Actor(result.accounts[COUNTY_STAFF], COUNTY_STAFF, frozenset({Role.COUNTY_STAFF}), frozenset({county_id}))
    partner = Actor(result.accounts[PARTNER], PARTNER, frozenset({Role.PARTNER}))
    orders: dict[str, str] = {}
    collectable = [
        entry
        for entry in _collectable(result)
        if not (c.buying.get_products([entry[2]])[entry[2]].attributes or {}).get("personalisation")
    ]  # a personalised product needs its choices in the cart line
    for stage, (owner, _, product_id, shop_id) in zip(PICKUP_STAGES, collectable, strict=False):
        cart.set_line(c.buying, buyer, product_id, 1, now=c.clock())
        body = {
            "delivery": {"pickup_point": village_id, "name": "Dilnur Abdulla", "phone": "+86 998 555 0142"},
            "payment_method": "cash_on_delivery",
        }
        placed, _ = checkout.checkout(
            c.buying, buyer, f"seed-pickup-{stage}", body,
            now=c.clock(), new_id=c.new_id, present_order=buyer_order_public,
        )  # fmt: skip
        order_id = placed["orders"][0]["order_id"]
        seller = Actor(result.accounts[owner], owner, frozenset({Role.SELLER}))
        tracking = f"CP{order_id[-9:].upper()}CN"
        order_lifecycle.ship(c.catalog, c.buying, seller, shop_id, order_id, "China Post", tracking, now=c.clock())
        orders[stage] = order_id

    def scan(*stages: str) -> None:
        for stage in stages:
            county.scan(c.buying, c.network, staff, county_id, orders[stage], now=c.clock())

    def manifest() -> str:
        built, _ = county.build_manifest(
            c.buying, c.network, c.jobs, staff, county_id, village_id, now=c.clock(), new_id=c.new_id
        )
        county.dispatch_manifest(c.buying, c.network, c.jobs, staff, county_id, built.manifest_id, now=c.clock())
        return built.manifest_id

    if len(orders) == len(PICKUP_STAGES):
        # one manifest: two parcels arrive, one goes missing; the first of the two is handed over
        scan("delivered", "ready_for_pickup", "missing")
        first = manifest()
        arrived = [orders["delivered"], orders["ready_for_pickup"]]
        village.receive_manifest(c.buying, c.network, c.jobs, partner, village_id, first, arrived, now=c.clock())
        ready = c.buying.get_order(orders["delivered"])
        code = pickup_code(c.settings.pickup_code_secret, ready.order_id, ready.pickup["ready_at"])
        village.hand_over(
            c.buying, c.network, partner, village_id, ready.order_id, code,
            now=c.clock(), secret=c.settings.pickup_code_secret,
        )  # fmt: skip
        # issue 11: villagers of Tokzak, and orders partner@ placed for them (one collected and paid in cash)
        seed_villagers(c, partner, village_id, log)
        seed_assisted_orders(c, result, operator, partner, staff, county_id, village_id, collectable, log)
        seed_producers(c, result, operator, partner, county_id, village_id, log)  # issue 11: assisted selling
        # a second manifest on its way to the village, and a parcel waiting at the county
        scan("to_village")
        manifest()
        scan("at_county")
    result.pickup_orders = orders
    log(
        f"seeded {result.counties} county centres, {result.villages} village centres and the demo buyer's pickup "
        f"orders to Tokzak at each stage ({', '.join(orders)})"
    )


# --- villagers partner@ serves at Tokzak (issue 11) ----------------------------------------------------------

DEMO_VILLAGERS = (
    ("Aynur Tohti", "+86 998 555 0201", {"method": "signed_form"}),
    ("Memet Niyaz", None, {"method": "witnessed_verbal", "witness": "Tursun Ablet (village committee)"}),
    ("Ayshem Qurban", "+86 998 555 0203", {"method": "signed_form"}),
    ("ئابدۇكېرىم ياسىن", None, {"method": "witnessed_verbal", "witness": "Gulnar Hasan"}),
)


def seed_villagers(c, partner, village_id: str, log=print) -> None:
    """Villagers the Tokzak partner orders for, with their consent, through the same use case as the API."""
    from chalicelib.services import villagers

    for name, phone, consent in DEMO_VILLAGERS:
        now = c.clock()
        fields = {"name": name, "phone": phone, "consent": {**consent, "recorded_at": now}}
        villagers.add_villager(c.network, partner, village_id, fields, now=now, villager_id=c.new_id("vgr"))
    log(f"seeded {len(DEMO_VILLAGERS)} villagers served by {PARTNER}")


# --- a producer partner@ sells for (issue 11, assisted selling) -----------------------------------------------

DEMO_PRODUCER = {
    "name": "Rizwangul Tursun",
    "phone": "+86 998 555 0211",
    "payout": {"method": "cash_via_partner"},
}
DEMO_PRODUCER_SHOP = {
    "name": "Tokzak Embroidery (Rizwangul Tursun)",
    "storefront": "handicrafts",
    "description": "Doppa caps and embroidered cushions made by Rizwangul in Tokzak; sold for her by the village "
    "service centre.",
}
DEMO_PRODUCER_PRODUCTS = (
    ("Tokzak doppa cap, green velvet", "doppa", 8_800, 12, "A green velvet doppa with almond-flower embroidery."),
    ("Embroidered cushion cover", "fabric", 12_600, 8, "A 45 cm cushion cover, hand-embroidered with silk thread."),
)
PRODUCER_COMMISSION_BP = 1_000  # Shufu's village partners earn 10 % of their producers' sales


def seed_producers(c, result: SeedResult, operator, partner, county_id: str, village_id: str, log=print) -> None:
    """One producer partner@ sells for, with an approved shop and products (with pictures) the partner manages,
    and Shufu's producer commission: through the same use cases as the API."""
    import requests

    from chalicelib.api.schemas import ProductCreate
    from chalicelib.services import catalog, producers, shops

    from .demo_images import render

    producers.set_producer_commission(
        c.finance, c.network, operator, county_id, PRODUCER_COMMISSION_BP, "CNY", now=c.clock()
    )
    now = c.clock()
    fields = {**DEMO_PRODUCER, "consent": {"method": "signed_form", "recorded_at": now}}
    producer = producers.add_producer(c.network, partner, village_id, fields, now=now, producer_id=c.new_id("pdr"))
    _, shop = producers.open_producer_shop(
        c.network, c.catalog, partner, village_id, producer.producer_id, dict(DEMO_PRODUCER_SHOP),
        now=c.clock(), shop_id=c.new_id("shp"),
    )  # fmt: skip
    shop = shops.moderate(c.catalog, operator, shop.shop_id, "approve", now=c.clock())
    result.shops += 1
    with requests.Session() as http:
        for title, kind, amount, stock, description in DEMO_PRODUCER_PRODUCTS:
            body = ProductCreate.model_validate(
                {
                    "title": title,
                    "description": description,
                    "category": "textiles",
                    "price": {"amount": amount, "currency": "CNY"},
                    "stock": stock,
                    "status": "active",
                    "attributes": _craft(DEMO_PRODUCER["name"], False, None, ["velvet", "silk thread"]),
                }
            ).fields()
            product = catalog.add_product(
                c.catalog, partner, shop.shop_id, body, now=c.clock(), product_id=c.new_id("prd")
            )
            picture = render(kind, title, "Tokzak · Kashgar", "JPEG")
            _upload(c, partner, shop.shop_id, product, picture, "image/jpeg", http)
            result.products += 1
            result.pictures += 1
    log(f"seeded producer {DEMO_PRODUCER['name']} and her shop, managed by {PARTNER}")


def seed_assisted_orders(
    c, result: SeedResult, operator, partner, staff, county_id: str, village_id: str, products, log=print
):
    """Shufu's service fee rule (3 %, 1.00 to 20.00 CNY) and partner@'s orders for three demo villagers: one
    waiting for the seller (cash on pickup), one paid by the partner and shipped to the county, one that went
    all the way and was handed over to its villager in person (its cash collected; half of it remitted to the
    county, waiting to be counted)."""
    from chalicelib.api.presenters import parcel_public
    from chalicelib.domain import seasons
    from chalicelib.domain.identity import Actor, Role
    from chalicelib.domain.orders import line_problems
    from chalicelib.services import assisted, cash, county, order_lifecycle, village

    rule = {"percent_bp": 300, "min_amount": 100, "max_amount": 2000, "currency": "CNY"}
    assisted.set_fee_rule(c.network, operator, county_id, rule, now=c.clock())
    people = c.network.villagers(village_id, 10, None).items
    by_name = {v.name: v.villager_id for v in people}
    placed = []
    day = seasons.day_of(c.clock())
    buyable = [
        entry
        for entry in reversed(products)
        if not line_problems(c.buying.get_products([entry[2]]).get(entry[2]), 1, day=day)
    ]  # in season, in stock: the demo's clock is today's
    plans = (("Aynur Tohti", "cash_on_pickup"), ("Memet Niyaz", "paid_by_partner"), ("Ayshem Qurban", "collected"))
    for (owner, _, product_id, shop_id), (name, plan) in zip(buyable[:3], plans, strict=False):
        collected = plan == "collected"
        payment = "cash_on_pickup" if collected else plan
        body = {"villager_id": by_name[name], "lines": [{"product_id": product_id, "quantity": 1}], "payment": payment}
        out, _ = assisted.place(
            c.buying, c.network, partner, village_id, f"seed-assisted-{name}", body,
            now=c.clock(), new_id=c.new_id, present_order=parcel_public, ledger=c.ledger,
        )  # fmt: skip
        order_id = out["orders"][0]["order_id"]
        placed.append(order_id)
        if payment == "paid_by_partner":
            seller = Actor(result.accounts[owner], owner, frozenset({Role.SELLER}))
            order_lifecycle.mark_paid(c.catalog, c.buying, c.ledger, seller, shop_id, order_id, now=c.clock())
            order_lifecycle.ship(
                c.catalog, c.buying, seller, shop_id, order_id, "China Post",
                f"CP{order_id[-9:].upper()}CN", now=c.clock(),
            )  # fmt: skip
        if collected:
            seller = Actor(result.accounts[owner], owner, frozenset({Role.SELLER}))
            order_lifecycle.ship(
                c.catalog, c.buying, seller, shop_id, order_id, "China Post",
                f"CP{order_id[-9:].upper()}CN", now=c.clock(),
            )  # fmt: skip
            county.scan(c.buying, c.network, staff, county_id, order_id, now=c.clock())
            built, _ = county.build_manifest(
                c.buying, c.network, c.jobs, staff, county_id, village_id, now=c.clock(), new_id=c.new_id
            )
            county.dispatch_manifest(c.buying, c.network, c.jobs, staff, county_id, built.manifest_id, now=c.clock())
            village.receive_manifest(
                c.buying, c.network, c.jobs, partner, village_id, built.manifest_id, [order_id],
                now=c.clock(),
            )  # fmt: skip
            village.hand_over(
                c.buying, c.network, partner, village_id, order_id, None, now=c.clock(),
                secret=c.settings.pickup_code_secret, villager_present=True, villager_id=by_name[name],
                ledger=c.ledger,
            )  # fmt: skip
            due = out["total"]["amount"] - out["service_fee"]["amount"]
            cash.remit(c.network, c.ledger, partner, village_id, due // 2, now=c.clock(), remittance_id=c.new_id("rmt"))
    log(f"seeded Shufu's service fee rule and {len(placed)} assisted orders for Tokzak's villagers")


def _collectable(result: SeedResult) -> list[tuple[str, str, str, str]]:
    """Listed products sold one at a time (b2b lots have minimum orders) and without a personalisation to fill
    in (issue 15), by different sellers first."""
    picked = [entry for entry in result.listed if entry[1] != "b2b" and entry[2] not in result.personalised]
    by_owner: dict[str, list] = {}
    for entry in picked:
        by_owner.setdefault(entry[0], []).append(entry)
    spread = [entry for group in zip(*by_owner.values(), strict=False) for entry in group]
    return spread + [entry for entry in picked if entry not in spread]


# --- bulk trade (issue 14) ---------------------------------------------------------------------------------

DEMO_BUSINESS = {
    "company_name": "Hangzhou Silk Road Foods Co., Ltd.",
    "tax_id": "91330106MA2CFRKE0H",  # a well-formed code (its check character is right), not a real company
    "address": {
        "province": "Zhejiang",
        "prefecture": "Hangzhou",
        "county": "Xihu",
        "line": "88 Wensan Road, Building 3",
        "postal_code": "310012",
    },
    "contact": {"name": "Chen Jing", "phone": "+86 571 8888 0142", "email": BUSINESS},
    "documents": [],
}
DEMO_ADDRESS = {
    "name": "Chen Jing",
    "phone": "+86 571 8888 0142",
    "lines": ["88 Wensan Road, Building 3"],
    "city": "Hangzhou",
    "region": "Zhejiang",
    "postal_code": "310012",
    "country": "CN",
}
DEMO_CREDIT_LIMIT = 50_000_000  # 500,000.00 CNY, 30 days


def seed_trade(c, result: SeedResult, operator, log=print) -> None:
    """The demo business (verified, net terms), the b2b shops' RFQ categories, an open RFQ with two quotes (one
    revised) and a conversation, and an RFQ awarded on net terms, shipped, with its open invoice."""
    from chalicelib.api.presenters import buyer_order_public
    from chalicelib.api.schemas import BusinessIn, QuoteIn, RfqIn
    from chalicelib.domain.identity import Actor, Role
    from chalicelib.domain.trade import format_time, parse_time
    from chalicelib.services import business, order_lifecycle, rfq

    now = c.clock()

    def at(days: int = 0) -> str:
        return format_time(parse_time(now) + dt.timedelta(days=days))

    buyer = Actor(result.accounts[BUSINESS], BUSINESS, frozenset({Role.BUYER}))
    applied, _ = business.apply(c.trade, c.media, buyer, BusinessIn.model_validate(DEMO_BUSINESS).model_dump(), now=now)
    business.review(c.trade, operator, applied.business_id, "verify", "licence checked", now=now)
    business.set_terms(c.trade, c.ledger, operator, applied.business_id, 30, DEMO_CREDIT_LIMIT, "CNY", now=now)

    suppliers = {}
    for spec in SHOPS:
        if spec.storefront != "b2b":
            continue
        seller = Actor(result.accounts[spec.owner], spec.owner, frozenset({Role.SELLER}))
        shop = next(s for s in c.catalog.shops_by_owner(seller.user_id, 100, None).items if s.name == spec.name)
        rfq.set_rfq_categories(c.trade, seller, shop.shop_id, sorted({p.category for p in spec.products}), now=now)
        suppliers[spec.name] = (seller, shop)

    def post(data: dict) -> str:
        body = RfqIn.model_validate(data).model_dump()
        return rfq.post_rfq(c.trade, c.media, buyer, body, rfq_id=c.new_id("rfq"), now=now).rfq_id

    def quote(shop_name: str, rfq_id: str, amount: int, moq: int, lead: int, note: str, sample=None) -> str:
        seller, shop = suppliers[shop_name]
        data = {
            "unit_amount": {"amount": amount, "currency": "CNY"},
            "moq": moq,
            "lead_time_days": lead,
            "valid_until": at(days=30),
            "note": note,
        }
        if sample:
            data["sample"] = sample
        body = QuoteIn.model_validate(data).model_dump()
        return rfq.submit_quote(c.trade, c.catalog, c.buying, seller, shop.shop_id, rfq_id, body, now=now)[0].quote_id

    jujubes = post(
        {
            "category": "dried-fruit",
            "title": "Green raisins, 300 cartons of 10 kg",
            "specification": "Turpan green raisins (seedless), grade 1, moisture under 15%, 10 kg cartons, "
            "palletised, for our Hangzhou warehouse.",
            "quantity": 300,
            "unit": "carton",
            "target_unit_amount": 23_000,
            "currency": "CNY",
            "deliver_to": {"province": "Zhejiang", "prefecture": "Hangzhou"},
            "quote_deadline": at(days=10),
        }
    )
    turpan = quote(
        "Turpan Valley Wholesale", jujubes, 23_800, 100, 6, "Shade-dried this autumn.", {"amount": 3_200, "quantity": 2}
    )
    quote("Kashgar Dried Fruit Traders", jujubes, 24_500, 50, 9, "Mixed Turpan and Hotan lots.")
    quote(
        "Turpan Valley Wholesale",
        jujubes,
        23_200,
        100,
        6,
        "Revised: palletised at no charge.",
        {"amount": 3_200, "quantity": 2},
    )
    seller, shop = suppliers["Turpan Valley Wholesale"]
    rfq.post_message(c.catalog, c.trade, c.buying, buyer, jujubes, turpan, "Can you deliver in two lots a week apart?",
                     shop_id=None, message_id=c.new_id("msg"), now=now)  # fmt: skip
    rfq.post_message(c.catalog, c.trade, c.buying, seller, jujubes, turpan, "Yes: 150 cartons each, same price.",
                     shop_id=shop.shop_id, message_id=c.new_id("msg"), now=now)  # fmt: skip

    walnuts = post(
        {
            "category": "nuts",
            "title": "Walnuts in shell, 40 sacks",
            "specification": "Thin-shell walnuts, 32 mm and up, 20 kg sacks.",
            "quantity": 40,
            "unit": "sack",
            "currency": "CNY",
            "deliver_to": {"province": "Zhejiang", "prefecture": "Hangzhou"},
            "quote_deadline": at(days=5),
        }
    )
    won = quote("Turpan Valley Wholesale", walnuts, 50_500, 20, 9, "From the Gaochang cold store.")
    accepted, _ = rfq.accept(
        c.trade,
        c.buying,
        c.ledger,
        c.events,
        buyer,
        walnuts,
        won,
        "demo-walnuts",
        {"quantity": 40, "delivery": DEMO_ADDRESS, "payment_method": "net_terms"},
        now=now,
        new_id=c.new_id,
        present_order=buyer_order_public,
    )
    order_lifecycle.ship(
        c.catalog,
        c.buying,
        seller,
        shop.shop_id,
        accepted["order"]["order_id"],
        "SF Express",
        "SF1402203391",
        now=now,
        trade=c.trade,
        ledger=c.ledger,
        invoice_id=c.new_id("inv"),
    )
    result.carrier_parcel = (seller, shop.shop_id, accepted["order"]["order_id"])  # issue 12: seed_carrier
    log(f"seeded the demo business {BUSINESS} (net terms), 2 RFQs with quotes, an invoice on net terms")


# --- buy together (issue 19) -----------------------------------------------------------------------------------


def seed_groups(c, result: SeedResult, log=print) -> None:
    """An open group buy on the first demo b2b product that has a second tier, aiming at that tier, with the
    business and the demo buyer committed below the MOQ: its page shows the progress bar, the next tier and the
    countdown (the clock's job closes or fails it at its deadline, a week on)."""
    from chalicelib.api.presenters import commitment_public
    from chalicelib.domain.identity import Actor, Role
    from chalicelib.domain.trade import format_time, parse_time
    from chalicelib.services import group_buys

    now = c.clock()
    seller_id = result.accounts[SELLER]
    shop = next(s for s in c.catalog.shops_by_owner(seller_id, 100, None).items if s.storefront == "b2b")
    products = [p for p in c.catalog.shop_products(shop.shop_id, 100, None).items if p.is_listed]
    product = next(p for p in products if len(p.attributes.get("price_tiers") or []) > 1)
    starter = Actor(result.accounts[BUSINESS], BUSINESS, frozenset({Role.BUYER}))
    deadline = format_time(parse_time(now) + dt.timedelta(days=7))
    target = product.attributes["price_tiers"][1]["min_quantity"]
    group = group_buys.start(
        c.group_buys, c.buying, starter, product.product_id, target, deadline, now=now, new_id=c.new_id
    )
    step = int(product.attributes.get("order_multiple") or 1)
    for email, share in ((BUSINESS, 3), (BUYER, 2)):
        actor = Actor(result.accounts[email], email, frozenset({Role.BUYER}))
        quantity = max(step, (target * share // 10) // step * step)
        body = {"quantity": quantity, "delivery": DEMO_ADDRESS, "payment_method": "bank_transfer"}
        group_buys.join(
            c.group_buys, c.buying, actor, group.group_id, f"seed-{email}", body,
            now=now, present_commitment=commitment_public,
        )  # fmt: skip
    log(f"seeded a group buy of {product.title!r} (/groups/{group.group_id})")


# --- issue 12: a carrier that posts signed tracking events ------------------------------------------------------

DEMO_CARRIER = "SF Express"


def seed_carrier(c, result: SeedResult, operator, log=print) -> str:
    """Registers the demo carrier and names it on the shipped b2b parcel's handed_to_carrier event, then logs the
    command that posts a signed event as the carrier (devtools/carrier.py). Two DynamoDB writes and an order
    change: no measurable seed time. Returns the carrier id."""
    from chalicelib.services import carriers, delivery_promise

    carrier, secret = carriers.register(
        c.carriers, operator, DEMO_CARRIER, master=c.settings.secret("carrier_signing"), now=c.clock(), new_id=c.new_id
    )
    if result.carrier_parcel is None:
        log(f"demo carrier {carrier.name}: {carrier.carrier_id} (no parcel handed to it)")
        return carrier.carrier_id
    seller, shop_id, order_id = result.carrier_parcel
    delivery_promise.track(
        c.catalog,
        c.buying,
        seller,
        shop_id,
        order_id,
        "handed_to_carrier",
        c.clock(),
        "Turpan",
        now=c.clock(),
        carriers=c.carriers,
        carrier_id=carrier.carrier_id,
        tracking_number="SF1402203391",
    )
    log(
        f"demo carrier {carrier.name}: {carrier.carrier_id} tracks order {order_id}; post its signed event with\n"
        f"  python -m devtools.carrier --carrier {carrier.carrier_id} --secret {secret} --shop {shop_id} "
        f"--order {order_id} --event arrived_in_city --location Hangzhou   (--base http://127.0.0.1:<port>)"
    )
    return carrier.carrier_id


DEMO_COUPON_KOPECKS = 50_000
RU_COUPON_ORDER_DAYS_AGO = 60  # longer than any demo promise (processing days + 30 days to the farthest zone)


def seed_ru_coupon(c, result: SeedResult, log=print) -> str | None:
    """The demo buyer's cash-on-delivery order to Moscow in roubles, placed 60 days ago and never delivered: the
    delivery-promise job (the service the scheduler runs) issues its coupon, as it would for any missed promise,
    so `GET /v1/me/coupons`, /orders and /ru/checkout show one to spend. One checkout and one job run."""
    from chalicelib.api.presenters import buyer_order_public
    from chalicelib.domain.identity import Actor, Role
    from chalicelib.domain.markets import MARKETS
    from chalicelib.domain.orders import format_time, parse_time
    from chalicelib.services import cart, checkout, delivery_promise
    from chalicelib.services import markets as market_service

    rate = market_service.rate_for(c.markets, MARKETS["ru"], fresh=True)
    if not result.ru_listed or rate is None:
        log("no demo coupon: no product sold in Russia")
        return None
    buyer = Actor(result.accounts[BUYER], BUYER, frozenset({Role.BUYER}))
    product_id, _ = result.ru_listed[0]
    placed_at = format_time(parse_time(c.clock()) - dt.timedelta(days=RU_COUPON_ORDER_DAYS_AGO))
    fx = market_service.offer_fx(MARKETS["ru"], rate)
    cart.set_line(c.buying, buyer, product_id, 1, now=placed_at, with_products=False, fx=fx)
    body = {
        "delivery": {
            "name": "Анна Смирнова",
            "phone": "+7 912 555 0142",
            "lines": ["ул. Тверская, 7, кв. 12"],
            "city": "Moscow",
            "region": "Москва",
            "postal_code": "125009",
            "country": "RU",
        },
        "payment_method": "cash_on_delivery",
        "market": "ru",
        "accept_duty": True,
    }
    placed, _ = checkout.checkout(
        c.buying, buyer, "seed-ru-missed-promise", body, now=placed_at, new_id=c.new_id,
        present_order=buyer_order_public,
    )  # fmt: skip
    order_id = placed["orders"][0]["order_id"]
    delivery_promise.compensate_due(c.buying, c.ledger, c.trust, now=c.clock(), coupons=c.coupons)
    order = c.buying.get_order(order_id)
    compensated = ((order.delivery_promise or {}).get("compensated") or {}) if order else {}
    result.coupon = compensated.get("code")
    log(
        f"demo coupon {result.coupon} (500,00 ₽, for {BUYER}'s missed delivery promise on {order_id}): "
        "spend it at /ru/checkout"
    )
    return result.coupon


def container_for(env: dict[str, str]):
    """Points this process at the provisioned stage (env from devtools.provision + AWS_ENDPOINT_URL)."""
    from chalicelib import bootstrap, config

    os.environ.update(env)
    config.reset_settings()
    return bootstrap.build(config.get_settings())


def main(argv: list[str] | None = None) -> int:
    import argparse

    import boto3

    from .provision import provision

    parser = argparse.ArgumentParser(description="seed the local stage's demo data into a moto server")
    parser.add_argument("--endpoint", default=os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:5000"))
    args = parser.parse_args(argv)
    from .local_stack import FAKE_AWS

    os.environ.pop("AWS_PROFILE", None)
    os.environ.update(FAKE_AWS)  # moto only: these credentials cannot reach a real account
    env = provision(boto3.session.Session(region_name="us-east-1"), "local", args.endpoint)
    seed(container_for({**env, "AWS_ENDPOINT_URL": args.endpoint}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
