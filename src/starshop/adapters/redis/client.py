"""Redis clients from a URL, tuned to fail fast, and the errors that mean "Redis is not there".

``redis://`` / ``rediss://`` build a plain client; ``redis+cluster://`` / ``rediss+cluster://`` (or
``cluster=True``) build a ``RedisCluster`` that discovers the other nodes from the one named.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from redis.asyncio import Redis, RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.commands.core import AsyncScript
from redis.exceptions import RedisClusterException, RedisError

RedisClient: TypeAlias = Redis | RedisCluster

REDIS_ERRORS: tuple[type[BaseException], ...] = (RedisError, RedisClusterException, OSError)
"""Connection refused, timeouts, cluster down, script errors: what degrades an adapter instead of raising."""

_CLUSTER_SCHEMES = {"redis+cluster": "redis", "rediss+cluster": "rediss"}


def redis_from_url(
    url: str,
    *,
    cluster: bool = False,
    socket_timeout: float = 1.0,
    connect_timeout: float = 0.5,
    retries: int = 1,
) -> RedisClient:
    """One quick retry absorbs a pooled connection that died with a restarted server; no long backoff."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        msg = "redis url must look like redis://host:port/db or redis+cluster://host:port"
        raise ValueError(msg)
    if scheme in _CLUSTER_SCHEMES:
        cluster, url = True, f"{_CLUSTER_SCHEMES[scheme]}://{rest}"
    options: dict[str, Any] = {
        "socket_timeout": socket_timeout,
        "socket_connect_timeout": connect_timeout,
        "retry": Retry(ExponentialBackoff(cap=0.1, base=0.01), retries),
        "decode_responses": True,
    }
    client: RedisClient = RedisCluster.from_url(url, **options) if cluster else Redis.from_url(url, **options)
    return client


def script(client: RedisClient, source: str) -> AsyncScript:
    """A Lua script run by EVALSHA, loaded again by itself on a server that lost it (a restart, a new node)."""
    return client.register_script(source)  # type: ignore[misc]  # typed for Redis, works for RedisCluster too


async def publish(client: RedisClient, channel: str, payload: str) -> None:
    """PUBLISH. On a cluster (whose async client has no ``publish``) any node spreads a message cluster-wide, but
    only messages that leave from one node keep their order: each channel is published on the node that owns its
    key slot, so one user's events arrive in the order they were sent."""
    if isinstance(client, RedisCluster):
        await client.initialize()  # does nothing once the slots are known
        node = client.get_node_from_key(channel)
        await client.execute_command("PUBLISH", channel, payload, target_nodes=node)
    else:
        await client.publish(channel, payload)


async def pubsub_client(client: RedisClient) -> Redis:
    """A plain client for SUBSCRIBE: on a cluster any node hears every PUBLISH, so a random one is used."""
    if isinstance(client, Redis):
        return client
    await client.initialize()
    node = client.get_random_node()
    kwargs = dict(client.get_connection_kwargs())
    return Redis(
        host=node.host,
        port=int(node.port),
        username=kwargs.get("username"),
        password=kwargs.get("password"),
        ssl=bool(kwargs.get("ssl", False)),
        socket_timeout=kwargs.get("socket_timeout"),
        socket_connect_timeout=kwargs.get("socket_connect_timeout"),
        decode_responses=True,
    )
