"""The public test kit for developers who embed starshop: strategies, and the shop's own container with fakes."""

from starshop.testing.wiring import (
    Fakes,
    FakesProvider,
    InMemoryShop,
    build_in_memory_shop,
    build_shop,
    default_config,
    default_policy,
    default_premium,
    per_request,
)

__all__ = [
    "Fakes",
    "FakesProvider",
    "InMemoryShop",
    "build_in_memory_shop",
    "build_shop",
    "default_config",
    "default_policy",
    "default_premium",
    "per_request",
]
