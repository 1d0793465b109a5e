"""aiogram's answer models stay built: pydantic holds parametrized models weakly, so starshop holds them."""

import gc

from aiogram.methods import EditMessageText, GetUpdates, SendMessage, SetMyCommands
from aiogram.methods.base import Response

from starshop.entrypoints.bot.runner import RESPONSE_MODELS


def test_the_answer_models_of_the_methods_starshop_calls_survive_a_collection():
    gc.collect()
    for method in (SendMessage, EditMessageText, SetMyCommands, GetUpdates):
        model = Response[method.__returning__]  # what aiogram's session builds for each answer
        assert model in RESPONSE_MODELS, method.__name__
