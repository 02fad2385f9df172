"""Benchmarks (not tests): synth cost, lookup API calls, CRL status speed. Run as python -m bench.<name>."""
