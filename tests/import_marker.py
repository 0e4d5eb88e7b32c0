"""Importing this module is the proof that a worker imported what a job named.

It touches the file $IMPORT_MARKER when imported, as a module with a side effect would.
"""
import os
from pathlib import Path

Path(os.environ["IMPORT_MARKER"]).touch()


def anything(*args: object, **kwargs: object) -> None:
    """A function a planted job can name."""
