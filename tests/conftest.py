"""One throwaway Redis server per test session, and a clean database for every test."""
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools import embedded_redis  # noqa: E402
from tests.helpers import AppServer, Lesson  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start redis-server on a free loopback port and point every lesson at it."""
    port = embedded_redis.free_port()
    pid = embedded_redis.start_server(port, tmp_path_factory.mktemp("redis"))
    url = f"redis://127.0.0.1:{port}/0"
    previous = os.environ.get("REDIS_URL")
    os.environ["REDIS_URL"] = url
    yield url
    embedded_redis.stop_server(pid)
    if previous is None:
        os.environ.pop("REDIS_URL", None)
    else:
        os.environ["REDIS_URL"] = previous


@pytest.fixture
def r(redis_server: str) -> Iterator[redis.Redis]:
    """A decoding client on the test server."""
    client = redis.Redis.from_url(redis_server, decode_responses=True)
    yield client
    client.close()


@pytest.fixture(autouse=True)
def clean_db(redis_server: str) -> Iterator[None]:
    """Flush the test database before and after every test."""
    client = redis.Redis.from_url(redis_server)
    client.flushdb()
    yield
    client.flushdb()
    client.close()


@pytest.fixture
def closed_url() -> str:
    """A REDIS_URL on a loopback port where nothing listens."""
    return f"redis://127.0.0.1:{embedded_redis.free_port()}/0"


def _started(kind: type) -> Iterator:
    """Start processes of kind; every one is stopped after the test."""
    started: list = []

    def start(name: str, *args: str, **kwargs):
        process = kind(name, *args, **kwargs)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def background() -> Iterator:
    """Start lessons in the background; every one is stopped after the test."""
    yield from _started(Lesson)


@pytest.fixture
def rq_connection(redis_server: str) -> Iterator[redis.Redis]:
    """A bytes client on the test server, as RQ needs."""
    client = redis.Redis.from_url(redis_server)
    yield client
    client.close()


@pytest.fixture
def serve_app() -> Iterator:
    """Start lesson apps as real server processes; every one is stopped after the test."""
    yield from _started(AppServer)


@pytest.fixture
def private_redis(tmp_path) -> Iterator:
    """A second Redis server this test may stop and start again on the same port."""
    class Private:
        port = embedded_redis.free_port()
        url = f"redis://127.0.0.1:{port}/0"
        pid = None

        def start(self) -> None:
            self.pid = embedded_redis.start_server(self.port, tmp_path)

        def stop(self) -> None:
            embedded_redis.stop_server(self.pid)
            self.pid = None

    server = Private()
    server.start()
    yield server
    if server.pid:
        server.stop()


def pytest_collection_modifyitems(config: pytest.Config, items: list) -> None:
    """The order tests start in (pytest-xdist gives each test process one test, then one
    more, then another as each ends): the tests that wait a minute first, one per process,
    with the other slow ones on the rest; then one quick test for each minute-long one, so
    that no process holds a second long test behind it; then the remaining slow tests, then
    the rest.  Two minute-long tests queued on one process made the suite 168 s."""
    processes = config.getoption("numprocesses", None)
    processes = processes if isinstance(processes, int) and processes > 0 else 1
    minute = [item for item in items if item.get_closest_marker("minute")]
    slow = [item for item in items if item.get_closest_marker("slow") and item not in minute]
    quick = [item for item in items if not item.get_closest_marker("slow")
             and item not in minute]
    first = max(0, processes - len(minute))
    items[:] = (minute + slow[:first] + quick[:len(minute)] + slow[first:]
                + quick[len(minute):])
