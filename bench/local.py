"""How long ``make local`` takes to answer ``GET /health`` with 200.

Prints (never asserts) the seconds from starting ``python -m tools.local`` to the first 200 from
``/health``: as from a fresh clone (an empty build directory, so the program first runs under
Pulumi's mocks to describe the stack) and on any later run (the description cached). Best of
``--repeat`` runs each; the virtual environment is assumed to exist, as in the target of
"``/health`` within ~15 s of the venv existing".
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
POLL_SECONDS = 0.05
GIVE_UP_SECONDS = 180.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def time_to_health(build_dir: Path) -> float:
    """Seconds from launch to the first 200 from /health; the system is stopped afterwards."""
    port = _free_port()
    env = {**os.environ, "CW_ANALYTICS_BUILD_DIR": str(build_dir)}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "tools.local", "--port", str(port), "--aggregate-every", "0"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while not _healthy(f"http://127.0.0.1:{port}/health"):
            if process.poll() is not None:
                raise SystemExit(f"tools.local exited with status {process.returncode}")
            if time.perf_counter() - started > GIVE_UP_SECONDS:
                raise SystemExit(f"no /health 200 within {GIVE_UP_SECONDS:.0f} s")
            time.sleep(POLL_SECONDS)
        return time.perf_counter() - started
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def main() -> None:
    """Print the start-up times."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    fresh, cached = [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="cwa-bench-build-") as build:
            fresh.append(time_to_health(Path(build)))
            cached.append(time_to_health(Path(build)))
    print(f"make local, first /health 200 (best of {args.repeat}):")
    print(f"  fresh clone (stack described under mocks): {min(fresh):6.2f} s")
    print(f"  later runs (stack description cached):     {min(cached):6.2f} s")


if __name__ == "__main__":
    main()
