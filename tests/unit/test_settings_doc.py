"""docs/configuration.md says what the declarations in ``Settings`` say: every setting, its default and its doc."""

import re
from datetime import timedelta
from pathlib import Path

from starshop.application.config import ShopConfig
from starshop.domain import Money
from starshop.entrypoints.settings import SETTINGS, Settings
from starshop.entrypoints.settings_doc import BEGIN, END, main, render, updated

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs/configuration.md"
ROW = re.compile(r"^\| `(STARSHOP_[A-Z_]+)` \| (.*?) \| (.*?) \| (.*) \|$", re.M)


def test_the_committed_page_is_the_one_the_declarations_generate():
    page = PAGE.read_text(encoding="utf-8")
    assert page.count(BEGIN) == 1
    assert page.count(END) == 1
    assert updated(page) == page, "docs/configuration.md is stale: run python -m starshop.entrypoints.settings_doc"


def test_every_setting_has_one_row_with_its_default_and_doc_and_no_row_is_left_over():
    rows = {name: (kind, default, doc) for name, kind, default, doc in ROW.findall(PAGE.read_text(encoding="utf-8"))}
    assert len(ROW.findall(PAGE.read_text(encoding="utf-8"))) == len(rows)
    assert set(rows) == {s.name for s in SETTINGS}
    for s in SETTINGS:
        assert rows[s.name] == (s.parser.kind, s.shown, s.doc), s.name
        assert s.doc
        assert s.shown


def test_the_check_command_fails_on_a_stale_page_and_rewrites_it(tmp_path, capsys):
    page = tmp_path / "configuration.md"
    page.write_text(f"# Configuration\n\nprose\n\n{BEGIN}\n| `STARSHOP_GONE` | - | - | - |\n{END}\n", encoding="utf-8")
    assert main([str(page), "--check"]) == 1
    assert "out of date" in capsys.readouterr().err
    assert main([str(page)]) == 0
    assert main([str(page), "--check"]) == 0
    text = page.read_text(encoding="utf-8")
    assert text.startswith("# Configuration\n\nprose\n\n")
    assert "STARSHOP_GONE" not in text
    assert render() in text


def test_the_applications_own_defaults_agree_with_the_declared_ones():
    """``ShopConfig`` (application layer) cannot import the settings, so its defaults are checked against them."""
    s = Settings()
    bare = ShopConfig(
        currency=s.currency,
        min_recharge=Money.of(s.min_recharge, s.currency),
        max_recharge=Money.of(s.max_recharge, s.currency),
    )
    assert bare == s.shop_config()
    assert bare.lookup_after == timedelta(seconds=s.delivery_lookup_after)
