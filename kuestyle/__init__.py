"""What RQ lacks to behave like Kue in the curriculum's lessons: one module per need
(connection, ids, events, liveness, workers, web; rq_gaps and rq_dashboard_gaps are
the quarantine).  The README's "Layout" table says what each one does."""
