"""A cheap Argon2 for tests: the same algorithm and hash format as production, at minimal cost, so that
creating the named users for hundreds of tests does not dominate the suite's time."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 8
    parallelism = 1
