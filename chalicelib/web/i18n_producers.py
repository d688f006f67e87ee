"""UI text of the village console's producer pages (issue 11).

Merged into i18n.MESSAGES (one row per message: English, Chinese, Russian and Uyghur side by side, as there)."""

from __future__ import annotations

PRODUCER_MESSAGES: dict[str, tuple[str, str, str, str]] = {
    "producers.title": ("Producers", "生产者", "Производители", "ئىشلەپچىقارغۇچىلار"),
    "producers.list": (
        "Producers you sell for",
        "您代售的生产者",
        "Производители, за которых вы продаёте",
        "سىز ۋاكالىتەن ساتىدىغان ئىشلەپچىقارغۇچىلار",
    ),
    "producers.none_yet": (
        "No producers yet.",
        "还没有生产者。",
        "Производителей пока нет.",
        "تېخى ئىشلەپچىقارغۇچى يوق.",
    ),
    "producers.add": ("Add a producer", "添加生产者", "Добавить производителя", "ئىشلەپچىقارغۇچى قوشۇش"),
    "producers.add_button": ("Add the producer", "添加", "Добавить", "قوشۇش"),
    "producers.added": ("{name} was added.", "已添加 {name}。", "{name} добавлен(а).", "{name} قوشۇلدى."),
    "producers.payout": ("Paid", "收款方式", "Выплаты", "پۇل تاپشۇرۇۋېلىش"),
    "producers.payout.cash_via_partner": (
        "In cash, through you",
        "由您转交现金",
        "Наличными через вас",
        "سىز ئارقىلىق نەق پۇل",
    ),
    "producers.payout.bank_account": ("To a bank account", "银行账户", "На банковский счёт", "بانكا ھېساباتىغا"),
    "producers.payout_needed": (
        "Choose how the producer is paid.",
        "请选择生产者的收款方式。",
        "Выберите способ выплаты.",
        "پۇل تاپشۇرۇۋېلىش ئۇسۇلىنى تاللاڭ.",
    ),
    "producers.bank_invalid": (
        "Check the bank account: holder, bank and an account number of 8 to 34 letters and digits.",
        "请检查银行账户：户名、银行和8至34位账号。",
        "Проверьте счёт: владелец, банк и номер из 8–34 букв и цифр.",
        "بانكا ھېساباتىنى تەكشۈرۈڭ: ئىگىسى، بانكا ۋە 8 دىن 34 خانىغىچە نومۇر.",
    ),
    "producers.holder_name": ("Account holder", "户名", "Владелец счёта", "ھېسابات ئىگىسى"),
    "producers.bank_name": ("Bank", "开户银行", "Банк", "بانكا"),
    "producers.account_number": ("Account number", "账号", "Номер счёта", "ھېسابات نومۇرى"),
    "producers.consent_given": (
        "The producer agreed that we keep this profile",
        "生产者同意保存此资料",
        "Производитель согласен на хранение этих данных",
        "ئىشلەپچىقارغۇچى بۇ ئۇچۇرنى ساقلاشقا قوشۇلدى",
    ),
    "producers.shop": ("Shop", "店铺", "Магазин", "دۇكان"),
    "producers.has_shop": ("Open the shop", "查看店铺", "Открыть магазин", "دۇكاننى ئېچىش"),
    "producers.no_shop": ("No shop yet.", "还没有店铺。", "Магазина пока нет.", "تېخى دۇكان يوق."),
    "producers.shop_status.pending": ("waiting for approval", "待审核", "ждёт одобрения", "تەستىق كۈتۈۋاتىدۇ"),
    "producers.shop_status.active": ("open", "营业中", "открыт", "ئوچۇق"),
    "producers.shop_status.suspended": ("suspended", "已暂停", "приостановлен", "توختىتىلغان"),
    "producers.public_page": ("public page", "公开页面", "страница магазина", "ئاممىۋى بەت"),
    "producers.product": ("Product", "商品", "Товар", "مال"),
    "producers.price": ("Price", "价格", "Цена", "باھاسى"),
    "producers.stock": ("In stock", "库存", "В наличии", "ئامباردا"),
    "producers.no_products": ("No products yet.", "还没有商品。", "Товаров пока нет.", "تېخى مال يوق."),
    "producers.balance": (
        "Owed to the producer",
        "应付生产者",
        "К выплате производителю",
        "ئىشلەپچىقارغۇچىغا تۆلىنىدىغىنى",
    ),
    "producers.statement": ("Statement (90 days)", "账单（90天）", "Выписка (90 дней)", "ھېسابات (90 كۈن)"),
    "producers.order": ("Order", "订单", "Заказ", "زاكاز"),
    "producers.no_entries": (
        "No sales completed yet.",
        "还没有完成的销售。",
        "Завершённых продаж пока нет.",
        "تېخى تاماملانغان سېتىش يوق.",
    ),
    "producers.back": ("All producers", "全部生产者", "Все производители", "بارلىق ئىشلەپچىقارغۇچىلار"),
}
