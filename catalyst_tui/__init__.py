"""Catalyst: an operator console for an AI agent trading HKEX and US stocks through Interactive Brokers."""

__version__ = "0.1.0"
