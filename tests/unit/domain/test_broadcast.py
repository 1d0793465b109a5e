"""The broadcast message gate: Telegram's HTML subset on an allow-list, refused before anything is sent."""

import pytest

from starshop.domain.broadcast import Element, Segment, message_of
from starshop.domain.errors import InvalidBroadcast


def test_the_allowed_tags_pass_and_come_back_canonical():
    message = message_of(
        'Hi <b>you</b> &amp; <i>all</i>: <u>u</u> <s>s</s> <tg-spoiler>x</tg-spoiler> <a href="https://t.me/x">go</a>'
        " <code>c</code> <pre><code>p</code></pre> <blockquote>q</blockquote>"
    )
    assert message.html == (
        'Hi <b>you</b> &amp; <i>all</i>: <u>u</u> <s>s</s> <tg-spoiler>x</tg-spoiler> <a href="https://t.me/x">go</a>'
        " <code>c</code> <pre><code>p</code></pre> <blockquote>q</blockquote>"
    )
    assert message.nodes[1] == Element("b", ("you",))
    assert message.plain.startswith("Hi you & all")


def test_text_is_escaped_whatever_entities_it_came_with():
    assert message_of("1 < 2 &lt; 3 &gt; &quot;x&quot; &#169;").html == '1 &lt; 2 &lt; 3 &gt; "x" ©'


@pytest.mark.parametrize(
    "markup",
    [
        "<script>alert(1)</script>",
        '<b onclick="x()">hi</b>',
        '<img src="x" onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        '<a href="&#106;avascript:alert(1)">encoded</a>',
        '<a href="tg:javascript">no slashes</a>',
        '<a href="https:example.com">no slashes</a>',
        '<a href="https://a.example" href="https://b.example">twice</a>',
        '<a href="https://a.example" target="_blank">x</a>',
        "<a>no href</a>",
        "<b>never closed",
        "<b><i>crossed</b></i>",
        "closed </b> alone",
        "<b><b>twice</b></b>",
        "<code><b>inside code</b></code>",
        "<pre><i>inside pre</i></pre>",
        "<br/>",
        "<!-- hidden -->x",
        "<!DOCTYPE html>x",
        "   ",
        "<b></b>",
        "x" * 4097,
        "\U0001f600" * 2049,  # 4098 UTF-16 code units
        "<b",
    ],
)
def test_markup_telegram_or_we_would_refuse_is_refused_with_a_reason(markup):
    with pytest.raises(InvalidBroadcast) as refused:
        message_of(markup)
    assert str(refused.value)


def test_exactly_4096_characters_pass():
    assert len(message_of("x" * 4096).plain) == 4096


def test_a_button_needs_its_text_and_an_https_url():
    message = message_of("hi", button_text="Open", button_url="https://shop.example/app")
    assert message.button is not None and message.button.url == "https://shop.example/app"
    for text, url in [
        ("Open", None),
        (None, "https://x.example"),
        ("Open", "http://x.example"),
        ("Open", "javascript:alert(1)"),
        ("Open", "https://"),
        ("x" * 65, "https://x.example"),
        ("Open", "https://x.example/" + "a" * 2048),
    ]:
        with pytest.raises(InvalidBroadcast):
            message_of("hi", button_text=text, button_url=url)


def test_no_button_is_no_button():
    assert message_of("hi", button_text=" ", button_url="").button is None


def test_a_segment_takes_a_language_and_its_variants():
    segment = Segment(language="EN")
    assert segment.language == "en"
    assert segment.takes_language("en") and segment.takes_language("en-GB")
    assert not segment.takes_language("eng") and not segment.takes_language(None)
    assert Segment().takes_language(None)


@pytest.mark.parametrize("changes", [{"language": "english!"}, {"active_days": 0}, {"active_days": 3651}])
def test_a_segment_out_of_bounds_is_refused(changes):
    with pytest.raises(InvalidBroadcast):
        Segment(**changes)


def test_telegram_links_keep_their_form() -> None:
    assert message_of('<a href="tg://resolve?domain=starshop_bot">open</a>').html == (
        '<a href="tg://resolve?domain=starshop_bot">open</a>'
    )
