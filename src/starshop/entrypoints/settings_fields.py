"""How one setting is declared: its ``STARSHOP_*`` name, parser, default and doc, kept as attrs field metadata.

``Settings`` declares each field with ``setting(...)``; the loader, the docs table and the tests read the
declarations back with ``declared()``, so nothing about a setting is written twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any, Generic, TypeVar, cast, overload
from urllib.parse import urlsplit

import attrs

from starshop.domain import Currency, DomainError, UnderpaymentPolicy, parse_prices

PREFIX = "STARSHOP_"
T = TypeVar("T")
_KEY = "starshop.setting"
_SHOWN = 40  # characters of a malformed value quoted back in an error


@attrs.frozen(repr=False)
class Secret:
    """Prints as ``***`` in logs, errors and reprs; ``reveal()`` gives it to the one place that needs it."""

    _value: str

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


class SettingsError(Exception):
    """One line per problem, each naming the setting (or the ``.env`` line); never a secret's value."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@attrs.frozen
class Parser(Generic[T]):
    """Turns a variable's text into a value; ``kind`` says in the docs what it accepts. A ``sensitive`` value is
    never quoted in an error, and ``redact`` (if any) is how it shows in a repr."""

    parse: Callable[[str], T]
    kind: str
    sensitive: bool = False
    redact: Callable[[T], str] | None = None

    def __call__(self, raw: str) -> T:
        return self.parse(raw)


@attrs.frozen
class Setting:
    """One declared setting, as the loader and the docs see it."""

    attribute: str
    name: str  # the environment variable
    parser: Parser[Any]
    default: str | None  # in the variable's own syntax; ``None``: unset
    shown: str  # the default as the docs show it
    doc: str
    group: str


@attrs.frozen
class _Declaration:
    parser: Parser[Any]
    default: str | None
    shown: str | None
    doc: str
    group: str
    env: str | None


@overload
def setting(
    default: str, parser: Parser[T], *, doc: str, group: str, env: str | None = None, shown: str | None = None
) -> T: ...


@overload
def setting(
    default: None, parser: Parser[T], *, doc: str, group: str, env: str | None = None, shown: str | None = None
) -> T | None: ...


def setting(
    default: str | None, parser: Parser[T], *, doc: str, group: str, env: str | None = None, shown: str | None = None
) -> T | None:
    """A field of ``Settings``: ``default`` is written as an operator would write the variable (its parser turns it
    into the field's default, so a default its own rules refuse fails at import); ``env`` is the name after the
    prefix when it is not the attribute's in capitals; ``shown`` is what the docs say the default is, when not the
    default itself (required for a setting that is unset by default)."""
    if not default and shown is None:
        msg = "a setting that is unset or empty by default says what that means (shown=...)"
        raise TypeError(msg)
    metadata = {_KEY: _Declaration(parser, default, shown, doc, group, env)}
    redact = parser.redact
    show = None if redact is None else (lambda value: "None" if value is None else repr(redact(value)))
    if default is None:
        return cast("T | None", attrs.field(default=None, metadata=metadata, repr=show or True))
    parser(default)
    field: T = attrs.field(factory=partial(parser, default), metadata=metadata, repr=show or True)
    return field


def declared(cls: type) -> tuple[Setting, ...]:
    """Every ``setting(...)`` field of ``cls``, in declaration order."""
    found = []
    for field in attrs.fields(cls):
        d = field.metadata.get(_KEY)
        if isinstance(d, _Declaration):
            shown = d.shown if d.shown is not None else f"`{d.default}`"
            name = PREFIX + (d.env or field.name.upper())
            found.append(Setting(field.name, name, d.parser, d.default, shown, d.doc, d.group))
    return tuple(found)


# The parsers: each says what it accepts (``kind``) and refuses anything else with a one-line reason.


def quoted(raw: str) -> str:
    """A value quoted back in an error: ``repr`` (one line whatever it holds), cut short when long."""
    return repr(raw) if len(raw) <= _SHOWN else repr(raw[:_SHOWN]) + "..."


def redact_url(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        creds, _, host = rest.rpartition("@")
        user = creds.split(":", 1)[0]
        return f"{scheme}{sep}{user}:***@{host}"
    return url


_WHOLE = re.compile(r"[+-]?[0-9]+")
_PLAIN = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")


def text() -> Parser[str]:
    return Parser(str, "text")


def whole(lo: int, hi: int) -> Parser[int]:
    def parse(raw: str) -> int:
        if not _WHOLE.fullmatch(raw):
            msg = f"must be a whole number, got {quoted(raw)}"
            raise ValueError(msg)
        value = int(raw) if len(raw) <= _SHOWN else None
        if value is None or not lo <= value <= hi:
            msg = f"must be between {lo} and {hi}, got {value if value is not None else quoted(raw)}"
            raise ValueError(msg)
        return value

    return Parser(parse, f"whole number, {lo}..{hi}")


def decimal(*, positive: bool = False) -> Parser[Decimal]:
    def parse(raw: str) -> Decimal:
        try:
            value = Decimal(raw)
        except InvalidOperation:
            msg = f"not a decimal number: {quoted(raw)}"
            raise ValueError(msg) from None
        if not value.is_finite() or value < 0 or (positive and value == 0):
            msg = f"must be a {'positive' if positive else 'non-negative'} number, got {quoted(raw)}"
            raise ValueError(msg)
        if not _PLAIN.fullmatch(raw):
            msg = f"must be written in plain digits with an optional point (no exponent or _), got {quoted(raw)}"
            raise ValueError(msg)
        if len(raw) > _SHOWN:
            msg = f"must be at most {_SHOWN} characters long, got {quoted(raw)}"
            raise ValueError(msg)
        return value

    return Parser(parse, "decimal, > 0" if positive else "decimal, >= 0")


def percent_below_100() -> Parser[Decimal]:
    """A percent from 0 to below 100 with at most two decimals (100 or more would give away the whole price)."""
    check = decimal()

    def parse(raw: str) -> Decimal:
        value = check(raw)
        if value >= 100:
            msg = f"must be below 100 (a percent of the price), got {quoted(raw)}"
            raise ValueError(msg)
        if value != value.quantize(Decimal("0.01")):
            msg = f"must have at most two decimals, got {quoted(raw)}"
            raise ValueError(msg)
        return value

    return Parser(parse, "percent, 0 to below 100")


def premium_prices() -> Parser[Mapping[int, Decimal]]:
    """``months:price`` pairs for 3, 6 and 12 months, comma-separated (checked against the currency's decimals with
    the other amounts)."""

    def parse(raw: str) -> Mapping[int, Decimal]:
        try:
            return parse_prices(raw)
        except DomainError as exc:
            msg = f"{exc} in {quoted(raw)}"
            raise ValueError(msg) from None

    return Parser(parse, "`months:price` for 3, 6 or 12 months, comma-separated")


def seconds(most: int = 365 * 86_400) -> Parser[float]:
    check = decimal(positive=True)

    def parse(raw: str) -> float:
        value = check(raw)
        if value > most:
            msg = f"must be at most {most} seconds, got {quoted(raw)}"
            raise ValueError(msg)
        return float(value)

    return Parser(parse, f"seconds, > 0, at most {most}")


def choice(*options: str, any_case: bool = False) -> Parser[str]:
    def parse(raw: str) -> str:
        for option in options:
            if raw == option or (any_case and raw.upper() == option.upper()):
                return option
        msg = f"must be one of {', '.join(options)}, got {quoted(raw)}"
        raise ValueError(msg)

    listed = [f"`{option}`" for option in options]
    kind = " or ".join([", ".join(listed[:-1]), listed[-1]]) if len(listed) > 1 else listed[0]
    return Parser(parse, kind + (" (any case)" if any_case else ""))


def underpayment_policy() -> Parser[UnderpaymentPolicy]:
    check = choice(*(policy.value for policy in UnderpaymentPolicy))
    return Parser(lambda raw: UnderpaymentPolicy(check(raw)), check.kind)


def currency_code() -> Parser[Currency]:
    check = choice(*Currency.KNOWN, any_case=True)
    return Parser(lambda raw: Currency.of(check(raw)), check.kind)


def url(*schemes: str) -> Parser[str]:
    """Never quoted back (a URL may carry a password); shown in reprs with the password masked."""

    def parse(raw: str) -> str:
        scheme = raw.partition("://")[0]
        if "://" not in raw or scheme not in schemes:
            msg = f"must be a URL starting with {' or '.join(s + '://' for s in schemes)}"
            raise ValueError(msg)
        return raw.rstrip("/") if scheme.startswith("http") else raw

    return Parser(parse, "URL: " + ", ".join(f"`{s}://`" for s in schemes), sensitive=True, redact=redact_url)


def key_prefix() -> Parser[str]:
    def parse(raw: str) -> str:
        if not all(ch.isalnum() or ch in ":_-." for ch in raw):
            msg = "use letters, digits and : _ - . only"
            raise ValueError(msg)
        return raw

    return Parser(parse, "letters, digits, `:` `_` `-` `.`")


def _words(raw: str) -> frozenset[str]:
    return frozenset(part.strip() for part in raw.split(",") if part.strip())


def words() -> Parser[frozenset[str]]:
    return Parser(_words, "comma-separated list")


def user_ids() -> Parser[frozenset[int]]:
    def parse(raw: str) -> frozenset[int]:
        parts = [part for part in raw.replace(" ", "").split(",") if part]
        if not all(_WHOLE.fullmatch(part) and len(part) <= 20 for part in parts):
            msg = "must be a comma-separated list of Telegram user ids"
            raise ValueError(msg)
        return frozenset(int(part) for part in parts)

    return Parser(parse, "comma-separated Telegram user ids")


def secret() -> Parser[Secret]:
    return Parser(Secret, "secret", sensitive=True)


def secrets() -> Parser[frozenset[Secret]]:
    return Parser(
        lambda raw: frozenset(Secret(word) for word in _words(raw)), "comma-separated secrets", sensitive=True
    )


def rate_limit_rules() -> Parser[Mapping[str, tuple[int, float]]]:
    """``message=30/60,purchase=10/60``: action = hits per window in seconds."""
    window = decimal(positive=True)

    def parse(raw: str) -> Mapping[str, tuple[int, float]]:
        limits: dict[str, tuple[int, float]] = {}
        for part in (part.strip() for part in raw.split(",")):
            if not part:
                continue
            action, _, rule = part.partition("=")
            hits, _, every = rule.partition("/")
            if not action.strip() or not hits.isascii() or not hits.isdigit() or not every:
                msg = f"rate limits look like message=30/60,purchase=10/60; {quoted(part)} does not"
                raise ValueError(msg)
            try:
                limits[action.strip()] = (int(hits), float(window(every)))
            except ValueError:
                msg = f"{quoted(part)}: hits must be >= 0 and the window a number of seconds > 0"
                raise ValueError(msg) from None
        return limits

    return Parser(parse, "`action=hits/seconds`, comma-separated")


_DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|[0-9a-f:.]*:[0-9a-f:.]*")


def origin(raw: str) -> str:
    """One browser origin, exactly as a browser sends it in ``Origin``: ``scheme://host[:port]``, lower case, the
    scheme's default port left out. Never ``*``, a path, a query or credentials."""
    if raw == "*" or "*" in raw:
        msg = "a wildcard is refused: list each origin that may call the API (https://shop.example)"
        raise ValueError(msg)
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is not None and (parts.username is not None or parts.password is not None):
        msg = "an origin carries no user or password (the value is not shown)"
        raise ValueError(msg)
    if parts is None or port == 0 or parts.scheme not in _DEFAULT_PORTS or not _HOST.fullmatch(parts.hostname or ""):
        msg = f"an origin is scheme://host[:port] with scheme http or https, got {quoted(raw)}"
        raise ValueError(msg)
    if parts.path or parts.query or parts.fragment or raw.endswith(("?", "#")):
        msg = f"an origin has no path, query or fragment (https://shop.example, no trailing /), got {quoted(raw)}"
        raise ValueError(msg)
    host = parts.hostname or ""
    shown = f"[{host}]" if ":" in host else host
    kept = "" if port is None or port == _DEFAULT_PORTS[parts.scheme] else f":{port}"
    return f"{parts.scheme}://{shown}{kept}"


def origins() -> Parser[tuple[str, ...]]:
    """Comma-separated browser origins, each checked by ``origin``; kept in the order given, without repeats."""

    def parse(raw: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(origin(part.strip().lower()) for part in raw.split(",") if part.strip()))

    return Parser(parse, "comma-separated origins `scheme://host[:port]`")
