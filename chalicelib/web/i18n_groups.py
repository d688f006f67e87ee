"""UI text of buy together's pages (issue 19): group buys and sharing.

Merged into i18n.MESSAGES (one row per message, English, Chinese and Russian side by side, as there)."""

from __future__ import annotations

GROUP_MESSAGES: dict[str, tuple[str, str, str]] = {
    "group.title": ("Group buy: {title}", "拼团：{title}", "Совместная закупка: {title}"),
    "group.buy_together": ("Buy together", "一起拼单", "Купить вместе"),
    "group.buy_together_hint": (
        "Join others to reach the wholesale price: commit below the minimum order, pay only if the group closes.",
        "与他人拼单达到批发价：低于起订量也可参与，成团后才需付款。",
        "Объединитесь ради оптовой цены: берите меньше минимальной партии, платите, только если закупка состоится.",
    ),
    "group.open_groups": ("Open groups", "进行中的拼团", "Открытые закупки"),
    "group.no_open_groups": (
        "No open group yet: start one.",
        "暂无进行中的拼团，发起一个吧。",
        "Открытых закупок пока нет: начните свою.",
    ),
    "group.start": ("Start a group", "发起拼团", "Начать закупку"),
    "group.target": ("Target", "目标数量", "Цель"),
    "group.deadline_days": ("Closes in (days)", "截止（天）", "Закрывается через (дней)"),
    "group.progress": (
        "{committed} of {target} {unit} committed",
        "已认购 {committed} / {target} {unit}",
        "Набрано {committed} из {target} {unit}",
    ),
    "group.participants": ("Participants: {count}", "{count} 人参与", "Участников: {count}"),
    "group.price_now": ("Price per unit now", "当前单价", "Цена за единицу сейчас"),
    "group.next_tier": (
        "{more} {unit} more for {price} per unit",
        "再认购 {more} {unit}，单价降至 {price}",
        "Ещё {more} {unit} — и цена {price} за единицу",
    ),
    "group.to_moq": (
        "{more} {unit} more to reach the minimum order ({price} per unit)",
        "再认购 {more} {unit} 即达起订量（单价 {price}）",
        "Ещё {more} {unit} до минимальной партии (цена {price} за единицу)",
    ),
    "group.time_left": (
        "Closes in {days} d {hours} h {minutes} min",
        "剩余 {days} 天 {hours} 小时 {minutes} 分钟",
        "До закрытия {days} д {hours} ч {minutes} мин",
    ),
    "group.deadline": ("Deadline: {when}", "截止时间：{when}", "Срок: {when}"),
    "group.status.open": ("Open", "拼团中", "Открыта"),
    "group.status.closing": ("Closing", "成团处理中", "Закрывается"),
    "group.status.closed": ("Closed: orders placed", "已成团，订单已生成", "Состоялась: заказы оформлены"),
    "group.status.failed": ("Did not close", "未成团", "Не состоялась"),
    "group.failure.below_moq": (
        "The total stayed below the minimum order. Nobody is charged.",
        "认购总量未达起订量，不会向任何人收费。",
        "Итог не дотянул до минимальной партии. Никто ничего не платит.",
    ),
    "group.failure.out_of_stock": (
        "The stock could not cover the group. Nobody is charged.",
        "库存不足以满足拼团，不会向任何人收费。",
        "Запаса не хватило на всю закупку. Никто ничего не платит.",
    ),
    "group.failure.product_unavailable": (
        "The product is no longer sold. Nobody is charged.",
        "商品已下架，不会向任何人收费。",
        "Товар больше не продаётся. Никто ничего не платит.",
    ),
    "group.failure.shop_unavailable": (
        "The shop was suspended and is not selling now. Nobody is charged.",
        "店铺已被暂停，目前不能销售，不会向任何人收费。",
        "Магазин приостановлен и сейчас не продаёт. Никто ничего не платит.",
    ),
    "group.join": ("Join the group", "参与拼团", "Присоединиться"),
    "group.quantity_hint": (
        "Any multiple of {step} {unit}, below the minimum order too.",
        "{step} {unit} 的整数倍即可，低于起订量也可以。",
        "Любое кратное {step} {unit}, можно меньше минимальной партии.",
    ),
    "group.your_commitment": (
        "You committed {quantity} {unit}.",
        "您已认购 {quantity} {unit}。",
        "Вы взяли {quantity} {unit}.",
    ),
    "group.your_order": ("Your order", "您的订单", "Ваш заказ"),
    "group.mine": ("Your group buys", "我的拼团", "Ваши совместные закупки"),
    "group.mine_line": ("{quantity} committed on {when}", "{when} 认购 {quantity}", "Взято {quantity}, {when}"),
    "order.from_group": ("Ordered together in a group buy", "拼团订单", "Заказ из совместной закупки"),
    "group.withdraw": ("Withdraw", "退出拼团", "Отказаться"),
    "group.joined": ("You joined the group.", "您已参与拼团。", "Вы присоединились к закупке."),
    "group.withdrawn": ("You withdrew from the group.", "您已退出拼团。", "Вы отказались от участия."),
    "group.signin_to_join": ("Sign in to join", "登录后参与", "Войдите, чтобы присоединиться"),
    "group.register_to_join": ("New here? Register to join", "新用户？注册后参与", "Впервые здесь? Зарегистрируйтесь"),
    "group.share": ("Share", "分享", "Поделиться"),
    "group.share_vk": ("Share on VK", "分享到 VK", "Поделиться во ВКонтакте"),
    "group.share_telegram": ("Share on Telegram", "分享到 Telegram", "Поделиться в Telegram"),
    "group.share_link": ("Link to share", "分享链接", "Ссылка"),
    "group.share_text": (
        "Buy together: {title}, {price} per unit",
        "一起拼单：{title}，单价 {price}",
        "Купим вместе: {title}, {price} за единицу",
    ),
    "error.group_not_found": ("This group does not exist.", "拼团不存在。", "Такой закупки нет."),
    "error.group_not_open": ("This group takes no more changes.", "该拼团已结束。", "Эта закупка уже закрыта."),
    "error.already_committed": (
        "You are in this group already; withdraw first to change your quantity.",
        "您已在该拼团中，如需修改数量请先退出。",
        "Вы уже участвуете; чтобы изменить количество, сначала откажитесь.",
    ),
    "error.shop_unavailable": (
        "The shop is suspended and not selling now; the group takes no commitments until it is back.",
        "店铺已被暂停，恢复前拼团不接受新的认购。",
        "Магазин приостановлен; пока он не вернётся, закупка не принимает заявки.",
    ),
    "error.insufficient_stock": (
        "The stock cannot cover that quantity.",
        "库存不足。",
        "Запаса на такое количество не хватает.",
    ),
    "error.invalid_quantity": (
        "Choose a multiple of the order step.",
        "请填写起订倍数。",
        "Укажите количество, кратное шагу.",
    ),
    "error.invalid_target": ("Choose one of the targets offered.", "请选择给出的目标数量。", "Выберите одну из целей."),
    "error.invalid_deadline": ("Choose 1 to 14 days.", "请选择 1 到 14 天。", "Выберите от 1 до 14 дней."),
    "error.not_a_b2b_product": (
        "Groups are for wholesale products.",
        "拼团仅适用于批发商品。",
        "Закупки — только для оптовых товаров.",
    ),
    "error.commitment_not_found": (
        "You are not in this group.",
        "您未参与该拼团。",
        "Вы не участвуете в этой закупке.",
    ),
    "error.group_full": ("This group is full.", "该拼团人数已满。", "В закупке нет мест."),
}
