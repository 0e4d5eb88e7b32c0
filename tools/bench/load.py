#!/usr/bin/env python3
"""A small HTTP load generator: C connections GET one path for S seconds.

``load.py PORT PATH CONNECTIONS SECONDS`` sends requests to 127.0.0.1 only,
each connection one request at a time, reconnecting when the server closes.
It stops by itself at the deadline (and after at most 10 million requests)
and prints JSON: the request count, the status counts and the latencies'
p50 and p99 in milliseconds.
"""
import asyncio
import json
import sys
import time
from collections import Counter

MAX_REQUESTS = 10_000_000


async def one_connection(port: int, path: str, deadline: float, latencies: list[float],
                         statuses: Counter) -> None:
    """Send requests on one connection until the deadline."""
    request = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
               "Connection: keep-alive\r\n\r\n").encode()
    reader = writer = None
    while time.monotonic() < deadline and len(latencies) < MAX_REQUESTS:
        if writer is None:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        started = time.perf_counter()
        writer.write(request)
        status_line = await reader.readline()
        if not status_line:
            writer.close()
            reader = writer = None
            continue
        length, close = 0, status_line.startswith(b"HTTP/1.0")
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection":
                close = value.strip().lower() == "close"
        await reader.readexactly(length)
        latencies.append(time.perf_counter() - started)
        statuses[int(status_line.split()[1])] += 1
        if close:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


def percentile(ordered: list[float], fraction: float) -> float:
    """Return the latency (ms) below which fraction of the sorted latencies fall."""
    if not ordered:
        return 0.0
    return 1000 * ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def run(port: int, path: str, connections: int, seconds: float) -> dict:
    """Run every connection until the deadline and summarise."""
    latencies: list[float] = []
    statuses: Counter = Counter()
    deadline = time.monotonic() + seconds
    started = time.monotonic()
    await asyncio.gather(*(one_connection(port, path, deadline, latencies, statuses)
                           for _ in range(connections)))
    elapsed = time.monotonic() - started
    latencies.sort()
    return {"requests": len(latencies), "seconds": elapsed,
            "statuses": {str(k): v for k, v in statuses.items()},
            "p50_ms": percentile(latencies, 0.50), "p99_ms": percentile(latencies, 0.99)}


if __name__ == "__main__":
    port, path, connections, seconds = sys.argv[1:5]
    print(json.dumps(asyncio.run(run(int(port), path, int(connections), float(seconds)))))
