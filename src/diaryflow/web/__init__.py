"""The local web dashboard: report pages, job status and actions served over HTTP."""
