"""Jobs the benchmark runs: they do nothing, so what is measured is the queue."""


def noop(data: object = None) -> None:
    """Do nothing."""
