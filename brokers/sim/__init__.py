"""A wire-level IB Gateway simulator: the real ib_async client connects to it as to IB Gateway.

It plays the exchange and the broker, with its own instrument data, so it checks the client independently.
"""
