"""A page as a real browser shows it: Chromium, headless, its DOM once the page has loaded and run."""
from __future__ import annotations

import shutil
import subprocess
import tempfile

# Chromium's own network chatter (updates, sync, field trials) is off: the page is the only traffic.
_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--virtual-time-budget=5000"]


def rendered(url: str) -> str:
    """The DOM of ``url`` after Chromium has loaded it (scripts run, layout done), as HTML."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    assert chromium, "these tests need Chromium: apt-get install chromium (the README's quick start does)"
    with tempfile.TemporaryDirectory(prefix="closure-policy-chromium-") as profile:
        done = subprocess.run([chromium, *_FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "<html" in done.stdout, done.stderr[-2000:]
    return done.stdout
