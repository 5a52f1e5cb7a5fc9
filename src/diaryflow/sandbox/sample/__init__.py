"""The bundled Chinese sample workspace, and a scaled one for benchmarks."""
