"""starshop: a Telegram shop that sells Telegram Stars."""

__version__ = "0.1.0"
