"""The FlowUs-compatible sandbox server: its workspace, endpoints, validation and faults."""
