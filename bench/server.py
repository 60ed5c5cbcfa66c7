"""Start `streamlit run` on 127.0.0.1 for a benchmark; read the server process's own CPU time, memory, threads."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """A running `streamlit run` process and its address."""

    process: subprocess.Popen
    url: str
    port: int

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu_seconds(self) -> float:
        """User plus system CPU time the server process has used so far, all its threads together."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS

    def rss_mb(self) -> float:
        """The server's resident memory in MB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def thread_names(self) -> list[str]:
        """The names of the server's threads (as the kernel knows them, 15 characters)."""
        names = []
        for task in Path(f"/proc/{self.pid}/task").iterdir():
            try:
                names.append((task / "comm").read_text().strip())
            except OSError:
                continue
        return names

    def stop(self) -> None:
        """Stop the server (terminate, then kill after 20 s)."""
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def wait_for_health(url: str, process: subprocess.Popen, timeout: float = 120) -> None:
    """Wait until the server answers its health check; RuntimeError if it exits or takes too long."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("streamlit did not become healthy in time")


def start(script: str = "app.py", options: dict | None = None, env: dict | None = None, log=None) -> Server:
    """Start `streamlit run script` headless on a free 127.0.0.1 port and wait until it is healthy.

    Args:
        script: the app file, relative to the project folder.
        options: extra Streamlit options, e.g. {"runner.postScriptGC": "true"}.
        env: extra environment variables.
        log: a path for the server's output (discarded if None).
    """
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port)]  # fmt: skip
    for name, value in (options or {}).items():
        command += [f"--{name}", str(value)]
    output = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115 - the server keeps it open
    process = subprocess.Popen(
        command, cwd=PROJECT_DIR, stdout=output, stderr=subprocess.STDOUT, env=os.environ | (env or {})
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, process)
    except RuntimeError:
        process.kill()
        raise
    return Server(process, url, port)


def load_average() -> str:
    """The machine's load averages over 1, 5 and 15 minutes, as `uptime` prints them."""
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())
