"""``make local``: the whole system on one machine (PostgreSQL, an AWS emulator, both functions)."""
