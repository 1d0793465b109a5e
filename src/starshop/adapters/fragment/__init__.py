"""Star delivery through the hosted Fragment service, and a local fake of that service for tests."""

from starshop.adapters.fragment.client import DEFAULT_BASE_URL, FragmentClient, FragmentReply, FragmentUnavailable
from starshop.adapters.fragment.delivery import HttpxFragmentDelivery
from starshop.adapters.fragment.fake import FakeFragment, FakeOrder

__all__ = [
    "DEFAULT_BASE_URL",
    "FakeFragment",
    "FakeOrder",
    "FragmentClient",
    "FragmentReply",
    "FragmentUnavailable",
    "HttpxFragmentDelivery",
]
