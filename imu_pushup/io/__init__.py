"""Sources: file readers and writers (canonical CSV, Parquet, iOS SensorLog, raw BLE log)."""
