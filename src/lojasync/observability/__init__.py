"""Observability: Prometheus metrics and structured, masked logs."""
