"""Broadcasts: an operator's message to many users, in Telegram's HTML subset, with an optional link button.

``message_of`` is the one gate between an operator's text and Telegram: it parses the markup with an allow-list
(b, i, u, s, a href, code, pre, tg-spoiler, blockquote), refuses anything else with the reason, and gives back the
message as a tree of ``Element``s and text and as canonical HTML re-serialised from that tree (so what is sent is
exactly what was checked). ``Segment`` says who gets it; ``RecipientState`` where each recipient stands.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from html import escape
from html.parser import HTMLParser
from urllib.parse import urlsplit

import attrs

from starshop.domain.errors import InvalidBroadcast

TAGS = frozenset({"b", "i", "u", "s", "a", "code", "pre", "tg-spoiler", "blockquote"})
MAX_TEXT = 4096  # Telegram's limit on a message's text after entities are parsed, in UTF-16 code units
MAX_MARKUP = 16_384  # characters of markup we read at all
MAX_BUTTON_TEXT = 64
MAX_URL = 2048
MAX_DAYS = 3650
LINK_SCHEMES = frozenset({"https", "http", "tg"})
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{1,8})?")


@attrs.frozen
class Element:
    tag: str
    children: tuple[Node, ...] = ()
    href: str | None = None


Node = Element | str


@attrs.frozen(kw_only=True)
class LinkButton:
    text: str
    url: str


@attrs.frozen(kw_only=True)
class Message:
    """A checked message: ``html`` is what goes to Telegram (``parse_mode=HTML``), ``nodes`` the same as a tree."""

    html: str
    nodes: tuple[Node, ...]
    button: LinkButton | None = None

    @property
    def plain(self) -> str:
        return "".join(_plain(node) for node in self.nodes)


def _plain(node: Node) -> str:
    return node if isinstance(node, str) else "".join(_plain(child) for child in node.children)


def _serialise(node: Node) -> str:
    if isinstance(node, str):
        return escape(node, quote=False)
    inner = "".join(_serialise(child) for child in node.children)
    attributes = f' href="{escape(node.href, quote=True)}"' if node.href is not None else ""
    return f"<{node.tag}{attributes}>{inner}</{node.tag}>"


def _refuse(reason: str) -> InvalidBroadcast:
    return InvalidBroadcast(reason)


def check_link(url: str, *, schemes: frozenset[str] = LINK_SCHEMES, what: str = "a link") -> str:
    url = url.strip()
    if not url or len(url) > MAX_URL or any(c.isspace() or ord(c) < 32 for c in url):
        msg = f"{what} must be a URL of at most {MAX_URL} characters without spaces"
        raise _refuse(msg)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in schemes or not url[len(scheme) + 1 :].startswith("//") or (scheme != "tg" and not parts.hostname):
        msg = f"{what} must start with {' or '.join(sorted(f'{s}://' for s in schemes))} and name a host"
        raise _refuse(msg)
    return url


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None, list[Node]]] = [("", None, [])]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TAGS:
            msg = f"<{tag}> is not allowed: use {', '.join(sorted(TAGS))}"
            raise _refuse(msg)
        names = [name for name, _ in attrs]
        if tag == "a":
            if names != ["href"]:
                msg = "<a> takes exactly one attribute, href"
                raise _refuse(msg)
            href = check_link(attrs[0][1] or "")
        elif names:
            msg = f"<{tag}> takes no attributes"
            raise _refuse(msg)
        else:
            href = None
        open_tags = [t for t, _, _ in self.stack]
        if tag in open_tags:
            msg = f"<{tag}> inside <{tag}> is not allowed"
            raise _refuse(msg)
        if ("pre" in open_tags or "code" in open_tags) and not (tag == "code" and open_tags[-1] == "pre"):
            msg = "no other tag may go inside <code> or <pre> (except one <code> right inside <pre>)"
            raise _refuse(msg)
        self.stack.append((tag, href, []))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        msg = f"<{tag}/> is not allowed: every tag is opened and closed"
        raise _refuse(msg)

    def handle_endtag(self, tag: str) -> None:
        if len(self.stack) == 1 or self.stack[-1][0] != tag:
            expected = f"</{self.stack[-1][0]}>" if len(self.stack) > 1 else "no closing tag"
            msg = f"</{tag}> does not close what is open (expected {expected})"
            raise _refuse(msg)
        closed, href, children = self.stack.pop()
        self.stack[-1][2].append(Element(closed, tuple(children), href))

    def handle_data(self, data: str) -> None:
        children = self.stack[-1][2]
        if children and isinstance(children[-1], str):
            children[-1] += data
        else:
            children.append(data)

    def handle_comment(self, data: str) -> None:
        msg = "comments are not allowed"
        raise _refuse(msg)

    def handle_decl(self, decl: str) -> None:
        msg = "declarations are not allowed"
        raise _refuse(msg)

    def handle_pi(self, data: str) -> None:
        msg = "processing instructions are not allowed"
        raise _refuse(msg)

    def unknown_decl(self, data: str) -> None:
        msg = "declarations are not allowed"
        raise _refuse(msg)


def message_of(markup: str, *, button_text: str | None = None, button_url: str | None = None) -> Message:
    """Check an operator's markup and button; refuse (``InvalidBroadcast``) what Telegram would refuse or we won't
    send. The button is both its text and its https URL, or neither."""
    if len(markup) > MAX_MARKUP:
        msg = f"the message is longer than {MAX_MARKUP} characters"
        raise _refuse(msg)
    if "\x00" in markup:
        msg = "the message holds a NUL character"
        raise _refuse(msg)
    parser = _Parser()
    parser.feed(markup)
    if "<" in parser.rawdata:
        msg = "the message ends inside a tag"  # an unfinished tag such as "<b" that close() would take as text
        raise _refuse(msg)
    parser.close()
    if len(parser.stack) > 1:
        msg = f"<{parser.stack[-1][0]}> is never closed"
        raise _refuse(msg)
    nodes = tuple(parser.stack[0][2])
    message = Message(html="".join(_serialise(n) for n in nodes), nodes=nodes, button=_button(button_text, button_url))
    text = message.plain
    if not text.strip():
        msg = "the message has no text"
        raise _refuse(msg)
    if len(text.encode("utf-16-le")) // 2 > MAX_TEXT:
        msg = f"the message's text is longer than Telegram's {MAX_TEXT} characters"
        raise _refuse(msg)
    return message


def _button(text: str | None, url: str | None) -> LinkButton | None:
    text = (text or "").strip()
    url = (url or "").strip()
    if not text and not url:
        return None
    if not text or not url:
        msg = "a button needs both its text and its URL"
        raise _refuse(msg)
    if len(text) > MAX_BUTTON_TEXT or any(ord(c) < 32 for c in text):
        msg = f"a button's text is one line of at most {MAX_BUTTON_TEXT} characters"
        raise _refuse(msg)
    return LinkButton(text=text, url=check_link(url, schemes=frozenset({"https"}), what="the button's URL"))


def _language(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    language = value.strip().lower()
    if not _LANGUAGE.fullmatch(language):
        msg = f"{value!r} is not a language code such as en or pt-br"
        raise _refuse(msg)
    return language


def _days(value: int | None) -> int | None:
    if value is not None and not 1 <= value <= MAX_DAYS:
        msg = f"active within 1 to {MAX_DAYS} days"
        raise _refuse(msg)
    return value


@attrs.frozen(kw_only=True)
class Segment:
    """Who gets a broadcast: every user who has not blocked the bot, narrowed by each criterion given.

    ``language``: the user's Telegram language is it or one of its variants (``en`` takes ``en-gb``);
    ``active_days``: the user was seen (profile refreshed) or created a transaction within that many days;
    ``with_balance``: the user's balance is above zero."""

    language: str | None = attrs.field(default=None, converter=_language)
    active_days: int | None = attrs.field(default=None, converter=_days)
    with_balance: bool = False

    def takes_language(self, code: str | None) -> bool:
        if self.language is None:
            return True
        found = (code or "").lower()
        return found == self.language or found.startswith(self.language + "-")


class BroadcastStatus(StrEnum):
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class RecipientState(StrEnum):
    """``sending``: claimed, the message may be on its way. A recipient left ``sending`` by a crash becomes
    ``unknown`` and is never sent again (at most once)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"
    UNKNOWN = "unknown"


@attrs.frozen(kw_only=True)
class Progress:
    """Recipients by state."""

    total: int = 0
    pending: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    unknown: int = 0

    @classmethod
    def of(cls, counts: dict[RecipientState, int]) -> Progress:
        return cls(total=sum(counts.values()), **{state.value: n for state, n in counts.items()})


@attrs.frozen(kw_only=True)
class Broadcast:
    id: str
    message: Message
    segment: Segment
    status: BroadcastStatus
    created_by: int
    created_at: datetime
    finished_at: datetime | None = None
    progress: Progress = Progress()
