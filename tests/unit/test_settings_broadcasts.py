"""STARSHOP_BROADCAST_RATE: 30 messages a second by default (Telegram's limit), 1 to 30, shared by the pacers."""

import pytest

from starshop.adapters.inprocess.pacer import HEADROOM, InProcessPacer
from starshop.entrypoints.settings import SettingsError, load_settings


def load(**env: str):
    return load_settings({f"STARSHOP_{k}": v for k, v in env.items()}, dotenv=None)


def test_the_rate_is_telegrams_by_default():
    assert load().sections().rate_limits.broadcast_per_second == 30


@pytest.mark.parametrize("value", ["1", "10", "30"])
def test_a_rate_up_to_30_reaches_the_pacers(value):
    assert load(BROADCAST_RATE=value).sections().rate_limits.broadcast_per_second == int(value)


@pytest.mark.parametrize("value", ["0", "31", "1000", "-5", "2.5", "fast"])
def test_a_rate_above_telegrams_or_malformed_is_refused_by_name(value):
    with pytest.raises(SettingsError, match="STARSHOP_BROADCAST_RATE"):
        load(BROADCAST_RATE=value)


async def test_the_in_process_pacer_spaces_turns_with_headroom():
    now = [100.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    pacer = InProcessPacer(30, clock=lambda: now[0], sleep=sleep)
    for _ in range(4):
        await pacer.wait()
    await pacer.hold_off(2)
    await pacer.wait()
    step = HEADROOM / 30
    assert slept == pytest.approx([step, 2 * step, 3 * step, 2])
