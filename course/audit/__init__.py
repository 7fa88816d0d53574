"""The audit log: an append-only record of what admins and authors did: who, what, when, before
and after."""
