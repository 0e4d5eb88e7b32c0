"""Workers on other hosts: Redis, two processors and the creator each in a network namespace
of their own (a host each, joined by a bridge), and one worker host cut off for a while."""
import os
import secrets
import shutil
import subprocess
import time

import psutil
import pytest
import redis
from rq import Queue
from rq.serializers import JSONSerializer

from tools import embedded_redis
from tests.helpers import expire_heartbeats, PYTHON, Lesson, lesson_env, wait_for_worker, wait_until

# Not an xdist group: each test process has its own namespace names and subnet.
pytestmark = pytest.mark.slow  # waits, little CPU
HOSTS = ("redis", "worker1", "worker2")
SUBNET = "10.77.{}.{}"


def ip(*args: str) -> None:
    """Run one `ip` command; fail loudly."""
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


@pytest.fixture
def hosts():
    """Three namespaces on a bridge, 10.77.N.1-3; the test process is the fourth host
    (10.77.N.254, the creator).  Everything is removed afterwards."""
    if os.geteuid() != 0 or not shutil.which("ip"):
        pytest.skip("network namespaces need root and iproute2's ip")
    # Unique among the test processes running at once: the names carry the pid, the subnet
    # the xdist process's number (gw0, gw1, ...), so two of these tests never share either.
    tag = str(os.getpid())
    net = 20 + int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:])
    bridge, made = f"kbr{tag}", []
    try:
        ip("link", "add", bridge, "type", "bridge")
        made.append(("link", bridge))
        ip("addr", "add", SUBNET.format(net, 254) + "/24", "dev", bridge)
        ip("link", "set", bridge, "up")
        addresses = {}
        for number, host in enumerate(HOSTS, start=1):
            namespace, outside = f"k{host}{tag}", f"kv{number}{tag}"
            ip("netns", "add", namespace)
            made.append(("netns", namespace))
            ip("link", "add", outside, "type", "veth", "peer", "name", "eth0", "netns", namespace)
            made.append(("link", outside))
            ip("link", "set", outside, "master", bridge, "up")
            for command in (["addr", "add", SUBNET.format(net, number) + "/24", "dev", "eth0"],
                            ["link", "set", "eth0", "up"], ["link", "set", "lo", "up"]):
                ip("-n", namespace, *command)
            addresses[host] = (namespace, outside, SUBNET.format(net, number))
    except subprocess.CalledProcessError as error:
        pytest.skip(f"cannot build network namespaces here: {error.stderr.decode().strip()}")
    yield addresses
    for kind, name in reversed(made):
        subprocess.run(["ip", kind, "del", name], capture_output=True, timeout=10)


PASSWORD = secrets.token_hex(8)


def redis_url_of(hosts) -> str:
    """REDIS_URL of the Redis on the "redis" host, its password included."""
    return f"redis://:{PASSWORD}@{hosts['redis'][2]}:6390/0"


@pytest.fixture
def redis_host(hosts, tmp_path):
    """Redis on the "redis" host, bound to that namespace's address (reachable on the test's
    bridge only); yields a client of it."""
    namespace, _, address = hosts["redis"]
    # Off loopback, a server has a password (Redis 7+ refuses clients otherwise).
    server = subprocess.Popen(
        ["ip", "netns", "exec", namespace, embedded_redis.find_server_binary(), "--port",
         "6390", "--bind", address, "--save", "", "--appendonly", "no",
         "--requirepass", PASSWORD, "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    client = redis.Redis.from_url(redis_url_of(hosts), socket_connect_timeout=2)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.exceptions.ConnectionError:
            assert time.monotonic() < deadline, "Redis did not start in its namespace"
            time.sleep(0.1)
    try:
        yield client
    finally:  # stopped by its pid, whatever the test did
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def processor_on(hosts, redis_host, background):
    """Start ./7-job_processor.py hosts on a worker host."""
    url = redis_url_of(hosts)

    started = []

    def start(host: str) -> Lesson:
        started.append(background("7-job_processor.py", "hosts", env=lesson_env(REDIS_URL=url),
                                  argv=["ip", "netns", "exec", hosts[host][0], PYTHON,
                                        "-m", "tests.with_probes", "7-job_processor.py",
                                        "hosts"]))
        return started[-1]
    yield start
    for lesson in started:  # a cut-off pool cannot stop warmly: end it, then its workers
        try:
            pool = psutil.Process(lesson.proc.pid)
            workers = pool.children(recursive=True)
            pool.kill()  # first, or it would start new workers
        except psutil.NoSuchProcess:
            continue
        for worker in workers:
            try:
                worker.kill()
            except psutil.NoSuchProcess:
                pass


def test_two_worker_hosts_one_cut_off_for_12_s_lose_nothing_and_run_nothing_twice(
        hosts, redis_host, processor_on):
    client = redis_host
    workers = [processor_on("worker1"), processor_on("worker2")]
    wait_for_worker(client, "hosts", count=4, timeout=30)  # two processes per host
    queue = Queue("hosts", connection=client, serializer=JSONSerializer)
    jobs = queue.enqueue_many([Queue.prepare_data("tests.jobs.count_done", ("done", 0.05),
                                                  job_id=f"h{n}", timeout=20)
                               for n in range(400)])
    time.sleep(1)
    cut = hosts["worker1"][1]
    ip("link", "set", cut, "down")  # worker1's host falls off the network
    done_while_cut = client.hlen("done")
    time.sleep(12)
    assert client.hlen("done") > done_while_cut, "worker2 stopped too"
    ip("link", "set", cut, "up")
    healed = time.monotonic()
    workers[0].wait_for(lambda _: any("is back" in line for line in workers[0].errors),
                        timeout=15, what="worker1 says Redis is back")
    resumed = time.monotonic() - healed
    print(f"worker1 back {resumed:.1f} s after the network returned")  # shown with -s
    assert resumed < 5 + 1, f"worker1 took {resumed:.1f} s to resume"
    assert workers[0].errors[0].startswith("Redis connection lost ("), workers[0].errors
    deadline = healed + 60
    while client.hlen("done") < 400:
        assert time.monotonic() < deadline, f"{client.hlen('done')} of 400 done"
        time.sleep(0.2)
    runs = [int(count) for count in client.hvals("done")]
    assert len(runs) == 400 and max(runs) == 1, "a job was lost or ran twice"
    # A job counts itself done as its last step; RQ records it finished just after.
    wait_until(lambda: {job.get_status(refresh=True) for job in jobs} == {"finished"}, 30,
               "RQ recorded every job finished")


def test_a_lost_worker_host_has_its_job_retried_on_another_after_its_heartbeat(
        hosts, redis_host, processor_on):
    """The host running a job is cut off for good: once its job's heartbeat expired (RQ's
    minute, expired here at once: tests/test_7_job.py measures it), a tidy-up on the other
    host (every 10 s, a worker waking every 5 s) finds it and runs it again, as task 7's
    jobs are made (one Retry)."""
    from rq import Retry
    from rq.registry import StartedJobRegistry
    client = redis_host
    lost = processor_on("worker1")
    wait_for_worker(client, "hosts", count=2, timeout=30)
    queue = Queue("hosts", connection=client, serializer=JSONSerializer)
    job = queue.enqueue("tests.jobs.count_done", "done", 5, job_id="long", job_timeout=20,
                        retry=Retry(max=1))
    deadline = time.monotonic() + 10
    while "long" not in StartedJobRegistry(queue=queue).get_job_ids():
        assert time.monotonic() < deadline, "the job never started on worker1"
        time.sleep(0.05)
    processor_on("worker2")
    wait_for_worker(client, "hosts", count=4, timeout=30)
    ip("link", "set", hosts["worker1"][1], "down")  # for good
    assert expire_heartbeats(client, "hosts") == 1  # as RQ's minute later
    cut = time.monotonic()
    while job.get_status(refresh=True) != "finished":
        bound = 10 + 5 + 5 + 10  # a tidy-up, a worker's wake, the job, slack
        assert time.monotonic() - cut < bound, f"job {job.get_status()} {bound} s after"
        time.sleep(0.2)
    print(f"lost host's job finished elsewhere {time.monotonic() - cut:.1f} s after the loss")
    job.refresh()
    assert (job.retries_left, client.hget("done", "long")) == (0, b"1")  # retried, ran once
    assert lost.proc.poll() is None  # still waiting, cut off
