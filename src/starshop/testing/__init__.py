"""The public test kit for developers who embed starshop: strategies and a ready in-memory wiring."""

from starshop.testing.wiring import InMemoryShop, build_in_memory_shop, build_shop, default_config, default_policy

__all__ = ["InMemoryShop", "build_in_memory_shop", "build_shop", "default_config", "default_policy"]
