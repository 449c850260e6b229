"""The embedded demo: the whole system shown working on one machine with synthetic identities."""
