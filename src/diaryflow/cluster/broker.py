"""What the planner and ``cluster status`` read from the Redis broker itself: whether it lost
its messages, and how many wait."""

from __future__ import annotations

import logging
import uuid

import redis

from diaryflow.cluster.queue import QUEUE

log = logging.getLogger("diaryflow.cluster.broker")

# A key the planners keep in the broker's Redis: when it is gone, so are the messages.
EPOCH_KEY = "diaryflow:broker-epoch"


def broker_client(url: str) -> redis.Redis:
    """A client of the broker's Redis that gives up quickly when it is down."""
    client: redis.Redis = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
    return client


class BrokerWatch:
    """Notices a broker that restarted empty: the marker key it keeps there has vanished."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def lost(self) -> bool:
        """True when the marker was missing (set again now); False when it is there or the
        broker cannot be reached (the pass's sends fail, and the next pass tries again)."""
        try:
            return bool(self.client.set(EPOCH_KEY, uuid.uuid4().hex, nx=True))
        except redis.RedisError as error:
            log.warning("cannot reach the broker to check its messages: %s", error)
            return False


def queue_depth(client: redis.Redis) -> int | None:
    """How many messages wait in the queue (None when the broker cannot be reached)."""
    try:
        return int(client.llen(QUEUE))  # type: ignore[arg-type, unused-ignore]
    except redis.RedisError:
        return None
