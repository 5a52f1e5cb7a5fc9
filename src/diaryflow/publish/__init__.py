"""The publish stage: one FlowUs page per (job, period), and the local copy of the report."""
