"""What RQ lacks to behave like Kue in the curriculum's lessons, on RQ's and redis-py's
documented hooks, one module per need: connection, settings, ids, events, registered,
workers, liveness, web; overrides.py holds the one library method overridden."""
