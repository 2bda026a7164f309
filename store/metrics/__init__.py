"""Metrics: the seeds' key figures of a period — response and resolution times,
first-contact resolution, reopenings, backlog, time in status, service levels,
productivity, common causes, satisfaction — computed in SQL (README, "Metrics")."""
