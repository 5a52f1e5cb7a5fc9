"""FlowUs-compatible sandbox server and the bundled sample workspace."""
