"""What RQ lacks to behave like Kue in the curriculum's lessons.

* ``connection``: REDIS_URL, the connected / not-connected lines, clients that ride out a restart;
* ``ids``: Kue-style job ids 1, 2, 3, ... from one counter;
* ``events``: job progress and outcomes sent back to the process that created the job;
* ``workers``: RQ's log lines off stdout, and which workers are really alive;
* ``web``: Flask answers as Express sends them, JSON errors, 503 when Redis is down;
* ``rq_gaps``: the one place that leans on an RQ method RQ does not document;
* ``rq_dashboard_gaps``: the one place that works around rq-dashboard.
"""
