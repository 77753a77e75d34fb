"""Task run logs: where a run's output lines are kept (Redis, or the database
when there is none), how workers ship them there, and how readers page or
follow them. Workers import only the writer and the Redis store: never SQL."""
