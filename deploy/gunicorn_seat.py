"""gunicorn's settings for 100-seat.py (``gunicorn -c deploy/gunicorn_seat.py ...``): the
launch puts 50 seats on sale once, in gunicorn's master as it starts, never in a worker it
starts or replaces later.  RESUME_SEATS=1 keeps the count an earlier run left."""
import importlib
import sys
from pathlib import Path


def on_starting(server: object) -> None:
    """gunicorn's hook, run once in the master before any worker starts."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    seat = importlib.import_module("100-seat")
    seat.put_seats_on_sale()  # RESUME_SEATS=1: keep the count
