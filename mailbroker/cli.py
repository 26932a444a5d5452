"""Command line: `mailbroker run|check-config|status|list|show|cancel|resend|init ... --config FILE`.

Thin on purpose: parsing and printing here, the gathering in admin.py (status, listings,
server checks) and initconfig.py (`init`). Commands that only read open the state
read-only, so they are safe while the daemon runs."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from contextlib import closing
from pathlib import Path

from . import __version__
from .config import ConfigError, load_config
from .hazards import hazards
from .model import State

DEFAULT_CONFIG = "/etc/mailbroker/mailbroker.yaml"


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    args.config_given = args.config is not None
    args.config = args.config or DEFAULT_CONFIG
    if args.command is _init or (args.command in (_explain, _preview) and not args.config_given):
        return args.command(None, args)
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
    check = command("check-config", _check_config, "validate the configuration file (passwords included) and exit",
                    needs_secrets=True)
    check.add_argument("--connect", action="store_true",
                       help="also log in to the IMAP server (selecting the watched folder) and the SMTP server")
    status = command("status", _status, "is the daemon alive; mailbox contact, outbox, referrals, suppressions "
                                        "(exit status 0 when it runs, 3 when not)")
    status.add_argument("--json", action="store_true", help="print JSON instead of text")
    listing = command("list", _list, "list referrals, newest first")
    listing.add_argument("--state", choices=[s.value for s in State], help="only referrals in this state")
    listing.add_argument("--json", action="store_true", help="print JSON instead of text")
    show = command("show", _show, "show one referral, its timeline and every message in and out")
    show.add_argument("ref", help="the referral's reference, e.g. K7Q3XF")
    show.add_argument("--json", action="store_true", help="print JSON instead of text")
    cancel = command("cancel", _cancel, "cancel an open referral and tell whom it concerns")
    cancel.add_argument("ref", help="the referral's reference")
    resend = command("resend", _resend, "send the consent request once more to the parties of a pending "
                                        "referral who have not answered (once per referral)")
    resend.add_argument("ref", help="the referral's reference")
    suppress = command("suppress", _suppress, "never write to an address again (as if they had said stop)")
    suppress.add_argument("address")
    suppress.add_argument("--reason", default="added by an operator", help="kept with the address")
    unsuppress = command("unsuppress", _unsuppress, "take an address off the suppression list "
                                                    "(only at the person's own request)")
    unsuppress.add_argument("address")
    _init_arguments(command("init", _init, "write a first configuration file (and copy the templates)"))
    command("migrate", _migrate, "create the state database's tables, or bring them up to date "
                                 "(the daemon does it too when it starts)")
    command("purge", _purge, "purge the personal data of referrals finished longer ago than data.retention")
    export = command("export", _export, "write the consent records (anonymised once purged) as JSON or CSV")
    export.add_argument("--format", choices=("json", "csv"), default="json")
    export.add_argument("--output", "-o", help="a file to write (default: standard output)")
    explain = command("explain", _explain, "show how the broker reads one message (no state is touched)")
    explain.add_argument("file", help="an .eml file, or - for standard input")
    explain.add_argument("--json", action="store_true", help="print JSON instead of text")
    explain.add_argument("--broker", help="the broker's address (default: from --config, else the message's To)")
    preview = command("preview", _preview, "show one of the broker's messages with sample people "
                      "(the templates of templates.directory with --config, else the built-in ones)")
    preview.add_argument("name", help="the message, e.g. consent_request, introduction (`list` to list them)")
    preview.add_argument("--lang", choices=("en", "fr"), default="en")
    preview.add_argument("--html", action="store_true", help="show the HTML alternative instead of the text")
    return parser


def _run(config, args) -> int:
    from .daemon import run
    from .logs import configure

    configure(config.log.level, config.log.format)
    for hazard in hazards(config, args.config):
        logging.getLogger("mailbroker").warning("%s", hazard)
    run(config)
    return 0


def _check_config(config, args) -> int:
    for mailbox in config.all_mailboxes:
        if not _check_templates(mailbox):
            return 2
        print(f"{args.config}: OK (broker {mailbox.broker.address}, {len(mailbox.referrers)} referrer pattern(s))")
    for hazard in hazards(config, args.config):
        print(f"warning: {hazard}", file=sys.stderr)
    if not args.connect:
        return 0
    return max(_check_servers(mailbox) for mailbox in config.all_mailboxes)


def _check_templates(mailbox) -> bool:
    from .preview import problems
    from .wording import Wording

    wording = Wording(mailbox.templates.directory)
    broken = problems(wording, html=mailbox.templates.html)
    if broken:
        print(f"mailbroker: templates in {mailbox.templates.directory} cannot be used:", file=sys.stderr)
        for problem in broken:
            print(f"  {problem}", file=sys.stderr)
        return False
    for stray in wording.strays():
        print(f"warning: {mailbox.templates.directory / stray} overrides no template (a misspelt name?)",
              file=sys.stderr)
    return True


def _check_servers(mailbox) -> int:
    import asyncio

    from .admin import check_imap, check_smtp, check_verdicts

    steps = [check_imap(mailbox.imap), asyncio.run(check_smtp(mailbox.smtp))]
    if steps[0].ok:
        steps.append(check_verdicts(mailbox.imap, mailbox.authentication))
    for step in steps:
        print(f"{step.name}: {'OK' if step.ok else 'FAILED'} — {step.detail}")
    return 0 if all(step.ok for step in steps) else 1


def _preview(config, args) -> int:
    from .preview import names, show
    from .wording import Wording

    if args.name == "list":
        print("\n".join(names()))
        return 0
    wording = Wording(config.templates.directory if config else None)
    try:
        print(show(args.name, args.lang, wording, html=args.html), end="")
    except KeyError as error:
        print(f"mailbroker: {error.args[0]}", file=sys.stderr)
        return 2
    return 0


def _open_store(config):
    from .store import Store

    return Store.open(config.state.location)


def _read_store(config):
    """The state, read-only (safe while the daemon runs); None, said on stderr, when
    there is no state file yet."""
    import sqlite3

    from .store import Store, StoreError, shown

    try:
        return Store.open_readonly(config.state.location)
    except FileNotFoundError:
        print(f"mailbroker: no state file at {config.state.path} yet: the broker has not run with this "
              "configuration (start it with `mailbroker run`)", file=sys.stderr)
    except sqlite3.Error as error:
        print(f"mailbroker: cannot read the state file {config.state.path} ({error}): run this command as the "
              "broker's user (or root)", file=sys.stderr)
    except StoreError as error:
        print(f"mailbroker: cannot read the state database {shown(config.state.location)}: {error}", file=sys.stderr)
    return None


def _json(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def _status(config, args) -> int:
    from .admin import RUNNING, status, status_text
    from .engine import utcnow

    store = _read_store(config)
    if store is None:
        return 3
    with closing(store):
        report = status(config, store, utcnow())
    print(_json(report) if args.json else status_text(report))
    return 0 if report["daemon"]["state"] == RUNNING else 3


def _list(config, args) -> int:
    from .admin import referral_summary

    store = _read_store(config)
    if store is None:
        return 1
    with closing(store):
        rows = store.referrals(State(args.state) if args.state else None)
    if args.json:
        print(_json([referral_summary(r) for r in rows]))
        return 0
    if not rows:
        print("no referrals")
    for r in rows:
        answers = " ".join(f"{p.role}={p.answer or '-'}" for p in r.parties)
        print(f"{r.ref}  {r.state:<10}  {r.created_at:%Y-%m-%d %H:%M}  {r.requester.person.address} -> "
              f"{r.target.person.address}  ({answers})")
    return 0


def _show(config, args) -> int:
    from .admin import detail_text, referral_detail

    store = _read_store(config)
    if store is None:
        return 1
    with closing(store):
        referral = store.load(args.ref.upper())
        if referral is None:
            print(f"mailbroker: no referral {args.ref}", file=sys.stderr)
            return 1
        detail = referral_detail(store, referral)
    print(_json(detail) if args.json else detail_text(detail))
    return 0


def _engine_for(config, ref: str):
    """The engine of the mailbox that `ref` belongs to: what it sends about the referral
    comes from that mailbox's address, in its wording, through its outbox."""
    from .watcher import engine_from

    store = _open_store(config)
    store.mailbox = store.mailbox_of(ref) or ""
    return engine_from(config.mailbox_by_key(store.mailbox) or config, store)


def _cancel(config, args) -> int:
    try:
        decision = _engine_for(config, args.ref.upper()).cancel(args.ref.upper())
    except KeyError:
        print(f"mailbroker: no referral {args.ref}", file=sys.stderr)
        return 1
    print(f"{args.ref.upper()}: {decision.reason or 'nothing to do'}")
    return 0


def _suppress(config, args) -> int:
    from .config import ConfigError, _email
    from .engine import utcnow

    try:
        address = _email(args.address)
    except (ConfigError, ValueError) as error:
        print(f"mailbroker: {args.address!r} is not an email address: {error}", file=sys.stderr)
        return 2
    store = _open_store(config)
    with store.transaction():
        already = bool(store.suppressed([address]))
        store.suppress(address, args.reason, utcnow())
    print(f"{address}: {'already on' if already else 'added to'} the suppression list; no request will reach it")
    return 0


def _unsuppress(config, args) -> int:
    store = _open_store(config)
    with store.transaction():
        removed = store.unsuppress(args.address.strip())
    if not removed:
        print(f"mailbroker: {args.address} is not on the suppression list", file=sys.stderr)
        return 1
    print(f"{args.address.strip()}: taken off the suppression list")
    return 0


def _resend(config, args) -> int:
    from .engine import ResendRefused

    ref = args.ref.upper()
    engine = _engine_for(config, ref)
    try:
        decision = engine.resend(ref)
    except KeyError:
        print(f"mailbroker: no referral {args.ref}", file=sys.stderr)
        return 1
    except ResendRefused as refused:
        print(f"mailbroker: not resent: {refused}", file=sys.stderr)
        return 1
    finally:
        engine.store.close()
    recipients = ", ".join(person.address for out in decision.outgoing for person in out.to)
    print(f"{ref}: {decision.reason}; queued for {recipients} (the daemon sends it on its next turn)")
    return 0


def _init_arguments(init: argparse.ArgumentParser) -> None:
    init.description += (f". --config is the file to write (default {DEFAULT_CONFIG}). Missing required values "
                         "are asked for in a terminal; otherwise they must be given as options.")
    init.add_argument("--address", help="the broker's own email address, e.g. intro@example.com")
    init.add_argument("--imap-host", help="the IMAP server (TLS, port 993; edit the file for others)")
    init.add_argument("--smtp-host", help="the SMTP server (TLS, port 465; edit the file for others)")
    init.add_argument("--username", help="IMAP login name (default: the broker's address)")
    init.add_argument("--smtp-username", help="SMTP login name, when the SMTP server wants a login "
                                              "(password from MAILBROKER_SMTP_PASSWORD, or --password-file)")
    init.add_argument("--referrer", action="append", default=[], metavar="R",
                      help="who may ask for introductions: an address or \"*@domain\" (repeat for several)")
    init.add_argument("--password-file", metavar="PATH",
                      help="read the password from this file (default: the environment variable "
                           "MAILBROKER_IMAP_PASSWORD); it is never written into the configuration")
    init.add_argument("--state", metavar="PATH", help="the state database (default /var/lib/mailbroker/state.sqlite3)")
    init.add_argument("--templates", metavar="DIR", help="also copy the message templates into DIR, to customise them")
    init.add_argument("--force", action="store_true", help="replace an existing configuration file or templates")


def _init(config, args) -> int:
    from . import initconfig as ic

    values = {"address": args.address, "imap_host": args.imap_host, "smtp_host": args.smtp_host,
              "referrers": [r.strip() for r in args.referrer if r.strip()]}
    missing = ic.missing(values)
    if missing and not sys.stdin.isatty():
        print("mailbroker init: missing " + ", ".join(option for _, option, _ in missing)
              + ": give them as options (or run init in a terminal to be asked)", file=sys.stderr)
        return 2
    for key, _, question in missing:
        answer = ""
        while not answer.strip():
            try:
                answer = input(f"{question}: ")
            except EOFError:
                print(file=sys.stderr)
                return 2
        values[key] = [r.strip() for r in answer.split(",") if r.strip()] if key == "referrers" else answer.strip()
    def absolute(path: str | None) -> Path | None:
        # Relative paths in the file would be read relative to the file, not to here.
        return Path(path).expanduser().absolute() if path else None

    path, templates = absolute(args.config), absolute(args.templates)
    settings = ic.Settings(**values, username=args.username or "", smtp_username=args.smtp_username or "",
                           password_file=str(absolute(args.password_file) or ""),
                           state=str(absolute(args.state) or ic.DEFAULT_STATE), templates=str(templates or ""))
    try:
        ic.check_config_target(path, force=args.force)
        if templates:
            ic.check_templates_target(templates, force=args.force)
            copied = ic.copy_templates(templates, force=args.force)
            print(f"copied {len(copied)} templates into {templates} (templates.directory in the configuration)")
        ic.write_config(settings, path, force=args.force)
    except (ic.InitError, OSError) as error:
        print(f"mailbroker init: {error}", file=sys.stderr)
        return 1
    print(f"wrote {path} (it holds no password)")
    source = (f"put the IMAP password in {settings.password_file} (chmod 600)" if settings.password_file
              else f"set {ic.IMAP_PASSWORD_ENV} to the IMAP password in the broker's environment")
    print(f"next: {source}, review the file, then run\n"
          f"  mailbroker check-config --connect --config {path}")
    return 0


def _migrate(config, args) -> int:
    from .store import SCHEMA_VERSION, Store, StoreError, shown

    try:
        store = Store.open(config.state.location)
    except StoreError as error:
        print(f"mailbroker: {shown(config.state.location)}: {error}", file=sys.stderr)
        return 1
    store.close()
    was = {None: "created", 0: "upgraded from a schema without a version",
           SCHEMA_VERSION: "already up to date"}.get(store.migrated_from, f"upgraded from {store.migrated_from}")
    print(f"{shown(config.state.location)}: schema version {SCHEMA_VERSION} ({was})")
    return 0


def _purge(config, args) -> int:
    from .watcher import engine_from

    refs = engine_from(config, _open_store(config)).purge(config.data.retention)
    print(f"purged {len(refs)} referral(s)" + (f": {', '.join(refs)}" if refs else ""))
    return 0


def _export(config, args) -> int:
    import csv

    store = _read_store(config)
    if store is None:
        return 1
    with closing(store):
        records = store.consent_records()
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
    result = explain(msg, broker, config.is_allowed_referrer if config else None,
                     config.authentication if config else None)
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
