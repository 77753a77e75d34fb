"""The scheduler: fires triggers, moves tokens through the Petri net, queues
task runs, applies workers' progress, retries and recovers lost runs.

Every decision is a database transaction that several schedulers can race on
safely (compare-and-set on trigger times, atomic threshold decrements on tokens, retry rows
taken by delete), so schedulers run active/active.
"""
