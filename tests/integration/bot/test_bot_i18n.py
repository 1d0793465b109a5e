"""Both catalogues say the same things: the same keys, the same placeholders."""

import string

import pytest

from starshop.adapters.telegram.i18n import EN, RU, pick_language, text


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_english_string_has_a_russian_one_and_back() -> None:
    assert set(EN) == set(RU)


@pytest.mark.parametrize("key", sorted(EN))
def test_both_languages_use_the_same_placeholders(key: str) -> None:
    assert placeholders(EN[key]) == placeholders(RU[key])


@pytest.mark.parametrize(
    ("code", "lang"), [("ru", "ru"), ("ru-RU", "ru"), ("uk", "ru"), ("en-GB", "en"), ("de", "en"), (None, "en")]
)
def test_the_language_is_picked_from_telegrams_language_code(code: str | None, lang: str) -> None:
    assert pick_language(code) == lang


def test_an_unknown_language_falls_back_to_english() -> None:
    assert text("fr", "cancelled") == "Cancelled."
