"""Which RQ workers are really alive (``Worker.all`` also lists dead ones for minutes)."""
from rq import Queue, Worker


def live_workers(queue: Queue) -> list[Worker]:
    """The workers listening on queue: a live one subscribes to its command channel."""
    workers = Worker.all(queue=queue)
    if not workers:
        return []
    counts = dict(queue.connection.pubsub_numsub(*[w.pubsub_channel_name for w in workers]))
    return [w for w in workers if counts.get(w.pubsub_channel_name.encode())
            or counts.get(w.pubsub_channel_name)]
