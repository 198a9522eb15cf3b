"""Fusion layers and their registry, backbones with fusion points, the torch training loop (no scikit-learn here)."""
