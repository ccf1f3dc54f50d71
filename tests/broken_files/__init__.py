"""Broken and well-formed recordings generated at test time (nothing binary is committed)."""
