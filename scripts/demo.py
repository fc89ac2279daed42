"""Install and start the portal with demo data: SQLite, the local mailbox, the mail sender.

python3 scripts/demo.py            # http://127.0.0.1:5000
PORT=5001 python3 scripts/demo.py  # another port
python3 scripts/demo.py code       # the demo staff's current sign-in codes (second factor)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from _bootstrap import BIN, PYTHON, ROOT, ensure_environment, run, say


def main() -> int:
    ensure_environment()
    port = os.environ.get("PORT", "5000")
    env = {
        **os.environ,
        "PORTAL_ENV": "development",
        "FLASK_APP": "wsgi.py",
        "PORTAL_BASE_URL": f"http://127.0.0.1:{port}",
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    flask = [str(PYTHON), "-m", "flask"]
    if sys.argv[1:] == ["code"]:
        # The demo staff's second-factor codes, for a newcomer without an authenticator app.
        return subprocess.call([*flask, "demo", "code"], cwd=ROOT, env=env)
    say("building the database with the migrations")
    run(*flask, "db", "upgrade", env=env)
    say("demo data")
    run(*flask, "demo", "seed", env=env)

    # The same sender that runs in production, here delivering into the local mailbox.
    sender = subprocess.Popen(
        [*flask, "outbox", "send", "--worker", "--interval", "1"], cwd=ROOT, env=env
    )
    print(
        f"""
  The privacy portal is at   http://127.0.0.1:{port}/
  Its local mailbox is at    http://127.0.0.1:{port}/dev/mailbox/
  The contact person signs in with the address and password printed above
  (also kept in instance/demo-login.txt), then a code: in another terminal run
  `python3 scripts/demo.py code`, or use an app with the key above. Stop with Ctrl-C.
""",
        flush=True,
    )
    # A service manager or `kill` stops the demo with SIGTERM: clean up as for Ctrl-C, or the web
    # server and the mail sender would outlive it and keep the port.
    signal.signal(signal.SIGTERM, _interrupt)
    server = subprocess.Popen(
        [*flask, "run", "--host", "127.0.0.1", "--port", port], cwd=ROOT, env=env
    )
    try:
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for child in (server, sender):
            child.terminate()
        for child in (server, sender):
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
