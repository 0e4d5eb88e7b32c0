"""The settings every lesson client, worker and job shares, passed as redis-py's and RQ's
own arguments: ``connect(**PATIENT)``, ``SimpleWorker([queue], **WORKER_SETTINGS)``,
``queue.enqueue(..., **JOB_OPTIONS)``.  docs/RECOVERY.md gives the recovery times they
make, by RQ 2.12's rules, and the tests that measure them.
"""
import socket

from redis.backoff import ExponentialBackoff
from rq import Retry
from rq.serializers import JSONSerializer

from kuestyle.overrides import SaysWhenRedisIsBack

# Workers and waiting creators ride out a restart, a partition or a failover, and say so;
# a dead peer is noticed within about 10 s, even while a worker waits for a job.
PATIENT = {"socket_connect_timeout": 2, "socket_keepalive": True, "health_check_interval": 10,
           "socket_keepalive_options": {socket.TCP_KEEPIDLE: 4, socket.TCP_KEEPINTVL: 2,
                                        socket.TCP_KEEPCNT: 3},
           "retry": SaysWhenRedisIsBack(ExponentialBackoff(cap=1.0, base=0.05), -1)}
# JSON jobs; idle, a worker wakes every worker_ttl - 15 = 5 s and tidies RQ's registries
# (where a dead worker's job is found) every 10 s: RQ's defaults are 405 s and 10 min.
WORKER_SETTINGS = {"serializer": JSONSerializer, "worker_ttl": 20, "maintenance_interval": 10}
# Kue's job.ttl(); one Retry, used only when the job's worker is lost (events.job_failed);
# kept 500 s once completed (RQ's default), a day once failed (RQ: a year).
JOB_TIMEOUT = 20
KEPT = {"result_ttl": 500, "failure_ttl": 86400}
JOB_OPTIONS = {"job_timeout": JOB_TIMEOUT, "retry": Retry(max=1), **KEPT}
JOB_DATA_OPTIONS = {"timeout": JOB_TIMEOUT, "retry": Retry(max=1), **KEPT}  # prepare_data's
