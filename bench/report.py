"""Turn the benchmark's figures into docs/performance.md: what was measured, how, on
which machine, and whether each target is met."""

from __future__ import annotations

import os
import platform
import re
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from mailbroker import testing as mt

# The targets of the performance work, as the figures are checked against them.
CONSENT_P50 = 1.0  # seconds, delivery to both consent requests
BACKLOG_RATIO = 0.5  # of the bare loop's rate
IDLE_CPU_PER_MINUTE = 0.3  # CPU seconds: no busy loop (a wake-up now and then costs milliseconds)
IDLE_RSS_MB = 80.0
SCALING = 2.0  # largest store's cost over the smallest's

WHERE_THE_TIME_GOES = Path(__file__).with_name("where-the-time-goes.md")


def machine() -> str:
    cpu = "unknown CPU"
    try:
        found = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
        cpu = found.group(1) if found else cpu
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    postfix = _version(["/usr/sbin/postconf", "-c", str(mt.MAILSYSTEM_DIR / "postfix"), "-h", "mail_version"],
                       "Postfix ")
    dovecot = _version(["/usr/sbin/dovecot", "--version"], "Dovecot ")
    return (f"{os.cpu_count()} × {cpu}, {memory:.0f} GiB, Linux {platform.release()}, "
            f"Python {platform.python_version()}, {postfix}, {dovecot}")


def _version(command: list[str], prefix: str) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=10).stdout.split()
        return prefix + (out[0] if out else "?")
    except OSError:
        return prefix + "?"


def met(ok: bool) -> str:
    return "yes" if ok else "**no**"


def render(results: dict, command: str) -> str:
    now = results.get("date") or datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Performance",
        "",
        "Measured by the benchmark in `bench/` against the real local mail system (Postfix and",
        "Dovecot on loopback, `scripts/mailsystem`); this file is written by it.",
        "",
        f"- command: `{command}`" + (" (**quick version**: smaller counts)" if results.get("quick") else ""),
        f"- machine: {machine()}",
        f"- date: {now}; the run took {results.get('seconds', 0):.0f} s",
        "",
        "## Targets",
        "",
        "| figure | measured | target | met? |",
        "| --- | --- | --- | --- |",
    ]
    lines += _targets(results)
    lines += _latency(results.get("latency"))
    lines += _backlog(results.get("backlog"))
    lines += _idle(results.get("idle"))
    lines += _stores(results.get("stores"))
    lines += ["## How it is measured", "", HOW, ""]
    if WHERE_THE_TIME_GOES.exists():
        lines += [WHERE_THE_TIME_GOES.read_text().strip(), ""]
    return "\n".join(lines)


def _targets(results: dict) -> list[str]:
    rows = []
    latency = results.get("latency")
    if latency:
        p50 = latency["broker"]["consent"]["p50"]
        rows.append(f"| delivery → both consent requests, p50 | {p50:.2f} s | ≤ {CONSENT_P50:g} s | "
                    f"{met(p50 <= CONSENT_P50)} |")
    backlog = results.get("backlog")
    if backlog:
        ratio = backlog["broker"]["per_second"] / backlog["bare"]["per_second"]
        rows.append(f"| backlog drain, share of the bare loop's rate | {ratio:.0%} "
                    f"({backlog['broker']['per_second']:.0f} of {backlog['bare']['per_second']:.0f} referrals/s) | "
                    f"≥ {BACKLOG_RATIO:.0%} | {met(ratio >= BACKLOG_RATIO)} |")
    idle = results.get("idle")
    if idle:
        per_minute = idle["cpu_seconds"] * 60 / idle["seconds"]
        rows.append(f"| idle CPU, per minute | {per_minute:.3f} s | ≈ 0 (≤ {IDLE_CPU_PER_MINUTE:g} s) | "
                    f"{met(per_minute <= IDLE_CPU_PER_MINUTE)} |")
        rows.append(f"| idle peak RSS | {idle['peak_rss_mb']:.0f} MB | ≤ {IDLE_RSS_MB:g} MB | "
                    f"{met(idle['peak_rss_mb'] <= IDLE_RSS_MB)} |")
    stores = results.get("stores")
    if stores and len(stores["sizes"]) > 1:
        small, large = stores["sizes"][0], stores["sizes"][-1]
        for key, what in (("route", "routing a reply"), ("sweep", "reminder sweep")):
            ratio = large[key] / small[key]
            rows.append(f"| {what}, {_size(large['size'])} vs {_size(small['size'])} stored | ×{ratio:.2f} | "
                        f"≤ ×{SCALING:g} | {met(ratio <= SCALING)} |")
    return rows + [""]


def _latency(latency: dict | None) -> list[str]:
    if not latency:
        return []
    broker, bare = latency["broker"], latency["bare"]
    c = broker["consent"]
    lines = ["## Latency", "",
             f"{c['n']} referrals delivered into the broker's INBOX at {broker['rate']:g} a second.", "",
             "| from → to | p50 | p95 | p99 | max | bare loop p50 | broker / bare (p50) |",
             "| --- | --- | --- | --- | --- | --- | --- |",
             _latency_row("referral delivered → both consent requests delivered", c, bare["consent"])]
    if "introduction" in broker:
        lines.append(_latency_row("last yes delivered → introduction in all three mailboxes",
                                  broker["introduction"], None))
    return lines + [""]


def _latency_row(what: str, s: dict, bare: dict | None) -> str:
    bare_cells = f"{bare['p50']:.2f} s | ×{s['p50'] / bare['p50']:.2f}" if bare else "– | –"
    return (f"| {what} (n = {s['n']}) | {s['p50']:.2f} s | {s['p95']:.2f} s | {s['p99']:.2f} s | {s['max']:.2f} s | "
            f"{bare_cells} |")


def _backlog(backlog: dict | None) -> list[str]:
    if not backlog:
        return []
    lines = ["## Throughput", "",
             f"{backlog['broker']['count']} referrals waiting in the INBOX (injected over LMTP at "
             f"{backlog['broker']['injection_per_second']:.0f} a second while nothing read it), then the "
             f"process started: time from its start until all {2 * backlog['broker']['count']} consent "
             "requests are delivered.", "",
             "| | seconds | referrals/s | CPU seconds | peak RSS |", "| --- | --- | --- | --- | --- |"]
    for key, name in (("broker", "broker"), ("bare", "bare loop")):
        r = backlog[key]
        lines.append(f"| {name} | {r['seconds']:.1f} | {r['per_second']:.0f} | {r['cpu_seconds']:.1f} | "
                     f"{r['peak_rss_mb']:.0f} MB |")
    ratio = backlog["broker"]["per_second"] / backlog["bare"]["per_second"]
    return lines + ["", f"The broker drains the backlog at {ratio:.0%} of the bare loop's rate.", ""]


def _idle(idle: dict | None) -> list[str]:
    if not idle:
        return []
    return ["## Idle", "",
            f"The daemon connected, in IDLE, nothing to do, watched for {idle['seconds']:g} s after 5 s to settle: "
            f"{idle['cpu_seconds']:.3f} CPU seconds, peak RSS {idle['peak_rss_mb']:.1f} MB.", ""]


def _stores(stores: dict | None) -> list[str]:
    if not stores:
        return []
    lines = ["## Store scaling", "",
             "Median of 7 runs each, on a copy of the store (synchronous=FULL, so each commit waits for the disk).",
             "", "| referrals stored | state file | route a reply | reminder sweep (20 due) |",
             "| --- | --- | --- | --- |"]
    for s in stores["sizes"]:
        lines.append(f"| {_size(s['size'])} | {s['bytes'] / 2**20:.0f} MiB | {s['route'] * 1000:.1f} ms | "
                     f"{s['sweep'] * 1000:.0f} ms |")
    return lines + [""]


def _size(n: int) -> str:
    exponent = len(str(n)) - 1
    return f"10^{exponent}" if n == 10**exponent else f"{n:,}"


HOW = """\
- **Delivery.** Referrals and replies are delivered straight into the broker's INBOX over
  Dovecot's LMTP socket, as Postfix itself delivers; a message counts as delivered when
  LMTP answers 250 after DATA, i.e. when it is in the mailbox (about 3 ms each). The
  broker's own messages go out through Postfix (SMTP on 127.0.0.1:10025) as in production.
- **Arrival.** A thread polls the `new/` directories of the parties' and the referrer's
  maildirs every 10 ms; a message's arrival time is its file's ctime, the moment Dovecot
  renamed it into `new/`, so the polling interval adds nothing to the figures.
- **Latency.** Referrals arrive one at a time at a steady rate, each between a distinct
  pair of the parties p001…p200, every limit raised. Then every party says yes (a reply
  as a mail client writes it, to its `intro+TOKEN` address): first one party of every
  referral, and once those are handled the other, at the same rate; the second figure runs
  from that last yes to the introduction landing in both parties' and the referrer's
  mailboxes. The broker announces new mail through IMAP IDLE, which Dovecot reports about
  half a second after a message lands: that half second is in every figure, the bare
  loop's included.
- **Throughput.** The backlog is injected while nothing reads the mailbox; the clock runs
  from the start of the process (`mailbroker run`, or the bare loop) to the delivery of
  the last consent request, so start-up counts.
- **The bare loop** (`bench/bare.py`) is the physical limit: the same libraries
  (imapclient, aiosmtplib), IDLE, fetches of 50 messages, for each message as many
  messages sent as the broker sends (two consent requests and an acknowledgement) over
  one reused SMTP connection, then the batch moved to a folder — and no parsing, no
  decision, no state.
- **Idle.** The daemon in IDLE with nothing to do; CPU from `/proc/PID/stat`, peak RSS
  from `VmHWM` in `/proc/PID/status`.
- **Store scaling.** States of 10^3, 10^5 and 10^6 referrals written directly in the
  store's schema (1,000 open, the rest closed; a tenth of the closed ones whole with their
  timeline and outbox, the older ones purged), cached in `/var/tmp/mailbroker-bench/`;
  then, through the real `Engine`, `handle` of a party's yes and `tick` with 20
  referrals due for their reminder."""
