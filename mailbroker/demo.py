"""Try the broker by hand against the local mail system of the quick start.

    python -m mailbroker.demo request            the referrer asks to introduce alice to bob
    python -m mailbroker.demo answer referrer yes  the referrer confirms they sent it
    python -m mailbroker.demo answer alice yes   alice answers her consent request
    python -m mailbroker.demo inbox bob          what bob's mailbox holds

Everything stays on 127.0.0.1, in the example.test domain of `scripts/mailsystem`. The
quick start's broker is demo@example.test: the tests run their own brokers on
intro@example.test, so both can run at the same time.
"""

from __future__ import annotations

import argparse
import sys

from . import testing as mt

# The broker of the quick start (scripts/quickstart), apart from the tests' intro@.
BROKER = mt.address("demo")


def request() -> None:
    msg = mt.gmail_forward(
        "Hi! Could you introduce Alice to Bob Stone <bob@example.test>? Bob and I built the payments "
        "platform at Acme together in 2021; Alice is hiring a payments lead.",
        author=mt.address("alice"), author_name="Alice Martin", subject="Looking for a payments lead",
        body="Hi Rita,\n\nDo you know anyone who has run a payments team? I'd love an intro.\n\nAlice")
    msg.replace_header("To", BROKER)
    mt.submit(msg)
    print(f"sent: referrer@example.test asks {BROKER} to introduce alice to bob\n"
          "The local mail system signs nothing, so the broker asks the referrer whether they sent it:\n"
          "  python -m mailbroker.demo answer referrer yes")


def answer(user: str, text: str) -> int:
    with mt.Mailbox(user) as box:
        asks = [m for m in box.messages() if f"{BROKER.split('@')[0]}+" in str(m["Reply-To"])]
    if not asks:
        print(f"{user} has no message from the broker to answer yet", file=sys.stderr)
        return 1
    mt.submit(mt.reply(asks[-1], mt.address(user), text))
    print(f"sent: {user} answers {text!r} to {asks[-1]['Subject']}")
    return 0


def inbox(user: str) -> None:
    with mt.Mailbox(user) as box:
        messages = box.messages()
    for m in messages:
        print(f"{m['Date']}  {m['From']}\n    {m['Subject']}")
    print(f"({len(messages)} message(s) for {user})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mailbroker.demo", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("request", help="send a sample introduction request as the referrer")
    ans = commands.add_parser("answer", help="answer the latest question of the broker to USER")
    ans.add_argument("user", choices=[u for u in mt.USERS if u not in ("intro", "demo")])
    ans.add_argument("text", nargs="+", help="what the party writes, e.g. yes")
    box = commands.add_parser("inbox", help="list a user's INBOX")
    box.add_argument("user", choices=mt.USERS)
    args = parser.parse_args(argv)
    if args.command == "request":
        request()
    elif args.command == "answer":
        return answer(args.user, " ".join(args.text))
    else:
        inbox(args.user)
    return 0


if __name__ == "__main__":
    sys.exit(main())
