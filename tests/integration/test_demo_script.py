"""README's first command: `python3 scripts/demo.py` starts the portal with demo data and its
mail sender, and stopping it (Ctrl-C, or SIGTERM from a service manager or `kill`) stops them
all, so no process keeps the port."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from tests.conftest import REPO_ROOT, free_port


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - a local test server
        return response.status


def _serving(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_the_demo_starts_serves_and_stops_everything_on_sigterm(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "PORTAL_INSTANCE_DIR": str(tmp_path),
    }
    for name in (
        "PORTAL_ENV",
        "DATABASE_URL",
        "WPROD_PANEL_DATABASE_URL",
        "WPROD_BILLING_DATABASE_URL",
    ):
        env.pop(name, None)
    demo = subprocess.Popen(
        [sys.executable, "scripts/demo.py"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    group = demo.pid
    try:
        deadline = time.monotonic() + 240
        while not _serving(port):
            assert demo.poll() is None, "the demo stopped before it served"
            assert time.monotonic() < deadline, "the demo did not start serving"
            time.sleep(0.5)
        assert _get(f"http://127.0.0.1:{port}/") == 200
        assert _get(f"http://127.0.0.1:{port}/dev/mailbox/") == 200
        # The demo register was built beside the portal's database.
        assert (tmp_path / "wprod-panel.sqlite").is_file()

        demo.send_signal(signal.SIGTERM)
        assert demo.wait(timeout=30) == 0
        time.sleep(0.5)
        assert not _serving(port)
        # Neither the web server nor the mail sender is left in the demo's process group.
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            pass
        else:
            raise AssertionError("a process of the demo is still running after SIGTERM")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
