"""Hand-written fakes of the outside services, on real HTTP at 127.0.0.1, following their published specs: Heleket
(payments and signed webhooks), Fragment (star purchases) and the Telegram Bot API. For starshop's tests and for
embedders' test suites::

    from starshop.testing.fakes import FakeBotApi, FakeFragment, FakeHeleket
"""

from starshop.testing.fakes.bot_api import FakeBotApi
from starshop.testing.fakes.fragment import FakeFragment, FakeOrder
from starshop.testing.fakes.heleket import FakeHeleket, HttpRequest, LocalHttpServer

__all__ = ["FakeBotApi", "FakeFragment", "FakeHeleket", "FakeOrder", "HttpRequest", "LocalHttpServer"]
