"""The local web dashboard: jobs, history, reports, actions, health and metrics."""
