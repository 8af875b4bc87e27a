"""Broker connections: the ib_async adapter and the wire-level gateway simulator."""
