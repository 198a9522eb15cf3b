"""Metric registry: named scorers (accuracy ... IoU) used by every layer above."""
