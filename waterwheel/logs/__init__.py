"""Task run logs: where a run's output lines are kept (Redis, or the database
when there is none), and how readers page or follow them. Workers ship lines
with their own writer (``worker/log_writer.py``), which imports only the Redis
store here: never SQL."""
