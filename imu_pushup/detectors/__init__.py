"""Detectors: set and rep segmentation, phases and tempo, form (sag, pike, depth, head), fatigue.

Detectors know nothing of files or Bluetooth: they take preprocessed signals in SPEC units.
"""
