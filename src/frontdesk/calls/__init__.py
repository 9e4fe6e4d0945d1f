"""Calls: inbound, outbound and browser voice calls, their records, recordings and analysis."""
