"""Reads from PostgreSQL streaming replicas (DATABASE_REPLICA_URLS).

`routing` decides, per request, whether reads may leave the primary and which replica takes them;
`health` says whether a replica is reachable and current enough to be read. The web layer's
`ReplicaReadsMiddleware` opens the per-request scope; everything outside one reads the primary.
"""
