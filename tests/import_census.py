"""Import each module named on the command line, one after another in this one process,
and print one line of JSON saying what each import did: what it wrote to stdout and
stderr (at the file descriptors, so a child process or C code is caught too), the error
it raised, the connections the server at REDIS_URL received meanwhile, the keys left
there, and the module's docstring.

One interpreter start for every lesson, not one each: the import checks in
tests/test_everywhere.py read this census.
"""
import importlib
import json
import os
import sys
import tempfile

import redis


def connections(client: redis.Redis) -> int:
    """Connections the server has received so far (this client's own one is open)."""
    return client.info("stats")["total_connections_received"]


def imported(name: str) -> dict:
    """Import name with fds 1 and 2 sent to files; what it did."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        sys.stdout.flush()
        sys.stderr.flush()
        saved = os.dup(1), os.dup(2)
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        try:
            module, error = importlib.import_module(name), None
        except BaseException as exc:  # a SystemExit or KeyboardInterrupt is a finding too
            module, error = None, repr(exc)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
        out.seek(0)
        err.seek(0)
        return {"stdout": out.read().decode(errors="replace"),
                "stderr": err.read().decode(errors="replace"), "error": error,
                "doc": module.__doc__ if module else None}


def main() -> None:
    """Census every module named in sys.argv, on the server at REDIS_URL."""
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    client.flushdb()
    census = {}
    for name in sys.argv[1:]:
        before = connections(client)
        found = imported(name)
        found["connections"] = connections(client) - before
        found["keys"] = sorted(key.decode() for key in client.scan_iter())
        client.flushdb()  # the next import is judged on its own
        census[name] = found
    client.close()
    print(json.dumps(census))


if __name__ == "__main__":
    main()
