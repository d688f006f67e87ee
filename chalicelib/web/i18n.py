"""UI text in English, Chinese and Russian, and the choice of language.

Every message is one row with its three translations side by side, so a missing translation is visible
here and fails tests/web/test_i18n.py. Placeholders use str.format names and must match across languages.
Seller content (titles, descriptions, units) is shown as written.
"""

from __future__ import annotations

LANGUAGES = ("en", "zh", "ru")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "zh": "中文", "ru": "Русский"}
HTML_LANG = {"en": "en", "zh": "zh-Hans", "ru": "ru"}

_EN, _ZH, _RU = 0, 1, 2

MESSAGES: dict[str, tuple[str, str, str]] = {
    # --- chrome -----------------------------------------------------------------------------------
    "site.name": ("Bazaar", "巴扎", "Базар"),
    "site.tagline": (
        "Markets of the Silk Road, online",
        "丝路上的集市，搬到网上",
        "Рынки Шёлкового пути — онлайн",
    ),
    "nav.skip": ("Skip to main content", "跳到主要内容", "Перейти к основному содержимому"),
    "nav.main": ("Main navigation", "主导航", "Основная навигация"),
    "nav.home": ("Home", "首页", "Главная"),
    "nav.cart": ("Cart", "购物车", "Корзина"),
    "nav.orders": ("My orders", "我的订单", "Мои заказы"),
    "nav.signin": ("Sign in", "登录", "Войти"),
    "nav.register": ("Register", "注册", "Регистрация"),
    "nav.signout": ("Sign out", "退出", "Выйти"),
    "nav.signed_in_as": ("Signed in as {email}", "已登录：{email}", "Вы вошли как {email}"),
    "nav.language": ("Language", "语言", "Язык"),
    "nav.breadcrumb": ("Breadcrumb", "导航路径", "Навигационная цепочка"),
    "footer.note": (
        "Prices include VAT. All times are UTC.",
        "价格含增值税。所有时间均为 UTC。",
        "Цены указаны с НДС. Время указано в UTC.",
    ),
    # --- home -------------------------------------------------------------------------------------
    "home.title": ("Three markets, one basket", "三个市场，一个购物车", "Три рынка — одна корзина"),
    "home.intro": (
        "Buy wholesale lots, handmade pieces and regional specialties directly from the people who make them.",
        "直接向生产者购买批发货品、手工艺品和地方特产。",
        "Покупайте оптовые партии, изделия ручной работы и региональные деликатесы напрямую у производителей.",
    ),
    "home.featured": ("New in {storefront}", "{storefront}新品", "Новое в разделе «{storefront}»"),
    "home.enter": ("Browse {storefront}", "浏览{storefront}", "Открыть раздел «{storefront}»"),
    "home.empty": ("Nothing listed yet.", "暂无商品。", "Пока ничего нет."),
    # --- storefronts ------------------------------------------------------------------------------
    "sf.b2b.name": ("Bulk trade", "批发贸易", "Оптовая торговля"),
    "sf.b2b.desc": (
        "Wholesale lots from regional producers: minimum order quantities, order multiples, tiered unit "
        "prices and quotes for big orders.",
        "来自地方生产者的批发货品：最小起订量、订购倍数、阶梯单价，大单可询价。",
        "Оптовые партии от региональных производителей: минимальный заказ, кратность, ступенчатые цены "
        "и расчёт для крупных заказов.",
    ),
    "sf.handicrafts.name": ("Handicrafts & farm produce", "手工艺品与农产品", "Ремёсла и фермерские продукты"),
    "sf.handicrafts.desc": (
        "Made by hand and grown by families: makers, made-to-order pieces with their processing times, "
        "personalisation, and fresh produce by harvest.",
        "手工制作、家庭种植：匠人作品、按需定制（含制作周期）、个性化定制，以及应季新鲜农产品。",
        "Сделано руками и выращено семьями: мастера, изделия на заказ со сроками изготовления, "
        "персонализация и свежий урожай.",
    ),
    "sf.specialties.name": ("Prefecture specialties", "地州特产", "Региональные деликатесы"),
    "sf.specialties.desc": (
        "Specialties of their place of origin, with province, prefecture and county, geographic-indication "
        "proof and the months they are in season.",
        "原产地特产：标明省、地州和县，附地理标志证明及应季月份。",
        "Деликатесы с указанием места происхождения (провинция, округ, уезд), подтверждением "
        "географического указания и сезоном.",
    ),
    # --- categories -------------------------------------------------------------------------------
    "cat.cotton-textiles": ("Cotton & textiles", "棉花与纺织品", "Хлопок и текстиль"),
    "cat.dried-fruit": ("Dried fruit", "干果", "Сухофрукты"),
    "cat.nuts": ("Nuts", "坚果", "Орехи"),
    "cat.grain": ("Grain", "粮食", "Зерно"),
    "cat.wool-leather": ("Wool & leather", "羊毛与皮革", "Шерсть и кожа"),
    "cat.other": ("Other", "其他", "Другое"),
    "cat.textiles": ("Textiles", "纺织品", "Текстиль"),
    "cat.metalwork": ("Metalwork", "金属工艺", "Изделия из металла"),
    "cat.woodwork": ("Woodwork", "木工", "Изделия из дерева"),
    "cat.ceramics": ("Ceramics", "陶瓷", "Керамика"),
    "cat.jewellery": ("Jewellery", "首饰", "Украшения"),
    "cat.fresh-produce": ("Fresh produce", "新鲜农产品", "Свежие продукты"),
    "cat.fresh-fruit": ("Fresh fruit", "鲜果", "Свежие фрукты"),
    "cat.tea": ("Tea", "茶", "Чай"),
    "cat.spices": ("Spices", "香料", "Специи"),
    # --- browsing ---------------------------------------------------------------------------------
    "browse.filters": ("Filter products", "筛选商品", "Фильтр товаров"),
    "browse.search": ("Search", "搜索", "Поиск"),
    "browse.search_placeholder": ("Words in the title", "标题中的词", "Слова из названия"),
    "browse.category": ("Category", "类别", "Категория"),
    "browse.all_categories": ("All categories", "全部类别", "Все категории"),
    "browse.prefecture": ("Prefecture", "地州", "Округ"),
    "browse.prefecture_hint": ("e.g. Kashgar", "例如：Kashgar", "например, Kashgar"),
    "browse.sort": ("Sort by", "排序", "Сортировка"),
    "sort.newest": ("Newest first", "最新", "Сначала новые"),
    "sort.price_asc": ("Price: low to high", "价格从低到高", "Цена по возрастанию"),
    "sort.price_desc": ("Price: high to low", "价格从高到低", "Цена по убыванию"),
    "browse.apply": ("Apply", "应用", "Применить"),
    "browse.reset": ("Clear filters", "清除筛选", "Сбросить фильтры"),
    "browse.results": ("Products", "商品", "Товары"),
    "browse.none": (
        "No products match these filters.",
        "没有符合筛选条件的商品。",
        "Нет товаров, подходящих под эти условия.",
    ),
    "browse.no_more": ("There are no more products.", "没有更多商品了。", "Больше товаров нет."),
    "pager.label": ("Pages", "分页", "Страницы"),
    "pager.next": ("Next page", "下一页", "Следующая страница"),
    "pager.previous": ("Previous page", "上一页", "Предыдущая страница"),
    "pager.first": ("First page", "第一页", "Первая страница"),
    "pager.page": ("Page {number}", "第 {number} 页", "Страница {number}"),
    "card.from": ("from {price} / {unit}", "{price}/{unit} 起", "от {price} за {unit}"),
    "card.moq": ("Minimum order: {moq} {unit}", "起订量：{moq} {unit}", "Минимальный заказ: {moq} {unit}"),
    "card.by": ("by {shop}", "店铺：{shop}", "продавец: {shop}"),
    "card.made_to_order": ("Made to order", "按需定制", "На заказ"),
    "card.gi": ("Geographic indication", "地理标志产品", "Географическое указание"),
    "card.no_picture": ("No picture yet", "暂无图片", "Фото пока нет"),
    # --- product ----------------------------------------------------------------------------------
    "product.gallery": ("Pictures", "图片", "Фотографии"),
    "product.picture_n": ("{title}, picture {number}", "{title}，第 {number} 张图", "{title}, фото {number}"),
    "product.show_picture": ("Show picture {number}", "查看第 {number} 张图", "Показать фото {number}"),
    "product.price": ("Price", "价格", "Цена"),
    "product.unit_price": ("Unit price", "单价", "Цена за единицу"),
    "product.tiers": ("Price by quantity", "阶梯价格", "Цена в зависимости от количества"),
    "product.tier_from": ("From {quantity} {unit}", "{quantity} {unit} 起", "От {quantity} {unit}"),
    "product.per_unit": ("per {unit}", "每{unit}", "за {unit}"),
    "product.details": ("Details", "详细信息", "Подробности"),
    "product.description": ("Description", "商品描述", "Описание"),
    "product.category": ("Category", "类别", "Категория"),
    "product.moq": ("Minimum order", "最小起订量", "Минимальный заказ"),
    "product.unit": ("Unit", "单位", "Единица"),
    "product.multiple": ("Order in multiples of", "订购倍数", "Кратность заказа"),
    "product.lead_time": ("Lead time", "交货期", "Срок поставки"),
    "product.days": ("{days} days", "{days} 天", "{days} дн."),
    "product.maker": ("Maker", "匠人", "Мастер"),
    "product.made_to_order": ("Made to order", "按需定制", "На заказ"),
    "product.processing": ("Made in {days} days", "制作周期 {days} 天", "Изготовление за {days} дн."),
    "product.ready_made": ("Ready made", "现货", "Готовое изделие"),
    "product.materials": ("Materials", "材料", "Материалы"),
    "product.harvest": ("Harvest date", "采收日期", "Дата сбора урожая"),
    "product.origin": ("Origin", "产地", "Происхождение"),
    "product.gi_certificate": ("GI certificate", "地理标志证书", "Сертификат ГУ"),
    "product.season": ("In season", "应季月份", "Сезон"),
    "product.shop": ("Sold by", "卖家", "Продавец"),
    "product.visit_shop": ("Visit the shop", "进入店铺", "Перейти в магазин"),
    "product.in_stock": ("In stock", "有货", "В наличии"),
    "product.few_left": ("Only {stock} left", "仅剩 {stock} 件", "Осталось {stock} шт."),
    "product.out_of_stock": ("Out of stock", "缺货", "Нет в наличии"),
    "product.quantity": ("Quantity", "数量", "Количество"),
    "product.add_to_cart": ("Add to cart", "加入购物车", "Добавить в корзину"),
    "product.signin_to_buy": ("Sign in to buy", "登录后购买", "Войдите, чтобы купить"),
    "product.quantity_hint_b2b": (
        "At least {moq}, in steps of {step}.",
        "至少 {moq}，以 {step} 为单位递增。",
        "Не меньше {moq}, с шагом {step}.",
    ),
    "product.quantity_hint_moq": ("At least {moq}.", "至少 {moq}。", "Не меньше {moq}."),
    "product.storefront": ("Storefront", "市场", "Раздел"),
    # --- shops ------------------------------------------------------------------------------------
    "shop.products": ("Products of this shop", "本店商品", "Товары магазина"),
    "shop.region": ("Region", "地区", "Регион"),
    "shop.choose": (
        "Several shops use this address. Which one do you mean?",
        "多个店铺使用此地址，请选择：",
        "Этот адрес используют несколько магазинов. Какой вам нужен?",
    ),
    "shop.none": ("This shop has nothing listed right now.", "本店暂无在售商品。", "В магазине сейчас нет товаров."),
    # --- account ----------------------------------------------------------------------------------
    "auth.signin_title": ("Sign in", "登录", "Вход"),
    "auth.register_title": ("Create a buyer account", "注册买家账户", "Регистрация покупателя"),
    "auth.email": ("Email", "电子邮箱", "Эл. почта"),
    "auth.password": ("Password", "密码", "Пароль"),
    "auth.password_rules": (
        "10 to 128 characters with an upper-case letter, a lower-case letter and a digit.",
        "10 至 128 个字符，须包含大写字母、小写字母和数字。",
        "От 10 до 128 символов: заглавная и строчная буквы и цифра.",
    ),
    "auth.signin_button": ("Sign in", "登录", "Войти"),
    "auth.register_button": ("Create account", "创建账户", "Создать аккаунт"),
    "auth.no_account": ("New here?", "新用户？", "Впервые здесь?"),
    "auth.have_account": ("Already registered?", "已有账户？", "Уже зарегистрированы?"),
    "auth.signin_needed": (
        "Please sign in to continue.",
        "请先登录。",
        "Пожалуйста, войдите, чтобы продолжить.",
    ),
    # --- form errors ------------------------------------------------------------------------------
    "form.errors": ("Please correct the following:", "请更正以下问题：", "Пожалуйста, исправьте:"),
    "form.required": ("Required.", "必填。", "Обязательное поле."),
    "form.invalid": ("This value is not valid.", "该值无效。", "Недопустимое значение."),
    "err.email": ("Enter a valid email address.", "请输入有效的电子邮箱。", "Введите корректный адрес эл. почты."),
    "err.email_taken": (
        "An account with this email already exists.",
        "该邮箱已注册。",
        "Аккаунт с этим адресом уже существует.",
    ),
    "err.credentials": ("Wrong email or password.", "邮箱或密码错误。", "Неверный адрес или пароль."),
    "err.quantity": (
        "Enter a whole number from {min} to {max}.",
        "请输入 {min} 到 {max} 之间的整数。",
        "Введите целое число от {min} до {max}.",
    ),
    "err.cart_full": (
        "Your cart is full: remove a line first.",
        "购物车已满，请先删除一些商品。",
        "Корзина заполнена: сначала удалите позицию.",
    ),
    "err.phone": (
        "Enter a phone number with digits, spaces, brackets or dashes.",
        "请输入电话号码（数字、空格、括号或短横线）。",
        "Введите номер телефона: цифры, пробелы, скобки или дефисы.",
    ),
    "err.postal_code": (
        "Enter a postal code with letters, digits, spaces or dashes.",
        "请输入邮政编码（字母、数字、空格或短横线）。",
        "Введите индекс: буквы, цифры, пробелы или дефисы.",
    ),
    "err.too_long": ("This is too long.", "内容过长。", "Слишком длинное значение."),
    "err.return_lines": (
        "Choose at least one item to return.",
        "请至少选择一件要退回的商品。",
        "Выберите хотя бы один товар для возврата.",
    ),
    "err.bad_filter": (
        "These filters are not valid.",
        "筛选条件无效。",
        "Недопустимые условия фильтра.",
    ),
    "err.bad_cursor": (
        "This page link is no longer valid. Start again from the first page.",
        "该分页链接已失效，请从第一页重新开始。",
        "Ссылка на страницу устарела. Начните с первой страницы.",
    ),
    # --- cart -------------------------------------------------------------------------------------
    "cart.title": ("Your cart", "您的购物车", "Ваша корзина"),
    "cart.empty": ("Your cart is empty.", "购物车是空的。", "Корзина пуста."),
    "cart.continue": ("Continue shopping", "继续购物", "Продолжить покупки"),
    "cart.added": ("Added to your cart.", "已加入购物车。", "Добавлено в корзину."),
    "cart.updated": ("Your cart was updated.", "购物车已更新。", "Корзина обновлена."),
    "cart.shop": ("From {shop}", "来自 {shop}", "Магазин «{shop}»"),
    "cart.product": ("Product", "商品", "Товар"),
    "cart.unit_price": ("Unit price", "单价", "Цена"),
    "cart.quantity": ("Quantity", "数量", "Количество"),
    "cart.quantity_of": ("Quantity of {title}", "{title} 的数量", "Количество: {title}"),
    "cart.line_total": ("Total", "小计", "Сумма"),
    "cart.update": ("Update", "更新", "Обновить"),
    "cart.remove": ("Remove", "删除", "Удалить"),
    "cart.remove_item": ("Remove {title}", "删除 {title}", "Удалить «{title}»"),
    "cart.subtotal": ("Subtotal", "小计", "Подытог"),
    "cart.total": ("Total", "合计", "Итого"),
    "cart.checkout": ("Proceed to checkout", "去结算", "Перейти к оформлению"),
    "cart.fix_first": (
        "Some lines cannot be bought as they are. Change or remove them to check out.",
        "部分商品无法按当前数量购买，请修改或删除后再结算。",
        "Некоторые позиции нельзя купить в таком виде. Измените или удалите их, чтобы оформить заказ.",
    ),
    "checkout.price_changed": (
        "A seller changed a price since you added the item. The order below shows the new prices: place it again "
        "to buy at them.",
        "您加入购物车后，卖家修改了价格。下方订单已显示新价格，再次提交即按新价格购买。",
        "Продавец изменил цену после того, как вы добавили товар. Ниже показаны новые цены: оформите заказ ещё "
        "раз, чтобы купить по ним.",
    ),
    "cart.unavailable_item": ("A product that is no longer listed", "已下架的商品", "Товар снят с продажи"),
    "rule.unavailable": (
        "This product is no longer available.",
        "该商品已不可购买。",
        "Этот товар больше недоступен.",
    ),
    "rule.below_moq": (
        "The minimum order is {moq} {unit}.",
        "最小起订量为 {moq} {unit}。",
        "Минимальный заказ — {moq} {unit}.",
    ),
    "rule.not_a_multiple": (
        "Order in multiples of {multiple}.",
        "请按 {multiple} 的倍数订购。",
        "Заказывайте количество, кратное {multiple}.",
    ),
    "rule.out_of_stock": ("Only {stock} left.", "仅剩 {stock} 件。", "Осталось только {stock} шт."),
    "rule.sold_out": ("Out of stock.", "已售罄。", "Нет в наличии."),
    # --- checkout ---------------------------------------------------------------------------------
    "checkout.title": ("Checkout", "结算", "Оформление заказа"),
    "checkout.summary": ("Order summary", "订单摘要", "Состав заказа"),
    "checkout.one_order_per_shop": (
        "Each shop ships its own order.",
        "每个店铺单独发货、单独成单。",
        "Каждый магазин отправляет свой заказ отдельно.",
    ),
    "checkout.address": ("Delivery address", "收货地址", "Адрес доставки"),
    "checkout.name": ("Full name", "收货人姓名", "Имя и фамилия"),
    "checkout.phone": ("Phone", "电话", "Телефон"),
    "checkout.line1": ("Address", "详细地址", "Адрес"),
    "checkout.line2": (
        "Address, second line (optional)",
        "详细地址第二行（选填）",
        "Адрес, вторая строка (необязательно)",
    ),
    "checkout.city": ("City", "城市", "Город"),
    "checkout.region": ("Province or region", "省份/地区", "Область или регион"),
    "checkout.postal_code": ("Postal code", "邮政编码", "Почтовый индекс"),
    "checkout.country": ("Country", "国家/地区", "Страна"),
    "checkout.payment": ("Payment method", "付款方式", "Способ оплаты"),
    "checkout.place_order": ("Place order", "提交订单", "Оформить заказ"),
    "checkout.cannot": (
        "Your cart cannot be checked out as it is.",
        "您的购物车当前无法结算。",
        "Корзину нельзя оформить в текущем виде.",
    ),
    "checkout.back_to_cart": ("Back to the cart", "返回购物车", "Вернуться в корзину"),
    "pay.cash_on_delivery": ("Cash on delivery", "货到付款", "Оплата при получении"),
    "pay.bank_transfer": ("Bank transfer", "银行转账", "Банковский перевод"),
    "pay.card": ("Card", "银行卡", "Банковская карта"),
    "pay.cash_on_delivery.hint": (
        "Pay the courier when your order arrives.",
        "收货时向快递员付款。",
        "Оплатите курьеру при получении.",
    ),
    "pay.bank_transfer.hint": (
        "The shop sends you its bank details; it ships once the money arrives.",
        "店铺会发送银行账户信息，收款后发货。",
        "Магазин пришлёт реквизиты и отправит заказ после поступления оплаты.",
    ),
    "country.CN": ("China", "中国", "Китай"),
    "country.KZ": ("Kazakhstan", "哈萨克斯坦", "Казахстан"),
    "country.KG": ("Kyrgyzstan", "吉尔吉斯斯坦", "Киргизия"),
    "country.RU": ("Russia", "俄罗斯", "Россия"),
    "country.UZ": ("Uzbekistan", "乌兹别克斯坦", "Узбекистан"),
    "country.MN": ("Mongolia", "蒙古", "Монголия"),
    # --- orders -----------------------------------------------------------------------------------
    "done.title": ("Thank you for your order", "感谢您的订购", "Спасибо за заказ"),
    "done.intro": (
        "We sent your order to the shop. You can follow it in “My orders”.",
        "订单已发送给店铺，您可以在“我的订单”中查看进度。",
        "Заказ передан магазину. Следить за ним можно в разделе «Мои заказы».",
    ),
    "orders.title": ("My orders", "我的订单", "Мои заказы"),
    "orders.none": ("You have no orders yet.", "您还没有订单。", "У вас пока нет заказов."),
    "orders.newer": ("Newer orders", "较新的订单", "Более новые заказы"),
    "orders.older": ("Older orders", "较早的订单", "Более ранние заказы"),
    "order.title": ("Order {order_id}", "订单 {order_id}", "Заказ {order_id}"),
    "order.number": ("Order", "订单号", "Заказ"),
    "order.placed": ("Placed", "下单时间", "Оформлен"),
    "order.shop": ("Shop", "店铺", "Магазин"),
    "order.status": ("Status", "状态", "Статус"),
    "order.total": ("Total", "合计", "Итого"),
    "order.refunded": ("Refunded", "已退款", "Возвращено"),
    "order.items": ("Items", "商品", "Товары"),
    "order.item_count": ("{count} × {title}", "{title} × {count}", "{title} × {count}"),
    "order.details": ("View order", "查看订单", "Открыть заказ"),
    "order.payment": ("Payment", "付款", "Оплата"),
    "order.paid_at": ("Paid on {date}", "付款时间：{date}", "Оплачен {date}"),
    "order.not_paid": ("Not paid yet", "尚未付款", "Ещё не оплачен"),
    "order.delivery": ("Delivery", "配送", "Доставка"),
    "order.shipment": (
        "Shipped with {carrier}, tracking number {tracking}",
        "承运商 {carrier}，运单号 {tracking}",
        "Отправлен: {carrier}, трек-номер {tracking}",
    ),
    "order.timeline": ("History", "订单动态", "История"),
    "order.returned": ("{count} returned", "已退 {count} 件", "Возвращено: {count}"),
    "order.cancel": ("Cancel this order", "取消订单", "Отменить заказ"),
    "order.cancel_hint": (
        "You can cancel until the shop ships.",
        "店铺发货前可取消订单。",
        "Заказ можно отменить до отправки.",
    ),
    "order.cancelled_note": ("The order was cancelled.", "订单已取消。", "Заказ отменён."),
    "order.return_title": ("Return items", "申请退货", "Вернуть товары"),
    "order.return_window": (
        "You can return items until {date}.",
        "退货截止时间：{date}。",
        "Вернуть товары можно до {date}.",
    ),
    "order.return_quantity": ("Quantity of {title} to return", "{title} 的退货数量", "Сколько вернуть: {title}"),
    "order.return_reason": ("Reason (optional)", "退货原因（选填）", "Причина (необязательно)"),
    "order.return_submit": ("Request the return", "提交退货申请", "Запросить возврат"),
    "order.return_requested": (
        "Your return was requested. The shop refunds you when the items arrive.",
        "退货申请已提交，店铺收到退货后会为您退款。",
        "Возврат запрошен. Магазин вернёт деньги, когда получит товары.",
    ),
    "status.pending_payment": ("Awaiting payment", "待付款", "Ожидает оплаты"),
    "status.paid": ("Paid", "已付款", "Оплачен"),
    "status.shipped": ("Shipped", "已发货", "Отправлен"),
    "status.delivered": ("Delivered", "已送达", "Доставлен"),
    "status.completed": ("Completed", "已完成", "Завершён"),
    "status.cancelled": ("Cancelled", "已取消", "Отменён"),
    "action.placed": ("Order placed", "下单", "Заказ оформлен"),
    "action.paid": ("Payment received", "已收款", "Оплата получена"),
    "action.shipped": ("Shipped", "已发货", "Отправлен"),
    "action.delivered": ("Delivered", "已送达", "Доставлен"),
    "action.cancelled": ("Cancelled", "已取消", "Отменён"),
    "action.completed": ("Completed", "已完成", "Завершён"),
    "action.return_requested": ("Return requested", "申请退货", "Запрошен возврат"),
    "action.refunded": ("Refund recorded", "已退款", "Деньги возвращены"),
    "actor.buyer": ("you", "您", "вы"),
    "actor.seller": ("the shop", "店铺", "магазин"),
    "actor.operator": ("Bazaar", "巴扎", "Базар"),
    "actor.payments": ("the payment provider", "支付服务商", "платёжный сервис"),
    "actor.system": ("Bazaar", "巴扎", "Базар"),
    "timeline.by": ("by {actor}", "操作方：{actor}", "кем: {actor}"),
    # --- errors -----------------------------------------------------------------------------------
    "error.title.400": ("Something in the request is not right", "请求有误", "Ошибка в запросе"),
    "error.title.401": ("Please sign in", "请登录", "Пожалуйста, войдите"),
    "error.title.403": ("You cannot do this", "无权执行此操作", "Это действие недоступно"),
    "error.title.404": ("Page not found", "页面未找到", "Страница не найдена"),
    "error.title.405": ("This page cannot be used that way", "不支持该操作", "Так эту страницу использовать нельзя"),
    "error.title.409": ("That did not work", "操作未能完成", "Не получилось"),
    "error.title.412": ("Something changed meanwhile", "内容已被更改", "Данные изменились"),
    "error.title.413": ("That is too much data", "数据过大", "Слишком много данных"),
    "error.title.422": ("That cannot be done", "无法完成该操作", "Это невозможно выполнить"),
    "error.title.500": ("Something went wrong on our side", "服务器出错了", "У нас что-то пошло не так"),
    "error.title.503": ("We are busy right now", "服务繁忙", "Сервис сейчас перегружен"),
    "error.body.404": (
        "We could not find what you were looking for. It may have been removed.",
        "找不到您要访问的内容，可能已被删除。",
        "Мы не нашли то, что вы искали. Возможно, это удалено.",
    ),
    "error.body.generic": (
        "Please go back and try again.",
        "请返回后重试。",
        "Вернитесь назад и попробуйте ещё раз.",
    ),
    "error.body.503": (
        "Please try again in a moment.",
        "请稍后再试。",
        "Попробуйте ещё раз через минуту.",
    ),
    "error.csrf": (
        "This form has expired or did not come from this site. Go back, reload the page and try again.",
        "表单已过期或并非来自本站。请返回、刷新页面后重试。",
        "Форма устарела или отправлена не с этого сайта. Вернитесь, обновите страницу и попробуйте снова.",
    ),
    "error.role_required": (
        "This page is for buyer accounts.",
        "此页面仅限买家账户使用。",
        "Эта страница только для покупателей.",
    ),
    "error.product_not_found": (
        "This product is not for sale here.",
        "该商品不在此处出售。",
        "Этот товар здесь не продаётся.",
    ),
    "error.storefront_not_found": ("There is no such storefront.", "没有这个市场。", "Такого раздела нет."),
    "error.shop_not_found": ("There is no such shop.", "没有这个店铺。", "Такого магазина нет."),
    "error.order_not_found": ("There is no such order.", "没有这个订单。", "Такого заказа нет."),
    "error.illegal_order_transition": (
        "The order has moved on and cannot be changed like this any more.",
        "订单状态已变化，无法再执行此操作。",
        "Статус заказа изменился, такое действие больше недоступно.",
    ),
    "error.not_delivered": (
        "Only delivered orders can be returned.",
        "只有已送达的订单才能退货。",
        "Вернуть можно только доставленный заказ.",
    ),
    "error.return_window_closed": (
        "The return window for this order has closed.",
        "该订单的退货期已过。",
        "Срок возврата по этому заказу истёк.",
    ),
    "error.return_exceeds_purchase": (
        "You cannot return more than you bought.",
        "退货数量不能超过购买数量。",
        "Нельзя вернуть больше, чем куплено.",
    ),
    "error.idempotency_key_reused": (
        "This order was already placed with different details. Check “My orders”.",
        "该订单已用不同信息提交过，请查看“我的订单”。",
        "Этот заказ уже оформлен с другими данными. Проверьте «Мои заказы».",
    ),
    "error.back_home": ("Back to the home page", "返回首页", "На главную"),
    # --- issue 9: expiry, refunds through the provider, returns with nothing to refund, suspended shops ----
    "action.expired": ("Not paid in time: cancelled", "超时未付款，已取消", "Не оплачен вовремя: отменён"),
    "action.payment_after_cancellation": (
        "Payment received after cancellation: refunding it",
        "订单取消后收到付款，正在退还",
        "Оплата пришла после отмены: возвращаем её",
    ),
    "action.refund_issued": ("Refund sent", "退款已发出", "Возврат отправлен"),
    "action.returned_nothing_to_refund": (
        "Goods back, nothing to refund",
        "商品已退回，无需退款",
        "Товар возвращён, возвращать нечего",
    ),
    "order.payment_due": (
        "Pay by {date}, or the order is cancelled",
        "请在 {date} 前付款，否则订单将被取消",
        "Оплатите до {date}, иначе заказ будет отменён",
    ),
    "checkout.shop_unavailable": (
        "A shop in your cart has stopped selling. Remove its products from the cart to check out.",
        "购物车中有店铺已暂停销售，请删除其商品后再结算。",
        "Один из магазинов в корзине приостановил продажи. Удалите его товары, чтобы оформить заказ.",
    ),
    # --- issue 15: makers, origins, geographic indications, harvests and pre-sale ----------------------------
    "card.personalised": ("Personalised for you", "可个性化定制", "Персонализация"),
    "season.in_season": ("In season", "应季", "Сезон"),
    "season.out_of_season": ("Out of season", "非当季", "Не сезон"),
    "season.presale": ("Pre-sale, ships from {date}", "预售，{date} 起发货", "Предзаказ, отправка с {date}"),
    "season.deposit": (
        "Pay a {percent}% deposit now, the rest when it ships.",
        "现付 {percent}% 定金，发货时付尾款。",
        "Сейчас — предоплата {percent}%, остальное — при отправке.",
    ),
    "season.out_note": (
        "Out of season: it can be ordered again when the harvest begins.",
        "当前非当季，采收开始后可再次订购。",
        "Сейчас не сезон: заказать можно будет, когда начнётся сбор урожая.",
    ),
    "season.window": ("Harvest {start} to {end}", "采收期 {start} 至 {end}", "Сбор урожая: {start} — {end}"),
    "browse.gi_only": (
        "Only verified geographic indications",
        "仅显示经核验的地理标志产品",
        "Только с подтверждённым географическим указанием",
    ),
    "browse.in_season_only": ("Only what is in season", "仅显示应季商品", "Только сезонные товары"),
    "browse.by_origin": ("Browse by place of origin", "按产地浏览", "Выбрать по месту происхождения"),
    "product.ships_by": ("Ships by {date}", "预计 {date} 前发货", "Отправка до {date}"),
    "product.gi": ("Geographic indication", "地理标志", "Географическое указание"),
    "product.gi_detail": (
        "{name} (registered with {register}, no. {number})",
        "{name}（{register} 登记号 {number}）",
        "{name} (реестр {register}, № {number})",
    ),
    "product.personalise": ("Personalise it", "个性化定制", "Персонализация"),
    "product.optional": ("(optional)", "（选填）", "(необязательно)"),
    "product.choose": ("Choose…", "请选择…", "Выберите…"),
    "product.max_length": ("At most {count} characters.", "最多 {count} 个字符。", "Не больше {count} символов."),
    "product.maker_page": ("More by this maker", "该匠人的更多作品", "Другие работы мастера"),
    "err.personalisation": (
        "Please check the personalisation: {fields}.",
        "请检查个性化定制内容：{fields}。",
        "Проверьте персонализацию: {fields}.",
    ),
    "err.out_of_season": (
        "This product is out of season and cannot be ordered now.",
        "该商品当前非当季，暂不能订购。",
        "Сейчас не сезон для этого товара, заказать его нельзя.",
    ),
    "rule.out_of_season": ("Out of season now.", "当前非当季。", "Сейчас не сезон."),
    "rule.personalisation_changed": (
        "The seller changed the personalisation: set this item again.",
        "卖家修改了个性化选项，请重新设置此商品。",
        "Продавец изменил персонализацию: добавьте товар заново.",
    ),
    "cart.ships_by": ("Ships by {date}", "预计 {date} 前发货", "Отправка до {date}"),
    "order.personalisation": ("Personalisation", "个性化定制", "Персонализация"),
    "order.ships_by": ("Ships by {date}", "预计 {date} 前发货", "Отправка до {date}"),
    "order.ship_date": ("Ship date", "发货日期", "Дата отправки"),
    "order.deposit": ("Deposit", "定金", "Предоплата"),
    "order.balance": ("Balance", "尾款", "Остаток"),
    "order.deposit_paid": ("paid on {date}", "已于 {date} 支付", "оплачена {date}"),
    "order.deposit_due": ("due now", "待支付", "к оплате сейчас"),
    "order.balance_due": ("due when it ships", "发货时支付", "при отправке"),
    "order.amount_due": ("To pay now", "当前应付", "К оплате сейчас"),
    "action.deposit_paid": ("Deposit received", "已收定金", "Предоплата получена"),
    "action.balance_paid": ("Balance received", "已收尾款", "Остаток получен"),
    "maker.title": ("{name}, {craft}", "{name}，{craft}", "{name}, {craft}"),
    "maker.workshop": ("Workshop", "工坊", "Мастерская"),
    "maker.region": ("From", "来自", "Откуда"),
    "maker.story": ("Story", "故事", "История"),
    "maker.products": ("Made by {name}", "{name} 的作品", "Работы мастера {name}"),
    "maker.photo": ("{name} at work", "{name} 在工作", "{name} за работой"),
    "origin.title": ("Specialties of {prefecture}", "{prefecture} 特产", "Деликатесы: {prefecture}"),
    "origin.lead_one": (
        "1 product from {prefecture}, {province}.",
        "来自{province}{prefecture}的商品共 1 件。",
        "Товаров из {prefecture} ({province}): 1.",
    ),
    "origin.lead": (
        "{count} products from {prefecture}, {province}.",
        "来自{province}{prefecture}的商品共 {count} 件。",
        "Товаров из {prefecture} ({province}): {count}.",
    ),
    "origin.counties": ("Counties", "县市", "Уезды"),
    "origin.count": ("{count} products", "{count} 件商品", "Товаров: {count}"),
    "origin.count_one": ("1 product", "1 件商品", "Товаров: 1"),
    "origin.products": ("Products", "商品", "Товары"),
    "origin.all": ("Places of origin", "产地", "Места происхождения"),
    "origin.all_lead": (
        "Provinces, prefectures and counties, with how many of their products are listed now.",
        "各省、地州和县，以及当前在售的商品数量。",
        "Провинции, округа и уезды и сколько их товаров сейчас в продаже.",
    ),
    "origin.none": (
        "Nothing is listed from there right now.",
        "该产地暂无在售商品。",
        "Оттуда сейчас ничего не продаётся.",
    ),
    "error.out_of_season": (
        "This product is out of season and cannot be ordered now.",
        "该商品当前非当季，暂不能订购。",
        "Сейчас не сезон для этого товара, заказать его нельзя.",
    ),
    "error.maker_not_found": ("There is no such maker.", "没有这位匠人。", "Такого мастера нет."),
    "error.prefecture_not_found": (
        "Nothing is listed from this prefecture.",
        "该地州暂无在售商品。",
        "Из этого округа сейчас ничего не продаётся.",
    ),
    "error.no_origins": (
        "This storefront has no places of origin.",
        "该市场没有产地分类。",
        "В этом разделе нет мест происхождения.",
    ),
    # --- account confirmation (issue 9) -------------------------------------------------------------
    "error.title.415": ("This page cannot take that", "无法处理该内容", "Эта страница не принимает такие данные"),
    "confirm.title": ("Confirm your email", "验证电子邮箱", "Подтвердите адрес эл. почты"),
    "confirm.code": ("Code", "验证码", "Код"),
    "confirm.code_hint": (
        "The code in the email we sent you.",
        "我们发送到您邮箱的验证码。",
        "Код из письма, которое мы вам отправили.",
    ),
    "confirm.button": ("Confirm", "验证", "Подтвердить"),
    "confirm.resend_intro": (
        "No email, or the code expired?",
        "没有收到邮件或验证码已过期？",
        "Письма нет или код истёк?",
    ),
    "confirm.resend_button": ("Send a new code", "重新发送验证码", "Отправить новый код"),
    "confirm.sent": (
        "We sent a code to your email. Enter it below to finish creating your account.",
        "验证码已发送到您的邮箱，请在下方输入以完成注册。",
        "Мы отправили код на вашу почту. Введите его ниже, чтобы завершить регистрацию.",
    ),
    "confirm.pending": (
        "Your email is not confirmed yet. Enter the code we sent you.",
        "您的邮箱尚未验证，请输入我们发送的验证码。",
        "Ваш адрес ещё не подтверждён. Введите код из нашего письма.",
    ),
    "confirm.resent": (
        "If this account is waiting for confirmation, a new code is on its way.",
        "如果该账户正在等待验证，新的验证码已发出。",
        "Если этот аккаунт ждёт подтверждения, новый код уже отправлен.",
    ),
    "confirm.done": (
        "Your email is confirmed. Please sign in.",
        "邮箱已验证，请登录。",
        "Адрес подтверждён. Пожалуйста, войдите.",
    ),
    "confirm.code_wrong": (
        "This is not the code we sent.",
        "验证码不正确。",
        "Это не тот код, который мы отправили.",
    ),
    "confirm.code_expired": (
        "This code has expired. Ask for a new one below.",
        "验证码已过期，请在下方重新获取。",
        "Срок действия кода истёк. Запросите новый ниже.",
    ),
    # --- dashboards (issue 17) ------------------------------------------------------------------------
    "nav.seller": ("Seller dashboard", "卖家看板", "Кабинет продавца"),
    "nav.admin": ("Operations", "运营看板", "Управление"),
    "error.sellers_only": (
        "This page is for seller accounts.",
        "此页面仅限卖家账户使用。",
        "Эта страница только для продавцов.",
    ),
    "error.operators_only": (
        "This page is for the marketplace's operators.",
        "此页面仅限平台运营人员使用。",
        "Эта страница только для операторов площадки.",
    ),
    "seller.title": ("Seller dashboard", "卖家看板", "Кабинет продавца"),
    "seller.no_shop": (
        "You have no shop yet: open one through the seller API (POST /v1/shops).",
        "您还没有店铺：请通过卖家 API（POST /v1/shops）开店。",
        "У вас ещё нет магазина: откройте его через API продавца (POST /v1/shops).",
    ),
    "seller.shop": ("Shop", "店铺", "Магазин"),
    "seller.switch": ("Your shops", "您的店铺", "Ваши магазины"),
    "seller.money": ("Your money", "您的资金", "Ваши деньги"),
    "seller.available": ("Available", "可提现", "Доступно"),
    "seller.available_note": (
        "Owed to you, paid out weekly",
        "平台应付给您的金额，每周结算",
        "Причитается вам, выплачивается еженедельно",
    ),
    "seller.pending": ("Pending", "待结算", "В ожидании"),
    "seller.pending_note": (
        "Paid by buyers, available when the return window closes",
        "买家已付款，退货期结束后转为可提现",
        "Оплачено покупателями, станет доступно после окончания срока возврата",
    ),
    "seller.next_payout": ("Next payout", "下次结算", "Следующая выплата"),
    "seller.payout_due": ("{amount} will be paid out", "将结算 {amount}", "Будет выплачено {amount}"),
    "seller.payout_threshold": (
        "Paid out from {amount} available",
        "可提现满 {amount} 时结算",
        "Выплата от {amount} на балансе",
    ),
    "seller.waiting": ("Waiting for you", "待处理", "Ждёт вас"),
    "seller.to_ship": ("Orders to ship", "待发货订单", "Заказы к отправке"),
    "seller.open_returns": ("Open returns", "待处理退货", "Открытые возвраты"),
    "seller.open_disputes": ("Open disputes", "待处理纠纷", "Открытые споры"),
    "seller.chart_title": ("Sales and refunds, last 90 days", "近 90 天销售与退款", "Продажи и возвраты за 90 дней"),
    "seller.chart_desc": (
        "Daily sales above the line and refunds below it over {days} days: {sales} sold, {refunds} refunded.",
        "{days} 天内每日销售（横线上方）与退款（横线下方）：销售 {sales}，退款 {refunds}。",
        "Продажи по дням над линией и возвраты под ней за {days} дн.: продано на {sales}, возвращено {refunds}.",
    ),
    "seller.sales": ("Sales", "销售额", "Продажи"),
    "seller.refunds": ("Refunds", "退款", "Возвраты"),
    "seller.orders": ("Orders", "订单", "Заказы"),
    "seller.commission": ("Commission", "佣金", "Комиссия"),
    "seller.net": ("Credited to you", "入账金额", "Зачислено вам"),
    "seller.chart_note": (
        "sales by the day an order was placed, refunds by the day they were made",
        "销售按下单日计，退款按退款日计",
        "продажи — по дню заказа, возвраты — по дню возврата",
    ),
    "seller.by_week": ("The same figures by week", "按周查看同一数据", "Те же цифры по неделям"),
    "seller.week": ("Week", "周", "Неделя"),
    "seller.top_products": ("Top products, last 90 days", "近 90 天热销商品", "Лучшие товары за 90 дней"),
    "seller.product": ("Product", "商品", "Товар"),
    "seller.units": ("Units", "件数", "Штук"),
    "seller.revenue": ("Sales", "销售额", "Продажи"),
    "seller.no_sales": ("No sales in the last 90 days.", "近 90 天没有销售。", "За 90 дней продаж не было."),
    "seller.payouts": ("Payouts", "结算记录", "Выплаты"),
    "seller.payout_date": ("Date", "日期", "Дата"),
    "seller.amount": ("Amount", "金额", "Сумма"),
    "seller.to_account": ("To account", "收款账户", "На счёт"),
    "seller.no_payouts": ("No payouts yet.", "暂无结算。", "Выплат пока не было."),
    "seller.recent_orders": ("Newest orders", "最新订单", "Новые заказы"),
    "seller.no_orders": ("No orders yet.", "暂无订单。", "Заказов пока нет."),
    "seller.api_note": (
        "Ship orders, receive returns and manage your catalogue through the seller API (/v1/docs).",
        "发货、收退货和管理商品请使用卖家 API（/v1/docs）。",
        "Отправляйте заказы, принимайте возвраты и управляйте каталогом через API продавца (/v1/docs).",
    ),
    "payout.pending": ("Being sent", "处理中", "Отправляется"),
    "payout.sent": ("Sent to the bank", "已提交银行", "Передана в банк"),
    "payout.paid": ("Paid", "已到账", "Выплачена"),
    "payout.failed": ("Failed: money returned", "失败，资金已退回", "Не прошла, деньги возвращены"),
    "admin.title": ("Operations", "运营看板", "Управление"),
    "admin.period": (
        "Weekly figures from the week of {start} to the week of {end}. Money in CNY.",
        "每周数据，自 {start} 当周至 {end} 当周。金额单位：人民币。",
        "Данные по неделям: с недели {start} по неделю {end}. Суммы в юанях.",
    ),
    "admin.commission_to_date": ("Commission earned to date", "累计佣金收入", "Комиссия за всё время"),
    "admin.queue.shops": ("Shops awaiting approval", "待审核店铺", "Магазины на проверке"),
    "admin.payout_run": ("This week's payout run", "本周结算批次", "Выплаты этой недели"),
    "admin.run_counts": (
        "{created} payouts sent to the bank",
        "已向银行提交 {created} 笔结算",
        "В банк отправлено выплат: {created}",
    ),
    "admin.run_complete": ("every shop looked at", "已覆盖所有店铺", "все магазины проверены"),
    "admin.run_partial": ("still running", "进行中", "ещё идёт"),
    "admin.no_run": ("not run yet this week", "本周尚未运行", "на этой неделе ещё не запускались"),
    "admin.queues": ("Moderation queues", "审核队列", "Очереди модерации"),
    "admin.queue": ("Queue", "队列", "Очередь"),
    "admin.waiting": ("Waiting", "等待中", "Ожидают"),
    "admin.oldest": ("First in line", "排在最前", "Первые в очереди"),
    "admin.queues_note": (
        "Approve or suspend shops through the operator API (/v1/admin/shops).",
        "请通过运营 API（/v1/admin/shops）审核或暂停店铺。",
        "Одобряйте и приостанавливайте магазины через API оператора (/v1/admin/shops).",
    ),
    "admin.by.storefront": ("By storefront", "按市场", "По разделам"),
    "admin.by.county": ("By county", "按县", "По уездам"),
    "admin.by.market": ("By market", "按跨境市场", "По рынкам"),
    "admin.empty.storefront": (
        "No orders in these weeks.",
        "这几周没有订单。",
        "За эти недели заказов не было.",
    ),
    "admin.empty.county": (
        "No orders with a county in these weeks: orders collected at a village service centre carry their county.",
        "这几周没有带县信息的订单：在村级服务站自提的订单会记录所属县。",
        "За эти недели нет заказов с уездом: уезд есть у заказов, получаемых в сельском пункте выдачи.",
    ),
    "admin.empty.market": (
        "No cross-border orders in these weeks.",
        "这几周没有跨境订单。",
        "За эти недели трансграничных заказов не было.",
    ),
    "admin.metric.gmv": ("GMV", "成交额", "Оборот"),
    "admin.metric.orders": ("Orders", "订单数", "Заказы"),
    "admin.metric.commission": ("Commission", "佣金", "Комиссия"),
    "admin.metric.refunds": ("Refunds", "退款", "Возвраты"),
    "admin.chart_desc": (
        "{metric} per week by {dimension} over {weeks} weeks; {total} in all.",
        "{weeks} 周内按{dimension}统计的每周{metric}；合计 {total}。",
        "{metric} по неделям, {dimension}, за {weeks} нед.; всего {total}.",
    ),
    "admin.dimension.storefront": ("Storefront", "市场", "Раздел"),
    "admin.dimension.county": ("County", "县", "Уезд"),
    "admin.dimension.market": ("Market", "跨境市场", "Рынок"),
    "admin.other": ("Others", "其他", "Прочие"),
}

# Bulk trade's pages (issue 14): their rows live in i18n_trade.py.
from .i18n_trade import TRADE_MESSAGES  # noqa: E402

MESSAGES.update(TRADE_MESSAGES)

# The Russian storefront's pages (issue 12): their rows live in i18n_ru.py.
from .i18n_ru import RU_MESSAGES  # noqa: E402

MESSAGES.update(RU_MESSAGES)


def translate(lang: str, key: str, **params: object) -> str:
    row = MESSAGES.get(key)
    if row is None:
        raise KeyError(f"no UI message {key!r}")
    text = row[LANGUAGES.index(lang) if lang in LANGUAGES else _EN]
    return text.format(**params) if params else text


def has(key: str) -> bool:
    return key in MESSAGES


def negotiate(accept_language: str | None) -> str:
    """The best supported language of an Accept-Language header (RFC 9110 q-values); English otherwise."""
    best: tuple[float, int, str] | None = None
    for index, part in enumerate((accept_language or "")[:1000].split(",")[:30]):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in LANGUAGES:
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0
        if quality <= 0 or quality > 1:
            continue
        candidate = (quality, -index, primary)
        if best is None or candidate > best:
            best = candidate
    return best[2] if best else DEFAULT_LANGUAGE
