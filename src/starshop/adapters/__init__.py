"""Adapters: one folder per technology, each implementing application ports."""
