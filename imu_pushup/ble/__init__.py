"""BLE sensors: protocol decoders (``sensors/``), the link (scan, connect, reconnect, record),
the raw-log → CSV assembler, and virtual sensors on Bumble (``virtual/``)."""
