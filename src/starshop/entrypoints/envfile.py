"""The ``.env`` file: ``KEY=VALUE`` lines, read before the process environment (which wins).

Accepted: blank lines, ``# comment`` lines, an optional ``export`` before the key, values in single or double
quotes (taken as written: no escapes, one line), and an inline ``# comment`` after whitespace outside quotes. Any
other line is refused with its number, never its text (it may hold a secret).
"""

from __future__ import annotations

import re
from pathlib import Path

from starshop.entrypoints.settings_fields import SettingsError

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_COMMENT = re.compile(r"\s#")


def read_dotenv(path: Path) -> dict[str, str]:
    """The file's values (nothing when it does not exist); ``SettingsError`` lists every malformed line."""
    if not path.is_file():
        return {}
    try:
        content = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise SettingsError([f"{path}: not UTF-8 text"]) from None
    except OSError as exc:
        raise SettingsError([f"{path}: cannot be read ({exc.strerror})"]) from None
    values: dict[str, str] = {}
    problems = []
    for number, line in enumerate(content.splitlines(), start=1):
        try:
            entry = _entry(line)
        except ValueError as exc:
            problems.append(f"{path} line {number}: {exc}")
            continue
        if entry is not None:
            values[entry[0]] = entry[1]
    if problems:
        raise SettingsError(problems)
    return values


def _entry(line: str) -> tuple[str, str] | None:
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    if re.match(r"export\s", text):
        text = text[len("export") :].lstrip()
    key, equals, rest = text.partition("=")
    key = key.strip()
    if not equals or not _KEY.fullmatch(key):
        msg = "expected KEY=VALUE (a letter or _, then letters, digits or _; # starts a comment line)"
        raise ValueError(msg)
    value = rest.strip()
    if value[:1] in ("'", '"'):
        quote = value[0]
        end = value.find(quote, 1)
        if end == -1:
            msg = f"{key}: the {quote} quote is not closed (a value is one line)"
            raise ValueError(msg)
        tail = value[end + 1 :].strip()
        if tail and not tail.startswith("#"):
            msg = f"{key}: only a # comment may follow the closing quote"
            raise ValueError(msg)
        return key, value[1:end]
    return key, _COMMENT.split(rest, maxsplit=1)[0].strip()
