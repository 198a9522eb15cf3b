"""Experiments: validated config, runner, SQLite store, HTML report, the demo."""
