"""Runners and wiring: dishka providers, and later the bot, the web app, the worker and the command line."""
