"""The FlowUs API: a client with its transport, pacing and whole-tree fetching."""
