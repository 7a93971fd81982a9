"""A real `chroma run` server on loopback, for client-server tests and benchmarks."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from loopback import ServedProcess, free_port

__all__ = ["ChromaServer", "free_port"]


class ChromaServer(ServedProcess):
    """`chroma run --path <path> --host 127.0.0.1 --port <port>`, startable and stoppable."""

    name = "chroma"
    health_path = "/api/v2/heartbeat"

    def __init__(self, path: Path, port: int | None = None) -> None:
        self.path = Path(path)
        super().__init__(self.path.parent, port)
        exe = Path(sys.executable).with_name("chroma")
        self.exe = str(exe) if exe.exists() else (shutil.which("chroma") or "chroma")

    @property
    def url(self) -> str:
        return self.base

    def command(self) -> list[str]:
        self.path.mkdir(parents=True, exist_ok=True)
        return [self.exe, "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)]
