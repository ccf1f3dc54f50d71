"""The analysis engine: one causal, chunked core for live and batch.

``stream`` holds the stateful analyser; ``analyze`` is that analyser fed a whole recording (or
``chunk_size`` samples at a time); ``filters`` and ``orientation`` wrap SciPy and VQF at the edge.
"""
