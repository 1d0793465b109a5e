# ruff: noqa: RUF001  (Cyrillic on purpose)
"""Numbers of stars agree with their noun by the CLDR plural rules of each language we speak."""

from __future__ import annotations

import pytest

from starshop.adapters.telegram.i18n import plural_category, stars_phrase, text

RUSSIAN = {
    0: "many",
    1: "one",
    2: "few",
    4: "few",
    5: "many",
    11: "many",
    12: "many",
    14: "many",
    21: "one",
    22: "few",
    25: "many",
    101: "one",
    111: "many",
    1000: "many",
    1001: "one",
}


@pytest.mark.parametrize(("n", "category"), RUSSIAN.items())
def test_russian_whole_numbers_fall_in_their_cldr_category(n: int, category: str) -> None:
    assert plural_category("ru", n) == category


@pytest.mark.parametrize(("n", "category"), [(0, "other"), (1, "one"), (2, "other"), (21, "other"), (101, "other")])
def test_english_has_one_and_other(n: int, category: str) -> None:
    assert plural_category("en", n) == category


@pytest.mark.parametrize(
    ("n", "nom", "acc", "gen"),
    [
        (1, "1 звезда", "1 звезду", "1 звезды"),
        (2, "2 звезды", "2 звезды", "2 звёзд"),
        (5, "5 звёзд", "5 звёзд", "5 звёзд"),
        (11, "11 звёзд", "11 звёзд", "11 звёзд"),
        (21, "21 звезда", "21 звезду", "21 звезды"),
        (22, "22 звезды", "22 звезды", "22 звёзд"),
        (111, "111 звёзд", "111 звёзд", "111 звёзд"),
    ],
)
def test_russian_stars_agree_in_each_case(n: int, nom: str, acc: str, gen: str) -> None:
    assert [stars_phrase("ru", n, case) for case in ("nom", "acc", "gen")] == [nom, acc, gen]


def test_english_stars_are_singular_for_one_only() -> None:
    assert [stars_phrase("en", n) for n in (1, 2, 21)] == ["1 star", "2 stars", "21 stars"]


def test_notifications_use_the_agreeing_phrase() -> None:
    values = {"recipient": "durov", "price": "1.00 USDT"}
    assert "Доставлено: 51 звезда для @durov" in text("ru", "n_purchase_delivered", stars=51, **values)
    assert "Не удалось доставить 52 звезды" in text("ru", "n_purchase_refused", stars=52, **values)
    assert "Заказ 101 звезды" in text("ru", "n_purchase_cancelled", stars=101, **values)
    assert "Delivered: 1 star to @durov" in text("en", "n_purchase_delivered", stars=1, **values)
