"""The benchmark: `python -m bench` measures the broker against the real local mail
system and writes docs/performance.md (see bench/__main__.py)."""
