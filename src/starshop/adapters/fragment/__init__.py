"""Star delivery through the hosted Fragment service (its fake is ``starshop.testing.fakes.FakeFragment``)."""

from starshop.adapters.fragment.client import DEFAULT_BASE_URL, FragmentClient, FragmentReply, FragmentUnavailable
from starshop.adapters.fragment.delivery import HttpxFragmentDelivery

__all__ = [
    "DEFAULT_BASE_URL",
    "FragmentClient",
    "FragmentReply",
    "FragmentUnavailable",
    "HttpxFragmentDelivery",
]
