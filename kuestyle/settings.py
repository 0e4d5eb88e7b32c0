"""The settings every lesson client, worker and job shares, passed as redis-py's and RQ's own
arguments (``connect(**PATIENT)``, ``SimpleWorker([queue], **WORKER_SETTINGS)``,
``queue.enqueue(..., **JOB_OPTIONS)``), and the recovery numbers they give, as RQ 2.12
defines them (docs/RECOVERY.md says how the tests measure them).

- A worker wakes every ``worker_ttl - 15`` = 5 s while idle, and tidies RQ's registries at
  most every ``maintenance_interval`` = 10 s (RQ's defaults: 7 min and 10 min).
- A job's heartbeat lives ``min(job_timeout, job_monitoring_interval) + 60`` s (RQ adds 60).
  A ``SimpleWorker`` does not renew it while a job runs: a killed worker's job is found
  by the first tidy-up after that, 80-95 s after it started with ``JOB_TIMEOUT`` = 20 s.
  It has one ``Retry``, used only for a lost job (events.py): it runs once more.
- A job taken from the queue but never started (a crash swallowed the reply that gave it
  to a worker) stays in RQ's in-flight list: a tidy-up notes it, and one 60 s or more
  later fails it, so its ``Retry`` runs it: 60-75 s after the crash.
- A job is kept ``RESULT_TTL`` = 500 s once it completed (RQ's default) and
  ``FAILURE_TTL`` = a day once it failed (RQ: a year), so no job stays in Redis for good.
"""
import socket

from redis.backoff import ExponentialBackoff
from rq import Retry
from rq.serializers import JSONSerializer

from kuestyle.overrides import SaysWhenRedisIsBack

# For workers and waiting creators: a command rides out a restart, a partition or a
# failover, saying so on stderr; a dead peer is noticed within about 10 s.
PATIENT = {"socket_connect_timeout": 2, "socket_keepalive": True, "health_check_interval": 10,
           "socket_keepalive_options": {socket.TCP_KEEPIDLE: 4, socket.TCP_KEEPINTVL: 2,
                                        socket.TCP_KEEPCNT: 3},
           "retry": SaysWhenRedisIsBack(ExponentialBackoff(cap=1.0, base=0.05), -1)}

WORKER_SETTINGS = {"serializer": JSONSerializer, "worker_ttl": 20, "maintenance_interval": 10}
JOB_TIMEOUT = 20
KEPT = {"result_ttl": 500, "failure_ttl": 86400}
JOB_OPTIONS = {"job_timeout": JOB_TIMEOUT, "retry": Retry(max=1), **KEPT}
# The same, as Queue.prepare_data names the timeout (for enqueue_many).
JOB_DATA_OPTIONS = {"timeout": JOB_TIMEOUT, "retry": Retry(max=1), **KEPT}
