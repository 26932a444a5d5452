"""Command line: `mailbroker run|check-config|list|show|cancel --config FILE`."""

from __future__ import annotations

import argparse
import logging
import sys

from . import __version__
from .config import ConfigError, load_config
from .model import State

DEFAULT_CONFIG = "/etc/mailbroker/mailbroker.yaml"


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    args.config_given = args.config is not None
    args.config = args.config or DEFAULT_CONFIG
    if args.command is _explain and not args.config_given:
        return _explain(None, args)
    try:
        config = load_config(args.config, resolve_secrets=args.needs_secrets)
    except ConfigError as error:
        print(f"mailbroker: invalid configuration in {args.config}:\n{error}", file=sys.stderr)
        return 2
    return args.command(config, args) or 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mailbroker", description="Double opt-in introductions by email.")
    parser.add_argument("--version", action="version", version=f"mailbroker {__version__}")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    def command(name: str, function, help_text: str, needs_secrets: bool = False) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--config", "-c", default=None,
                         help=f"the YAML configuration file (default {DEFAULT_CONFIG})")
        sub.set_defaults(command=function, needs_secrets=needs_secrets)
        return sub

    command("run", _run, "run the daemon in the foreground, logging to stderr", needs_secrets=True)
    command("check-config", _check_config, "validate the configuration file (passwords included) and exit",
            needs_secrets=True)
    listing = command("list", _list, "list referrals, newest first")
    listing.add_argument("--state", choices=[s.value for s in State], help="only referrals in this state")
    show = command("show", _show, "show one referral and its timeline")
    show.add_argument("ref", help="the referral's reference, e.g. K7Q3XF")
    cancel = command("cancel", _cancel, "cancel an open referral and tell whom it concerns")
    cancel.add_argument("ref", help="the referral's reference")
    command("purge", _purge, "purge the personal data of referrals finished longer ago than data.retention")
    export = command("export", _export, "write the consent records (anonymised once purged) as JSON or CSV")
    export.add_argument("--format", choices=("json", "csv"), default="json")
    export.add_argument("--output", "-o", help="a file to write (default: standard output)")
    explain = command("explain", _explain, "show how the broker reads one message (no state is touched)")
    explain.add_argument("file", help="an .eml file, or - for standard input")
    explain.add_argument("--json", action="store_true", help="print JSON instead of text")
    explain.add_argument("--broker", help="the broker's address (default: from --config, else the message's To)")
    return parser


def _run(config, args) -> int:
    from .daemon import run

    logging.basicConfig(level=config.log.level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # imapclient's debug output is the whole protocol dialogue, passwords aside: too much
    # for the broker's own debug level.
    logging.getLogger("imapclient").setLevel(logging.WARNING)
    run(config)
    return 0


def _check_config(config, args) -> int:
    print(f"{args.config}: OK (broker {config.broker.address}, {len(config.referrers)} referrer pattern(s))")
    return 0


def _open_store(config):
    from .store import Store

    return Store.open(config.state.path)


def _list(config, args) -> int:
    store = _open_store(config)
    rows = store.referrals(State(args.state) if args.state else None)
    if not rows:
        print("no referrals")
    for r in rows:
        answers = " ".join(f"{p.role}={p.answer or '-'}" for p in r.parties)
        print(f"{r.ref}  {r.state:<10}  {r.created_at:%Y-%m-%d %H:%M}  {r.requester.person.address} -> "
              f"{r.target.person.address}  ({answers})")
    return 0


def _show(config, args) -> int:
    store = _open_store(config)
    referral = store.load(args.ref.upper())
    if referral is None:
        print(f"mailbroker: no referral {args.ref}", file=sys.stderr)
        return 1
    r = referral
    print(f"referral {r.ref}: {r.state}")
    print(f"  referrer   {r.referrer.label} <{r.referrer.address}>")
    for p in r.parties:
        print(f"  {p.role:<10} {p.person.label} <{p.person.address}>  answer: {p.answer or '-'}"
              + (f"  note: {p.note!r}" if p.note else ""))
    print(f"  subject    {r.subject}")
    print(f"  created    {r.created_at:%Y-%m-%d %H:%M:%S %Z}")
    print("timeline:")
    for at, what in store.timeline(r.ref):
        print(f"  {at:%Y-%m-%d %H:%M:%S}  {what}")
    return 0


def _cancel(config, args) -> int:
    from .daemon import engine_from

    store = _open_store(config)
    try:
        decision = engine_from(config, store).cancel(args.ref.upper())
    except KeyError:
        print(f"mailbroker: no referral {args.ref}", file=sys.stderr)
        return 1
    print(f"{args.ref.upper()}: {decision.reason or 'nothing to do'}")
    return 0


def _purge(config, args) -> int:
    from .daemon import engine_from

    refs = engine_from(config, _open_store(config)).purge(config.data.retention)
    print(f"purged {len(refs)} referral(s)" + (f": {', '.join(refs)}" if refs else ""))
    return 0


def _export(config, args) -> int:
    import csv
    import json

    records = _open_store(config).consent_records()
    out = open(args.output, "w", newline="", encoding="utf-8") if args.output else sys.stdout
    try:
        if args.format == "json":
            json.dump(records, out, indent=2, ensure_ascii=False)
            out.write("\n")
        else:
            fields = list(records[0]) if records else ["ref"]
            writer = csv.DictWriter(out, fieldnames=fields)
            writer.writeheader()
            writer.writerows(records)
    finally:
        if args.output:
            out.close()
    return 0


def _explain(config, args) -> int:
    from . import mailtext
    from .explain import explain

    try:
        raw = sys.stdin.buffer.read() if args.file == "-" else open(args.file, "rb").read()
    except OSError as error:
        print(f"mailbroker: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 1
    msg = mailtext.parse(raw)
    broker = args.broker or (config.broker.address if config else _addressee(msg))
    result = explain(msg, broker, config.is_allowed_referrer if config else None)
    print(result.as_json() if args.json else result.as_text())
    return 0


def _addressee(msg) -> str:
    """Without a configuration, the broker is whoever the message was sent to."""
    from . import mailtext

    for header in ("Delivered-To", "To"):
        people = mailtext.header_addresses(msg, header)
        if people:
            local, _, domain = people[0].address.partition("@")
            return f"{local.split('+')[0]}@{domain}"
    return ""


if __name__ == "__main__":
    sys.exit(main())
