"""Time-driven rules: auto-close, archive, SLA timers, retention."""
