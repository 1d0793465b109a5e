"""Sandbox payment and delivery: the embedded default's stand-ins, announced everywhere, refused in production."""

from starshop.adapters.sandbox.delivery import SandboxStarDelivery
from starshop.adapters.sandbox.gateway import SANDBOX_ACTIONS, SandboxPaymentGateway
from starshop.adapters.sandbox.orders import BookedOrder, OrderBook

__all__ = ["SANDBOX_ACTIONS", "BookedOrder", "OrderBook", "SandboxPaymentGateway", "SandboxStarDelivery"]
