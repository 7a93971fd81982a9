"""resqa: questions about resolutions, answered with verified clause quotes."""

__version__ = "0.1.0"
