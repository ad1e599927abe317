"""Fraud checks on confirmed votes: set-based SQL rules (rules.py) and how they run (scan.py)."""
