"""The lessons' one recovery rule: how a job whose worker died is found and run once more,
and how long a job's record stays in Redis.  Change the rule here; the lessons pass these
names to RQ's own classes and calls.

RQ finds a lost job when a worker tidies its registries and sees that the job's heartbeat
has expired.  Two sides make the rule:

- **A processor** runs a worker made with ``workers.PromptRecovery`` and ``FINDS_A_LOST_JOB``: it
  tidies every 10 s, even idle (RQ tidies every ``maintenance_interval``, and an idle
  worker wakes every ``worker_ttl - 15`` s; RQ's defaults: 10 min and 7 min), and a
  running job's heartbeat expires ``HEARTBEAT_GRACE`` = 5 s after the job's timeout (RQ:
  60 s, see rq_gaps.py).  A job taken from the queue but never started (a crash swallowed
  the reply that gave it to a worker) is failed, so its ``Retry`` runs it, at the first
  tidy-up ``IN_FLIGHT_GRACE`` = 5 s after a tidy-up first saw it (RQ: a minute): 10-20 s
  after the crash.  The other lessons' workers tidy as often, with RQ's 60 s and minute.
- **A creator** gives its jobs ``JOB_OPTIONS`` (``Queue.enqueue``) or ``JOB_DATA_OPTIONS``
  (``Queue.prepare_data``, which calls the timeout ``timeout``): a 20 s timeout (Kue's
  ``job.ttl()``) and one ``Retry``, used only for a lost job (retries.py).

So a dead worker's job is found 25-45 s after it started (timeout + grace, then a tidy-up
due every 10 s, run when the worker's 10 s wait for a job ends) and runs once more; a job
that kills its worker again is failed one round later.

Every lesson job is kept ``RESULT_TTL`` = 500 s once it completed (RQ's default) and
``FAILURE_TTL`` = a day once it failed, its result stream too (RQ: a year, and a failed
job's result for ever), so no key a job leaves stays in Redis for good.
"""
from rq import Retry

HEARTBEAT_GRACE = 5
IN_FLIGHT_GRACE = 5
FINDS_A_LOST_JOB = {"maintenance_interval": 10, "worker_ttl": 25}
JOB_TIMEOUT = 20
RESULT_TTL = 500
FAILURE_TTL = 86400
KEPT = {"result_ttl": RESULT_TTL, "failure_ttl": FAILURE_TTL}
JOB_OPTIONS = {"job_timeout": JOB_TIMEOUT, "retry": Retry(max=1), **KEPT}
# The same, as Queue.prepare_data names the timeout.
JOB_DATA_OPTIONS = {("timeout" if name == "job_timeout" else name): value
                    for name, value in JOB_OPTIONS.items()}
