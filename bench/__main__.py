"""python -m bench [--quick] [--only NAME ...] [--output FILE]

Runs every measurement against the real local mail system (scripts/mailsystem) and
writes the figures, with the command, the machine and the date, to docs/performance.md.
Each measurement that uses the mail system takes the end-to-end tests' lock
(/tmp/mailbroker-e2e.lock) for itself only, so tests and benchmarks take turns.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from . import flows, idle, report, stores

ROOT = Path(__file__).resolve().parent.parent
FULL = {"latency": (200, 10.0), "backlog": 1000, "idle": 60.0, "stores": (10**3, 10**5, 10**6)}
QUICK = {"latency": (50, 10.0), "backlog": 200, "idle": 10.0, "stores": (10**3, 10**4)}
NAMES = ("latency", "backlog", "idle", "stores")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[1])
    parser.add_argument("--quick", action="store_true",
                        help="a short version for development: 50 referrals, a backlog of 200, 10 s idle, "
                             "stores of 10^3 and 10^4 (writes to /var/tmp/mailbroker-bench/ unless --output)")
    parser.add_argument("--only", nargs="+", choices=NAMES, default=NAMES, help="run only these measurements")
    parser.add_argument("--output", type=Path, help="where to write the report (default: docs/performance.md)")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    output = args.output or (stores.CACHE / "performance-quick.md" if args.quick else ROOT / "docs" / "performance.md")
    started = time.monotonic()
    results: dict = {"quick": args.quick, "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
    for name in args.only:
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        results[name] = MEASUREMENTS[name](sizes)
        print(f"bench: {name}: {json.dumps(results[name])}", file=sys.stderr, flush=True)
    results["seconds"] = time.monotonic() - started
    command = "python -m bench" + "".join(f" {shlex.quote(a)}" for a in (argv if argv is not None else sys.argv[1:]))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(report.render(results, command))
    (stores.CACHE / f"last-results{'-quick' if args.quick else ''}.json").write_text(json.dumps(results, indent=2))
    print(f"bench: done in {results['seconds']:.0f} s; report in {output}", file=sys.stderr)
    return 0


def latency(sizes) -> dict:
    count, rate = sizes["latency"]
    return {
        "broker": flows.latency(flows.BrokerSubject(flows.work_directory("latency")), count, rate, answers=True),
        "bare": flows.latency(flows.BareSubject(flows.work_directory("latency-bare"), count), count, rate,
                              answers=False),
    }


def backlog(sizes) -> dict:
    count = sizes["backlog"]
    return {
        "broker": flows.throughput(flows.BrokerSubject(flows.work_directory("backlog")), count),
        "bare": flows.throughput(flows.BareSubject(flows.work_directory("backlog-bare"), count), count),
    }


def idle_cost(sizes) -> dict:
    return idle.measure(sizes["idle"])


def store_scaling(sizes) -> dict:
    return {"sizes": [stores.measure(size) for size in sizes["stores"]]}


MEASUREMENTS = {"latency": latency, "backlog": backlog, "idle": idle_cost, "stores": store_scaling}

if __name__ == "__main__":
    sys.exit(main())
