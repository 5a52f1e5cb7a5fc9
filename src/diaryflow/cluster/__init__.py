"""Cluster mode: many tenants' runs shared out over machines (optional extra ``cluster``)."""
