"""Vetting, certificates and verification (see the issues that build on the portal foundation)."""
