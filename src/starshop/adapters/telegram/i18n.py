# ruff: noqa: RUF001  (the catalogue is Cyrillic text, dashes and emoji on purpose)
"""Every user-visible string of the bot and the notifier, in English and Russian.

``text(lang, key, **values)`` formats one; ``pick_language`` turns a Telegram ``language_code`` into one we speak.
Both catalogues have the same keys and placeholders (a test checks it).
"""

from __future__ import annotations

DEFAULT_LANGUAGE = "en"
LANGUAGES = ("en", "ru")
_RUSSIAN_SPEAKING = ("ru", "uk", "be", "kk")

EN: dict[str, str] = {
    # menu and plain commands
    "start": (
        "Welcome to Starshop, {name}! ⭐\n"
        "Buy Telegram Stars for yourself or as a gift to anyone.\n\n"
        "💰 Balance: {balance}"
    ),
    "btn_buy": "⭐ Buy stars",
    "btn_balance": "💰 Balance",
    "btn_topup": "➕ Top up",
    "btn_history": "📜 History",
    "btn_lang": "🌐 Language",
    "btn_help": "❓ Help",
    "btn_shop": "🛍 Shop",
    "btn_promo": "🎁 Promo code",
    "btn_referrals": "👥 Invite friends",
    "btn_repeat": "🔁 Repeat last order",
    "repeat_none": "You have no completed order to repeat yet. Buy stars with /buy.",
    "referrals": (
        "👥 Your link: {link}\nFriends who join through it and buy earn you {percent}% of each purchase.\n"
        "Invited: {invited}\nEarned: {earned}"
    ),
    "promo_enter": "Send your promo code.",
    "promo_redeemed": "🎁 Promo code {code}: {amount} credited.\n💰 Balance: {balance}",
    "balance": "💰 Balance: {amount}\nAvailable: {available}\nReserved for orders in progress: {held}",
    "help": (
        "⭐ Starshop sells Telegram Stars.\n\n"
        "/buy [stars] [@recipient] — buy stars (at least {min})\n"
        "/recharge [amount] — top up your balance\n"
        "/balance — your balance\n"
        "/history — your transactions\n"
        "/premium — give Telegram Premium (3, 6 or 12 months)\n"
        "/promo [code] — redeem a promo code\n"
        "/referrals — your referral link\n"
        "/lang — change the language\n"
        "/cancel — stop the current dialog\n"
        "/start — main menu"
    ),
    "lang_choose": "Choose your language:",
    "lang_set": "Language: English 🇬🇧",
    "cancelled": "Cancelled.",
    "nothing_to_cancel": "Nothing to cancel.",
    "expired": "This button has expired. Start again with /buy.",
    "stale_confirmation": (
        "This confirmation is out of date: a newer order replaced it, so nothing was bought. "
        "Confirm the latest order or start again with /buy."
    ),
    "btn_invalid": "This button is not valid. Send /start for the menu.",
    "private_only": "Starshop works in a private chat only: {link}",
    "throttled": "⏳ Not so fast — please wait a moment.",
    # buying
    "buy_choose_stars": "How many stars do you want? Pick an amount or choose «Other».",
    "btn_other": "Other",
    "buy_enter_stars": "Send the number of stars (at least {min}).",
    "buy_choose_recipient": "{stars} ⭐ — who gets them?",
    "btn_myself": "👤 Myself",
    "btn_gift": "🎁 Gift to @username",
    "buy_enter_recipient": "Send the recipient's @username.",
    "buy_no_username": (
        "You have no @username, and stars are delivered to a username. "
        "Set one in Telegram settings, or send the stars as a gift."
    ),
    "buy_choose_payment": "{stars} ⭐ for @{recipient}. How do you want to pay?",
    "btn_pay_balance": "💰 From balance ({available})",
    "btn_pay_invoice": "💳 By invoice (crypto)",
    "buy_confirm": (
        "Please confirm your order:\n\n"
        "⭐ Stars: {stars}\n👤 Recipient: @{recipient}\n💵 Price: {price}\n💳 Payment: {method}"
    ),
    "method_balance": "from balance",
    "method_invoice": "by invoice",
    "btn_confirm": "✅ Confirm",
    "btn_cancel": "✖ Cancel",
    "buy_accepted": (
        "✅ Order accepted: {stars} ⭐ for @{recipient}. {price} is reserved on your balance; "
        "I will tell you as soon as the stars are delivered."
    ),
    "buy_invoice": (
        "🧾 Pay {price} by the link below to get {stars} ⭐ for @{recipient}. The invoice is valid until {expires}."
    ),
    "btn_pay": "💳 Pay {price}",
    # top-ups
    "recharge_choose": "How much do you want to top up? From {min} to {max}.",
    "recharge_enter": "Send the amount in {currency}, for example 12.50.",
    "recharge_invoice": (
        "🧾 Top-up of {amount}: pay by the link below. The invoice is valid until {expires}; "
        "your balance is credited as soon as the payment arrives."
    ),
    # history
    "history_empty": "No transactions yet. Top up with /recharge or buy stars with /buy.",
    "history_title": "📜 Your transactions, page {page} of {pages}:",
    "btn_prev": "◀ Back",
    "btn_next": "Next ▶",
    "tx_recharge": "Top-up",
    "tx_purchase": "{stars} ⭐ for @{recipient}",
    "tx_refund": "Refund",
    "tx_bonus": "Bonus",
    "tx_adjustment": "Adjustment",
    "tx_promo": "Promo code",
    "tx_referral": "Referral reward",
    "st_pending": "pending",
    "st_processing": "processing",
    "st_completed": "done",
    "st_failed": "failed",
    "st_cancelled": "cancelled",
    "st_expired": "expired",
    # bad input
    "err_not_a_number": "«{value}» is not a number. Send a whole number of stars, for example 100.",
    "err_too_few_stars": "At least {min} stars per purchase — you sent {value}.",
    "err_too_many_stars": "At most {max} stars per purchase — you sent {value}.",
    "err_bad_username": "«{value}» is not a Telegram username: 5–32 Latin letters, digits or _, like @durov.",
    "err_amount_not_number": "«{value}» is not an amount. Send a number, for example 12.50.",
    "err_amount_precision": "Use at most {scale} digits after the decimal point.",
    "err_amount_range": "A top-up must be from {min} to {max}.",
    "err_insufficient": "Not enough money on your balance: {missing} is missing. Top up and try again.",
    "btn_topup_amount": "➕ Top up {amount}",
    "err_insufficient_order": (
        "Not enough money on your balance: {missing} is missing. Top up {amount} and this order is placed as soon as "
        "the payment arrives, at today's price if it is at most {price} (otherwise nothing is bought and the top-up "
        "stays on your balance)."
    ),
    "btn_topup_and_buy": "➕ Top up {amount} and buy",
    "order_topup_invoice": (
        "🧾 Top-up of {amount} for your order of {stars} ⭐ for @{recipient}: pay by the link below. The invoice is "
        "valid until {expires}; the order is placed as soon as the payment arrives."
    ),
    # errors by code
    "e_invalid_star_amount": "That number of stars cannot be bought now. /buy shows the amounts on sale.",
    "e_invalid_recipient": "That is not a Telegram username: 5–32 Latin letters, digits or _.",
    "e_invalid_amount": "That amount is not valid.",
    "e_invalid_money": "That amount is not valid.",
    "e_daily_limit_exceeded": "You reached today's purchase limit. Please come back tomorrow.",
    "e_rate_limited": "Too many requests. Please wait a moment and try again.",
    "e_sales_paused": "Star sales are paused for a moment. Please try again later.",
    "e_maintenance": "⏸ Sales are paused. {message}",
    "e_price_above_confirmed": "The price has changed since you confirmed. Please start the order again with /buy.",
    "e_recipient_not_found": "This user was not found on Telegram. Check the username.",
    "e_payment_gateway_unavailable": "The payment service is not answering right now. Please try again in a minute.",
    "e_payment_gateway_refused": "The payment service could not create an invoice. Please try again later.",
    "e_unknown_user": "Please send /start first.",
    "e_unknown_transaction": "There is no such transaction.",
    "e_idempotency_conflict": "This order was already placed.",
    "e_promo_code_unknown": "There is no such promo code.",
    "e_promo_code_invalid": "That is not a promo code: 3–32 Latin letters, digits, _ or -.",
    "e_promo_code_expired": "This promo code has expired.",
    "e_promo_code_disabled": "This promo code is no longer valid.",
    "e_promo_code_used_up": "This promo code has been used up.",
    "e_promo_code_already_used": "You have already used this promo code.",
    "e_promo_code_not_applicable": "This code gives a discount on a purchase; it cannot be redeemed for credit.",
    "e_generic": "This cannot be done right now.",
    "e_unexpected": "Something went wrong on our side. We are looking into it; please try again.",
    # notifications
    "n_payment_received": "✅ Payment received: {amount}.\n💰 Balance: {balance}",
    "n_purchase_delivered": "⭐ Delivered: {stars_nom} to @{recipient} for {price}.",
    "n_purchase_refused": "↩ We could not deliver {stars_acc} to @{recipient}. {price} is back on your balance.",
    "n_purchase_delayed": (
        "⏳ Delivery of {stars_gen} to @{recipient} is taking longer than usual. Nothing is lost — we will tell you "
        "as soon as it is settled."
    ),
    "n_purchase_waiting": (
        "⏳ Your order of {stars_gen} for @{recipient} is waiting: an earlier order of the same stars for the same "
        "recipient is still being checked with the provider, and buying again before it is settled could buy twice. "
        "Your funds stay reserved; it goes ahead as soon as that one is settled."
    ),
    "n_purchase_cancelled": "✖ The order of {stars_gen} for @{recipient} was cancelled: its invoice was not paid.",
    "n_bonus_granted": "🎁 Bonus: {amount}.\n💰 Balance: {balance}",
    "n_reference": "🧾 Provider reference: {ref}",
    "n_invoice_closed_expired": "⌛ This invoice for {amount} expired unpaid; nothing was charged. See /recharge.",
    "n_invoice_closed_failed": "✖ This invoice for {amount} was cancelled; nothing was charged. Top up with /recharge.",
    "n_invoice_closed_underpaid": (
        "⚠ This invoice for {amount} was paid short, so nothing was credited. "
        "An operator will check your payment; do not pay it again."
    ),
    "n_tx_hash": "🔗 Transaction: {tx_hash}",
    "n_order_placed": (
        "✅ Your top-up arrived and your order is placed: {stars_nom} for @{recipient}, {price} reserved on your "
        "balance. I will tell you as soon as the stars are delivered."
    ),
    "n_order_dropped_price_changed": (
        "✖ Your order of {stars_gen} for @{recipient} was not placed: the price is now {price}, above the one you "
        "confirmed. Your top-up stays on your balance; buy again with /buy."
    ),
    "n_order_dropped_insufficient_funds": (
        "✖ Your order of {stars_gen} for @{recipient} was not placed: your balance no longer covers its price of "
        "{price}. Your top-up stays on your balance."
    ),
    "n_order_dropped_refused": (
        "✖ Your order of {stars_gen} for @{recipient} could not be placed (the recipient, a daily limit or a pause "
        "in sales). Your top-up stays on your balance; try again with /buy."
    ),
    "n_order_dropped_not_paid": (
        "✖ Your order of {stars_gen} for @{recipient} was not placed: its top-up was not paid in full."
    ),
    "n_order_dropped_too_late": (
        "✖ Your order of {stars_gen} for @{recipient} could not be placed in time after your top-up arrived. "
        "Your top-up stays on your balance; buy again with /buy."
    ),
    "n_operator_attention": "⚠ Operator attention: transaction {tx_id} of user {user_id}: {reason}",
    "n_alert_raised": "🚨 Alert ({alert}): {text}",
    # operators
    "op_stats": (
        "📊 Users: {users}\nRecharged: {recharged}\nSold: {sold} ({stars} ⭐ delivered)\n"
        "Balances: {balance} (held {held})\nFlagged: {flagged}\nBy status: {statuses}"
    ),
    "op_usage_bonus": "Usage: /bonus <user id> <amount>",
    "op_usage_adjust": "Usage: /adjust <user id> <amount, may be negative> <reason>",
    "op_usage_tx": "Usage: /tx <transaction id>",
    "op_bonus_done": "🎁 Bonus {amount} for user {user_id}: transaction {tx_id}.",
    "op_adjust_done": "🛠 Adjustment {amount} for user {user_id}: transaction {tx_id}.",
    "op_bonus_replayed": "🎁 This bonus was already granted: {amount} for user {user_id}, transaction {tx_id}.",
    "op_adjust_replayed": "🛠 This adjustment was already made: {amount} for user {user_id}, transaction {tx_id}.",
    "op_bad_user": "«{value}» is not a Telegram user id.",
    "op_amount_ceiling": "An operator amount is at most {max} (STARSHOP_OPERATOR_MAX_AMOUNT).",
    "op_tx": (
        "🧾 {tx_id}\nUser: {user_id}\nType: {type}\nStatus: {status}\nAmount: {amount}\nCreated: {created}\n"
        "Details: {details}"
    ),
    "op_reconcile": (
        "🔄 Reconciled: requeued {requeued}, delivered {delivered}, unresolved {unresolved}, flagged {flagged}, "
        "lookups failed {lookup_failed}.\n{audit}"
    ),
    "op_audit_ok": "✅ Ledger audit: {users} users, all consistent.",
    "op_audit_bad": "❗ Ledger audit: {count} of {users} users inconsistent: {ids}",
    # command list for Telegram
    "cmd_start": "Main menu",
    "cmd_buy": "Buy Telegram Stars",
    "cmd_balance": "Your balance",
    "cmd_recharge": "Top up the balance",
    "cmd_history": "Your transactions",
    "cmd_promo": "Redeem a promo code",
    "cmd_referrals": "Your referral link",
    "cmd_lang": "Change the language",
    "cmd_help": "How it works",
    "cmd_cancel": "Stop the current dialog",
    # Telegram Premium gifts
    "btn_premium": "💎 Telegram Premium",
    "premium_choose": "💎 Give Telegram Premium. For how long?",
    "btn_premium_months": "{months} months — {price}",
    "premium_choose_recipient": "💎 Premium for {months} months — who gets it?",
    "premium_choose_payment": "💎 Premium for {months} months for @{recipient}. How do you want to pay?",
    "premium_confirm": (
        "Please confirm your order:\n\n"
        "💎 Telegram Premium: {months} months\n👤 Recipient: @{recipient}\n💵 Price: {price}\n💳 Payment: {method}"
    ),
    "premium_accepted": (
        "✅ Order accepted: 💎 Premium for {months} months for @{recipient}. {price} is reserved on your balance; "
        "I will tell you as soon as it is delivered."
    ),
    "premium_invoice": (
        "🧾 Pay {price} by the link below to give @{recipient} 💎 Premium for {months} months. The invoice is valid "
        "until {expires}."
    ),
    "tx_purchase_premium": "💎 Premium {months} mo. for @{recipient}",
    "e_premium_not_sold": "Telegram Premium is not sold here.",
    "e_invalid_premium_months": "Telegram Premium is given for 3, 6 or 12 months only.",
    "n_purchase_delivered_premium": "💎 Delivered: Telegram Premium for {months} months to @{recipient} for {price}.",
    "n_purchase_refused_premium": (
        "↩ We could not give Telegram Premium for {months} months to @{recipient}. {price} is back on your balance."
    ),
    "n_purchase_delayed_premium": (
        "⏳ Telegram Premium for {months} months to @{recipient} is taking longer than usual. Nothing is lost — we "
        "will tell you as soon as it is settled."
    ),
    "n_purchase_waiting_premium": (
        "⏳ Your order of Telegram Premium for {months} months for @{recipient} is waiting: an earlier gift of the "
        "same months to the same recipient is still being checked with the provider, and buying again before it is "
        "settled could buy twice. Your funds stay reserved; it goes ahead as soon as that one is settled."
    ),
    "n_purchase_cancelled_premium": (
        "✖ The order of Telegram Premium for {months} months for @{recipient} was cancelled: its invoice was not paid."
    ),
    "cmd_premium": "Give Telegram Premium",
}

RU: dict[str, str] = {
    "start": (
        "Добро пожаловать в Starshop, {name}! ⭐\n"
        "Покупайте Telegram Stars себе или в подарок кому угодно.\n\n"
        "💰 Баланс: {balance}"
    ),
    "btn_buy": "⭐ Купить звёзды",
    "btn_balance": "💰 Баланс",
    "btn_topup": "➕ Пополнить",
    "btn_history": "📜 История",
    "btn_lang": "🌐 Язык",
    "btn_help": "❓ Помощь",
    "btn_shop": "🛍 Магазин",
    "btn_promo": "🎁 Промокод",
    "btn_referrals": "👥 Пригласить друзей",
    "btn_repeat": "🔁 Повторить последний заказ",
    "repeat_none": "Выполненных заказов для повтора пока нет. Купите звёзды через /buy.",
    "referrals": (
        "👥 Ваша ссылка: {link}\nДрузья, пришедшие по ней, приносят вам {percent}% от каждой своей покупки.\n"
        "Приглашено: {invited}\nЗаработано: {earned}"
    ),
    "promo_enter": "Отправьте промокод.",
    "promo_redeemed": "🎁 Промокод {code}: начислено {amount}.\n💰 Баланс: {balance}",
    "balance": "💰 Баланс: {amount}\nДоступно: {available}\nЗарезервировано под заказы: {held}",
    "help": (
        "⭐ Starshop продаёт Telegram Stars.\n\n"
        "/buy [звёзды] [@получатель] — купить звёзды (от {min})\n"
        "/recharge [сумма] — пополнить баланс\n"
        "/balance — ваш баланс\n"
        "/history — ваши операции\n"
        "/premium — подарить Telegram Premium (3, 6 или 12 месяцев)\n"
        "/promo [код] — активировать промокод\n"
        "/referrals — ваша реферальная ссылка\n"
        "/lang — сменить язык\n"
        "/cancel — прервать текущий диалог\n"
        "/start — главное меню"
    ),
    "lang_choose": "Выберите язык:",
    "lang_set": "Язык: русский 🇷🇺",
    "cancelled": "Отменено.",
    "nothing_to_cancel": "Нечего отменять.",
    "expired": "Эта кнопка устарела. Начните заново с /buy.",
    "stale_confirmation": (
        "Это подтверждение устарело: его заменил более новый заказ, поэтому ничего не куплено. "
        "Подтвердите последний заказ или начните заново с /buy."
    ),
    "btn_invalid": "Эта кнопка недействительна. Отправьте /start, чтобы открыть меню.",
    "private_only": "Starshop работает только в личном чате: {link}",
    "throttled": "⏳ Не так быстро — подождите немного.",
    "buy_choose_stars": "Сколько звёзд купить? Выберите количество или «Другое».",
    "btn_other": "Другое",
    "buy_enter_stars": "Отправьте количество звёзд (не меньше {min}).",
    "buy_choose_recipient": "{stars} ⭐ — кому?",
    "btn_myself": "👤 Себе",
    "btn_gift": "🎁 В подарок @username",
    "buy_enter_recipient": "Отправьте @username получателя.",
    "buy_no_username": (
        "У вас нет @username, а звёзды доставляются на username. "
        "Задайте его в настройках Telegram или отправьте звёзды в подарок."
    ),
    "buy_choose_payment": "{stars} ⭐ для @{recipient}. Как оплатить?",
    "btn_pay_balance": "💰 С баланса ({available})",
    "btn_pay_invoice": "💳 Счётом (криптовалюта)",
    "buy_confirm": (
        "Проверьте заказ:\n\n⭐ Звёзды: {stars}\n👤 Получатель: @{recipient}\n💵 Цена: {price}\n💳 Оплата: {method}"
    ),
    "method_balance": "с баланса",
    "method_invoice": "счётом",
    "btn_confirm": "✅ Подтвердить",
    "btn_cancel": "✖ Отмена",
    "buy_accepted": (
        "✅ Заказ принят: {stars} ⭐ для @{recipient}. {price} зарезервировано на балансе; "
        "я сообщу, как только звёзды будут доставлены."
    ),
    "buy_invoice": (
        "🧾 Оплатите {price} по ссылке ниже, чтобы получить {stars} ⭐ для @{recipient}. Счёт действует до {expires}."
    ),
    "btn_pay": "💳 Оплатить {price}",
    "recharge_choose": "На сколько пополнить баланс? От {min} до {max}.",
    "recharge_enter": "Отправьте сумму в {currency}, например 12.50.",
    "recharge_invoice": (
        "🧾 Пополнение на {amount}: оплатите по ссылке ниже. Счёт действует до {expires}; "
        "баланс пополнится, как только придёт платёж."
    ),
    "history_empty": "Операций пока нет. Пополните баланс через /recharge или купите звёзды через /buy.",
    "history_title": "📜 Ваши операции, страница {page} из {pages}:",
    "btn_prev": "◀ Назад",
    "btn_next": "Далее ▶",
    "tx_recharge": "Пополнение",
    "tx_purchase": "{stars} ⭐ для @{recipient}",
    "tx_refund": "Возврат",
    "tx_bonus": "Бонус",
    "tx_adjustment": "Корректировка",
    "tx_promo": "Промокод",
    "tx_referral": "Реферальное вознаграждение",
    "st_pending": "ожидает",
    "st_processing": "в работе",
    "st_completed": "выполнено",
    "st_failed": "не удалось",
    "st_cancelled": "отменено",
    "st_expired": "истёк",
    "err_not_a_number": "«{value}» — не число. Отправьте целое количество звёзд, например 100.",
    "err_too_few_stars": "Минимум {min} звёзд за покупку — вы отправили {value}.",
    "err_too_many_stars": "Максимум {max} звёзд за покупку — вы отправили {value}.",
    "err_bad_username": "«{value}» — не username в Telegram: 5–32 латинские буквы, цифры или _, например @durov.",
    "err_amount_not_number": "«{value}» — не сумма. Отправьте число, например 12.50.",
    "err_amount_precision": "Не больше {scale} знаков после запятой.",
    "err_amount_range": "Пополнение — от {min} до {max}.",
    "err_insufficient": "На балансе не хватает {missing}. Пополните баланс и попробуйте снова.",
    "btn_topup_amount": "➕ Пополнить на {amount}",
    "err_insufficient_order": (
        "На балансе не хватает {missing}. Пополните на {amount}, и заказ оформится, как только придёт платёж, "
        "по цене дня, если она не выше {price} (иначе ничего не покупается, а пополнение остаётся на балансе)."
    ),
    "btn_topup_and_buy": "➕ Пополнить на {amount} и купить",
    "order_topup_invoice": (
        "🧾 Пополнение на {amount} для заказа {stars} ⭐ для @{recipient}: оплатите по ссылке ниже. Счёт действует "
        "до {expires}; заказ оформится, как только придёт платёж."
    ),
    "e_invalid_star_amount": "Такое количество звёзд сейчас купить нельзя. Доступные количества: /buy.",
    "e_invalid_recipient": "Это не username в Telegram: 5–32 латинские буквы, цифры или _.",
    "e_invalid_amount": "Неверная сумма.",
    "e_invalid_money": "Неверная сумма.",
    "e_daily_limit_exceeded": "Дневной лимит покупок исчерпан. Возвращайтесь завтра.",
    "e_rate_limited": "Слишком много запросов. Подождите немного и попробуйте снова.",
    "e_sales_paused": "Продажа звёзд ненадолго приостановлена. Попробуйте позже.",
    "e_maintenance": "⏸ Продажи приостановлены. {message}",
    "e_price_above_confirmed": "Цена изменилась после подтверждения. Начните заказ заново: /buy.",
    "e_recipient_not_found": "Такой пользователь в Telegram не найден. Проверьте username.",
    "e_payment_gateway_unavailable": "Платёжный сервис сейчас не отвечает. Попробуйте через минуту.",
    "e_payment_gateway_refused": "Платёжный сервис не смог выставить счёт. Попробуйте позже.",
    "e_unknown_user": "Сначала отправьте /start.",
    "e_unknown_transaction": "Такой операции нет.",
    "e_idempotency_conflict": "Этот заказ уже оформлен.",
    "e_promo_code_unknown": "Такого промокода нет.",
    "e_promo_code_invalid": "Это не промокод: 3–32 латинские буквы, цифры, _ или -.",
    "e_promo_code_expired": "Срок действия промокода истёк.",
    "e_promo_code_disabled": "Этот промокод больше не действует.",
    "e_promo_code_used_up": "Этот промокод уже израсходован.",
    "e_promo_code_already_used": "Вы уже использовали этот промокод.",
    "e_promo_code_not_applicable": "Этот код даёт скидку на покупку; зачислить его на баланс нельзя.",
    "e_generic": "Сейчас это сделать нельзя.",
    "e_unexpected": "У нас что-то пошло не так. Мы уже разбираемся; попробуйте ещё раз.",
    "n_payment_received": "✅ Платёж получен: {amount}.\n💰 Баланс: {balance}",
    "n_purchase_delivered": "⭐ Доставлено: {stars_nom} для @{recipient} за {price}.",
    "n_purchase_refused": "↩ Не удалось доставить {stars_acc} для @{recipient}. {price} вернулись на баланс.",
    "n_purchase_delayed": (
        "⏳ Доставка {stars_gen} для @{recipient} идёт дольше обычного. Ничего не потеряно — мы сообщим, "
        "как только всё решится."
    ),
    "n_purchase_waiting": (
        "⏳ Ваш заказ {stars_gen} для @{recipient} ждёт: более ранний заказ тех же звёзд для того же получателя "
        "ещё проверяется у поставщика, и покупка до его решения могла бы купить дважды. Средства остаются "
        "зарезервированы; заказ пойдёт, как только тот решится."
    ),
    "n_purchase_cancelled": "✖ Заказ {stars_gen} для @{recipient} отменён: счёт не был оплачен.",
    "n_bonus_granted": "🎁 Бонус: {amount}.\n💰 Баланс: {balance}",
    "n_reference": "🧾 Номер у поставщика: {ref}",
    "n_invoice_closed_expired": "⌛ Счёт на {amount} истёк неоплаченным; ничего не списано. Пополнить: /recharge.",
    "n_invoice_closed_failed": "✖ Счёт на {amount} отменён; ничего не списано. Пополнить: /recharge.",
    "n_invoice_closed_underpaid": (
        "⚠ Счёт на {amount} оплачен не полностью, поэтому ничего не зачислено. "
        "Оператор проверит платёж; платить ещё раз не нужно."
    ),
    "n_tx_hash": "🔗 Транзакция: {tx_hash}",
    "n_order_placed": (
        "✅ Пополнение пришло, заказ оформлен: {stars_nom} для @{recipient}, {price} зарезервировано на балансе. "
        "Я сообщу, как только звёзды будут доставлены."
    ),
    "n_order_dropped_price_changed": (
        "✖ Заказ {stars_gen} для @{recipient} не оформлен: цена теперь {price}, выше подтверждённой. "
        "Пополнение осталось на балансе; купите заново через /buy."
    ),
    "n_order_dropped_insufficient_funds": (
        "✖ Заказ {stars_gen} для @{recipient} не оформлен: баланса больше не хватает на его цену {price}. "
        "Пополнение осталось на балансе."
    ),
    "n_order_dropped_refused": (
        "✖ Заказ {stars_gen} для @{recipient} оформить не удалось (получатель, дневной лимит или пауза в продажах). "
        "Пополнение осталось на балансе; попробуйте снова через /buy."
    ),
    "n_order_dropped_not_paid": "✖ Заказ {stars_gen} для @{recipient} не оформлен: пополнение не оплачено полностью.",
    "n_order_dropped_too_late": (
        "✖ Заказ {stars_gen} для @{recipient} не удалось оформить вовремя после пополнения. "
        "Пополнение осталось на балансе; купите заново через /buy."
    ),
    "n_operator_attention": "⚠ Нужен оператор: операция {tx_id} пользователя {user_id}: {reason}",
    "n_alert_raised": "🚨 Тревога ({alert}): {text}",
    "op_stats": (
        "📊 Пользователей: {users}\nПополнено: {recharged}\nПродано: {sold} ({stars} ⭐ доставлено)\n"
        "Балансы: {balance} (в резерве {held})\nПомечено: {flagged}\nПо статусам: {statuses}"
    ),
    "op_usage_bonus": "Формат: /bonus <id пользователя> <сумма>",
    "op_usage_adjust": "Формат: /adjust <id пользователя> <сумма, можно отрицательную> <причина>",
    "op_usage_tx": "Формат: /tx <id операции>",
    "op_bonus_done": "🎁 Бонус {amount} пользователю {user_id}: операция {tx_id}.",
    "op_adjust_done": "🛠 Корректировка {amount} пользователю {user_id}: операция {tx_id}.",
    "op_bonus_replayed": "🎁 Этот бонус уже начислен: {amount} пользователю {user_id}, операция {tx_id}.",
    "op_adjust_replayed": "🛠 Эта корректировка уже проведена: {amount} пользователю {user_id}, операция {tx_id}.",
    "op_bad_user": "«{value}» — не id пользователя Telegram.",
    "op_amount_ceiling": "Сумма оператора — не больше {max} (STARSHOP_OPERATOR_MAX_AMOUNT).",
    "op_tx": (
        "🧾 {tx_id}\nПользователь: {user_id}\nТип: {type}\nСтатус: {status}\nСумма: {amount}\nСоздана: {created}\n"
        "Детали: {details}"
    ),
    "op_reconcile": (
        "🔄 Сверка: в очередь {requeued}, доставлено {delivered}, не решено {unresolved}, помечено {flagged}, "
        "ошибок поиска {lookup_failed}.\n{audit}"
    ),
    "op_audit_ok": "✅ Аудит журнала: {users} пользователей, всё сходится.",
    "op_audit_bad": "❗ Аудит журнала: не сходится у {count} из {users}: {ids}",
    "cmd_start": "Главное меню",
    "cmd_buy": "Купить Telegram Stars",
    "cmd_balance": "Ваш баланс",
    "cmd_recharge": "Пополнить баланс",
    "cmd_history": "Ваши операции",
    "cmd_promo": "Активировать промокод",
    "cmd_referrals": "Ваша реферальная ссылка",
    "cmd_lang": "Сменить язык",
    "cmd_help": "Как это работает",
    "cmd_cancel": "Прервать текущий диалог",
    # Telegram Premium gifts
    "btn_premium": "💎 Telegram Premium",
    "premium_choose": "💎 Подарить Telegram Premium. На какой срок?",
    "btn_premium_months": "{months} мес. — {price}",
    "premium_choose_recipient": "💎 Premium на {months} мес. — кому?",
    "premium_choose_payment": "💎 Premium на {months} мес. для @{recipient}. Как оплатить?",
    "premium_confirm": (
        "Проверьте заказ:\n\n"
        "💎 Telegram Premium: {months} мес.\n👤 Получатель: @{recipient}\n💵 Цена: {price}\n💳 Оплата: {method}"
    ),
    "premium_accepted": (
        "✅ Заказ принят: 💎 Premium на {months} мес. для @{recipient}. {price} зарезервировано на балансе; "
        "я сообщу, как только подписка будет вручена."
    ),
    "premium_invoice": (
        "🧾 Оплатите {price} по ссылке ниже, чтобы подарить @{recipient} 💎 Premium на {months} мес. Счёт действует "
        "до {expires}."
    ),
    "tx_purchase_premium": "💎 Premium на {months} мес. для @{recipient}",
    "e_premium_not_sold": "Telegram Premium здесь не продаётся.",
    "e_invalid_premium_months": "Telegram Premium дарится только на 3, 6 или 12 месяцев.",
    "n_purchase_delivered_premium": "💎 Вручено: Telegram Premium на {months} мес. для @{recipient} за {price}.",
    "n_purchase_refused_premium": (
        "↩ Не удалось подарить Telegram Premium на {months} мес. для @{recipient}. {price} возвращено на баланс."
    ),
    "n_purchase_delayed_premium": (
        "⏳ Вручение Telegram Premium на {months} мес. для @{recipient} занимает больше времени, чем обычно. Ничего не "
        "потеряно — мы сообщим, как только всё решится."
    ),
    "n_purchase_waiting_premium": (
        "⏳ Ваш заказ Telegram Premium на {months} мес. для @{recipient} ждёт: более ранний подарок на тот же срок "
        "тому же получателю ещё проверяется у провайдера, и повторная покупка до его решения могла бы купить дважды. "
        "Средства остаются зарезервированы; заказ продолжится, как только тот будет решён."
    ),
    "n_purchase_cancelled_premium": (
        "✖ Заказ Telegram Premium на {months} мес. для @{recipient} отменён: счёт не был оплачен."
    ),
    "cmd_premium": "Подарить Telegram Premium",
}

CATALOGUES: dict[str, dict[str, str]] = {"en": EN, "ru": RU}


# The noun "star" by CLDR plural category and grammatical case: nominative ("1 star delivered"), accusative ("could
# not deliver 1 star") and genitive ("an order of 1 star"); English has one form per category whatever the case.
_STAR_WORDS: dict[str, dict[str, dict[str, str]]] = {
    "en": {case: {"one": "star", "other": "stars"} for case in ("nom", "acc", "gen")},
    "ru": {
        "nom": {"one": "звезда", "few": "звезды", "many": "звёзд", "other": "звезды"},
        "acc": {"one": "звезду", "few": "звезды", "many": "звёзд", "other": "звезды"},
        "gen": {"one": "звезды", "few": "звёзд", "many": "звёзд", "other": "звезды"},
    },
}


def plural_category(lang: str, n: int) -> str:
    """The CLDR plural category of the whole number ``n`` in ``lang`` (``one``, ``few``, ``many`` or ``other``)."""
    n = abs(n)
    if lang == "ru":
        if n % 10 == 1 and n % 100 != 11:
            return "one"
        if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
            return "few"
        return "many"
    return "one" if n == 1 else "other"


def stars_phrase(lang: str, n: int, case: str = "nom") -> str:
    """``n`` and the noun "star" agreeing with it: "1 star", "21 звезда", "5 звёзд"."""
    words = _STAR_WORDS.get(lang, _STAR_WORDS[DEFAULT_LANGUAGE])[case]
    return f"{n} {words[plural_category(lang, n)]}"


def pick_language(code: str | None) -> str:
    """Our language for a Telegram ``language_code`` (``ru-RU`` -> ``ru``); English when we do not speak it."""
    if not code:
        return DEFAULT_LANGUAGE
    base = code.lower().split("-")[0]
    if base in CATALOGUES:
        return base
    return "ru" if base in _RUSSIAN_SPEAKING else DEFAULT_LANGUAGE


def text(lang: str, key: str, **values: object) -> str:
    """``stars`` (a whole number) also gives ``stars_nom``, ``stars_acc`` and ``stars_gen``: the number with the noun
    in that case, by the language's plural rules."""
    catalogue = CATALOGUES.get(lang, EN)
    stars = values.get("stars")
    if isinstance(stars, int) and not isinstance(stars, bool):
        for case in ("nom", "acc", "gen"):
            values.setdefault(
                f"stars_{case}", stars_phrase(lang if lang in CATALOGUES else DEFAULT_LANGUAGE, stars, case)
            )
    return catalogue[key].format(**values)


def has(key: str) -> bool:
    return key in EN
