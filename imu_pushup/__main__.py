"""``python -m imu_pushup`` runs the command-line tool."""
from .cli import main

raise SystemExit(main())
