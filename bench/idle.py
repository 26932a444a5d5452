"""Idle cost: the daemon with IDLE on and nothing to do, after 5 s to settle, watched
for a while: CPU seconds (utime + stime from /proc/PID/stat) and peak RSS (VmHWM)."""

from __future__ import annotations

import time

from . import flows, mail


def measure(seconds: float) -> dict:
    with mail.mail_system():
        broker = mail.broker(flows.work_directory("idle"))
        broker.start()
        try:
            mail.wait_connected(broker)
            time.sleep(5.0)
            pid = broker.process.pid
            before = flows.cpu_seconds(pid)
            time.sleep(seconds)
            cpu = flows.cpu_seconds(pid) - before
            rss = flows.peak_rss_mb(pid)
        finally:
            broker.stop()
    return {"seconds": seconds, "cpu_seconds": cpu, "peak_rss_mb": rss}
