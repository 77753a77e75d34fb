"""The worker: takes task requests from the broker and runs them on an engine."""
