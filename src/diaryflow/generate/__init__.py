"""The generate stage: the report, by the model or offline, with figures computed in code."""
