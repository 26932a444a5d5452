"""How well the broker reads real mail: one figure per labelled set.

    python -m mailbroker.accuracy [--corpus DIR] [--labelled DIR] [--verbose]

The sets:

1. replies: parties' answers to a consent request (tests/labelled/replies, labels.tsv),
   read with `replies.read_reply`. Right when the answer matches, and for a yes when the
   note matches loosely (same words, give or take a few of courtesy). A "false yes" is a
   reply read as yes that is not one: the worst mistake the broker can make.
2. referrals: referrers' messages (tests/labelled/referrals), read with
   `intake.read_request`. Right when the kind matches and the requester and target (or
   the error code) are the expected ones.
3. forwards: the public forward corpus (crisp-oss email-forward-parser, closeio
   quotequail): the author of the forwarded message is found (and a message that is no
   forward is not taken for one).
4. automatic: every automatic reply of the corpus is recognised by
   `automatic.automatic_reason`; ordinary mail written by people (corpus replies, the
   labelled replies and referrals) is counted as a false positive when it is taken
   for automatic.
5. bounces (when `mailbroker.bounces` exists): the sisimai delivery reports are
   recognised, with the failed recipient read right.
6. held-out replies and referrals (tests/labelled/holdout): the same two readings on
   sets written before the readers were tuned on them, in client layouts the first
   sets do not have; shown as separate rows, so that a figure tuned to its own set
   and one on mail never seen are not mixed.
7. notes (tests/labelled/independent/notes_dev, notes_a, notes_b): referrers' notes
   written independently of the reader, forwarded as real mail, read with
   `intake.read_request`. Right when the intent is: a request (the right requester and
   target, not a decline), a decline (the right requester), or a question back to the
   referrer (the error "unclear_intent"). The "false yes" column of these rows counts
   the third parties contacted: a note that asked for a decline, or should have been
   asked about, read as a request to introduce someone: the worst mistake a note
   can cause. notes_b is held out: only its figures are ever looked at.
8. independent replies (tests/labelled/independent: shared_dev, replies_a/b,
   structural_a/b, adversarial_c, final_d1/d2/d3, last_e1, held_f): consent replies written
   from a brief by authors who had not read the reader, sent through every client
   layout; structural_* are whole messages whose layout is the trap (an answer between
   quoted lines, text hidden in the HTML, an auto-reply without its headers);
   adversarial_c was written to break the reader. Right when the answer is the label or
   one of its `also_ok`. Sets B, C, D1-D3, E1 and F were each held out until a first
   scoring, then tuned on; their first figures are in tests/unit/test_accuracy.py.

Every reply row shows its "yes recall": of the clear yeses (labelled yes, unclear not
allowed), how many were read as yes. The reader is precise first: a false yes fails the
tests at once; a genuine yes read as unclear costs one more message.

Each set is a function returning a `Result`; sets whose data is absent are skipped.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import automatic, intake, mailtext, replies
from .model import Answer, IntakeError, ReferralRequest

ROOT = Path(__file__).resolve().parents[1]
LABELLED = ROOT / "tests" / "labelled"
CORPUS = Path(os.environ.get("MAILBROKER_CORPUS", ROOT.parent / "shared" / "corpus"))
BROKER = "intro@example.test"


@dataclass
class Result:
    name: str
    total: int = 0
    correct: int = 0
    false_yes: int = 0
    yeses: int = 0  # replies whose label is yes, and not also_ok unclear (a clear yes)
    yeses_read: int = 0  # of those, read as yes: the recall of yes
    false_positives: int = 0  # automatic: ordinary mail taken for automatic
    checked_negatives: int = 0  # automatic: how many ordinary messages were checked
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (file, expected, got)

    @property
    def accuracy(self) -> float:
        return 100.0 * self.correct / self.total if self.total else 0.0

    def count(self, ok: bool, name: str, expected: str, got: str) -> None:
        self.total += 1
        if ok:
            self.correct += 1
        else:
            self.failures.append((name, expected, got))


def _labels(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def _read(path: Path):
    return mailtext.parse(path.read_bytes())


# --- 1. Consent replies ------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", mailtext.fold(text))


def note_matches(expected: str, got: str) -> bool:
    """Loose: the expected words in a row, with at most four more words around them (a
    leftover "thanks", a name); an expected empty note allows a few leftover words."""
    want, have = _words(expected.replace("\\n", "\n")), _words(got)
    if not want:
        return len(have) <= 6
    if len(have) - len(want) > 4:
        return False
    return any(have[i : i + len(want)] == want for i in range(len(have) - len(want) + 1))


def consent_replies(labelled: Path = LABELLED, folder: str = "replies", name: str = "consent replies") -> Result | None:
    folder = labelled / folder
    if not (folder / "labels.tsv").exists():
        return None
    result = Result(name)
    for row in _labels(folder / "labels.tsv"):
        reply = replies.read_reply(_read(folder / row["file"]))
        expected, got = row["answer"], str(reply.answer)
        ok = got == expected or got in (row.get("also_ok") or "").split(",")
        if expected == "yes" and "unclear" not in (row.get("also_ok") or ""):
            result.yeses += 1  # a clear yes: its labeller did not allow unclear for it
            result.yeses_read += reply.answer is Answer.YES
        if ok and got == expected == "yes" and "note" in row and not note_matches(row["note"], reply.note):
            ok = False
            got = f"yes, note {reply.note!r}"
            expected = f"yes, note {row['note']!r}"
        if reply.answer is Answer.YES and row["answer"] != "yes":
            result.false_yes += 1
        result.count(ok, row["file"], expected, got if ok else f"{got} ({reply.fresh_text[:80]!r})")
    return result


# --- 2. Referrals ----------------------------------------------------------------------------


def referrals(labelled: Path = LABELLED, folder: str = "referrals", name: str = "referrals") -> Result | None:
    folder = labelled / folder
    if not (folder / "labels.tsv").exists():
        return None
    result = Result(name)
    for row in _labels(folder / "labels.tsv"):
        found = intake.read_request(_read(folder / row["file"]), BROKER)
        if row["kind"] == "error":
            expected = f"error {row['error']}"
        else:
            expected = f"request {row['requester']} -> {row['target']}"
        result.count(_reading(found).casefold() == expected.casefold(), row["file"], expected, _shown(found))
    return result


def _reading(found: ReferralRequest | IntakeError) -> str:
    """What intake made of a referrer's message, in the words of the labels."""
    if isinstance(found, IntakeError):
        return f"error {found.code}"
    if found.decline:
        return f"decline {found.requester.address}"
    return f"request {found.requester.address} -> {found.target.address}"


def _shown(found: ReferralRequest | IntakeError) -> str:
    detail = found.detail if isinstance(found, IntakeError) else ""
    return _reading(found) + (f" ({detail})" if detail else "")


# --- Referrer notes: request, decline or ask -----------------------------------------------


def notes(labelled: Path = LABELLED, folder: str = "independent/notes_dev", name: str = "notes dev") -> Result | None:
    """Referrers' notes: request, decline or "unclear_intent" (see the module docstring).

    `false_yes` counts the third parties contacted: a decline or an unclear note read
    as a request."""
    folder = labelled / folder
    if not (folder / "labels.tsv").exists():
        return None
    result = Result(name)
    for row in _labels(folder / "labels.tsv"):
        found = intake.read_request(_read(folder / row["file"]), BROKER)
        kind = row["kind"]
        expected = {
            "request": f"request {row['requester']} -> {row['target']}",
            "decline": f"decline {row['requester']}",
        }.get(kind, "error unclear_intent")
        got = _shown(found)
        if kind != "request" and _reading(found).startswith("request"):
            result.false_yes += 1
            got += " (third party contacted)"
        result.count(_reading(found).casefold() == expected.casefold(), row["file"], expected, got)
    return result


# --- 3. The public forward corpus ------------------------------------------------------------


def forwards(corpus: Path = CORPUS) -> Result | None:
    crisp = corpus / "crisp-oss+email-forward-parser"
    quotequail = corpus / "closeio+quotequail"
    if not (crisp / "EXPECTED_from_tests.json").exists():
        return None
    result = Result("corpus forwards")
    for case in json.loads((crisp / "EXPECTED_from_tests.json").read_text())["cases"]:
        body = mailtext.normalize((crisp / case["body_file"]).read_bytes().decode("utf-8"))
        subject = (crisp / case["subject_file"]).read_text().strip() if case["subject_file"] else ""
        expected = case["expected"]
        author = (expected.get("from") or {}) if expected["forwarded"] else None
        name = f"{case['body_file'].rsplit('/', 1)[-1]}{'+' + case['subject_file'].rsplit('/', 1)[-1] if subject else ''}"
        _count_forward(result, name, intake.find_forward(body, subject), author)
    cases = quotequail / "EXPECTED_inline_cases.json"
    if cases.exists():
        data = json.loads(cases.read_text())
        for number, case in enumerate(data["cases"]):
            expected = case["expected"]
            if not case["test"].startswith("test_unwrap") or not isinstance(expected, dict):
                continue
            if expected.get("type") != "forward":
                continue
            if "text" in case:
                text = mailtext.normalize(case["text"])
            elif "html" in case:
                text = mailtext.html_to_text(case["html"])
            else:
                path = quotequail / "tests" / "files" / case["file"]
                text = mailtext.html_to_text(path.read_text(encoding="utf-8"))
            author = _quotequail_author(expected.get("from") or "")
            _count_forward(result, f"quotequail #{number}", intake.find_forward(text, "Fwd: x"), author)
        for case in data.get("file_cases", []):
            if case["expected"].get("type") != "forward":
                continue
            text = mailtext.html_to_text((quotequail / case["file"]).read_text(encoding="utf-8"))
            author = _quotequail_author(case["expected"].get("from") or "")
            _count_forward(result, case["file"].rsplit("/", 1)[-1], intake.find_forward(text, "Fwd: x"), author)
    return result


def _quotequail_author(value: str) -> dict:
    people = mailtext.people_in(value)
    if people:
        return {"address": people[0].address}
    return {"name": mailtext.clean_name(value)} if value else {}


def _count_forward(result: Result, name: str, found, author: dict | None) -> None:
    """`author` is None for a message that is no forward; else its address or name."""
    if author is None:
        result.count(found is None, name, "no forward", "forward" if found else "no forward")
        return
    if found is None:
        result.count(False, name, author.get("address") or author.get("name") or "?", "no forward")
        return
    got_address = found.author.address if found.author else None
    if author.get("address"):
        ok = got_address is not None and got_address.casefold() == author["address"].casefold()
        result.count(ok, name, author["address"], str(got_address))
    else:
        want = author.get("name") or ""
        ok = mailtext.fold(found.author_name) == mailtext.fold(want) if want else True
        result.count(ok, name, want, found.author_name)


# --- 4. Automatic replies --------------------------------------------------------------------


def automatic_replies(corpus: Path = CORPUS, labelled: Path = LABELLED) -> Result | None:
    sisimai = corpus / "sisimai+set-of-emails" / "maildir" / "bsd"
    if not sisimai.exists():
        return None
    result = Result("automatic replies")
    known = sorted(sisimai.glob("rfc3834-*.eml"))
    non_bounces = corpus / "ronbeltran+bounce_email" / "tests" / "non_bounces"
    # The non-bounces that are automatic replies (the third is a person's circular).
    known += [non_bounces / "tt_1234210666.txt", non_bounces / "tt_1234211024.txt"]
    known.append(corpus / "gitlabhq+gitlabhq" / "spec" / "fixtures" / "emails" / "auto_reply.eml")
    for path in known:
        if path.exists():
            reason = automatic.automatic_reason(_read(path))
            result.count(reason is not None, path.name, "automatic", reason or "not recognised")
    for name, msg in _ordinary_replies(corpus, labelled):
        result.checked_negatives += 1
        reason = automatic.automatic_reason(msg)
        if reason is not None:
            result.false_positives += 1
            result.failures.append((name, "ordinary", f"automatic ({reason})"))
    return result


def _ordinary_replies(corpus: Path, labelled: Path):
    """Mail people wrote: the corpus replies (whole messages where the corpus has them,
    bodies under plain headers otherwise, as a party's client would send them), and the
    labelled consent replies and referrals."""
    talon = corpus / "mailgun+talon" / "tests" / "fixtures" / "standard_replies"
    for path in sorted(talon.glob("*.eml")):
        yield path.name, _read(path)
    for path in sorted((corpus / "fiedl+extended_email_reply_parser" / "spec" / "email_fixtures").glob("*.eml")):
        yield path.name, _read(path)
    for folder in ("github+email_reply_parser/test/emails", "zapier+email-reply-parser/test/emails",
                   "willdurand+EmailReplyParser/tests/Fixtures", "crisp-oss+email-reply-parser/test/fixtures"):
        for path in sorted((corpus / folder).glob("*.txt")):
            if path.stat().st_size > 100_000:
                continue
            head = (
                "From: Jane Doe <jane@globex.test>\nTo: intro+Kq3vT9xWmZp2@example.test\n"
                "Subject: Re: Introduction to Bob Stone? [K7Q-3XF]\nContent-Type: text/plain; charset=utf-8\n\n"
            )
            yield f"{folder.split('+')[0]}/{path.name}", mailtext.parse(head.encode() + path.read_bytes())
    for folder in ("replies", "referrals", "holdout/replies", "holdout/referrals"):  # answers and requests
        labels = labelled / folder / "labels.tsv"
        if labels.exists():
            for row in _labels(labels):
                yield row["file"], _read(labelled / folder / row["file"])


# --- 5. Bounces ------------------------------------------------------------------------------


def bounce_reports(corpus: Path = CORPUS) -> Result | None:
    """The sisimai bounces, read by `mailbroker.bounces.read_bounce` when it exists.

    Right when a bounce is read and every expected failed recipient is among its
    failures. The expected recipients are those of tests/fixtures/bounces (derived with
    Sisimai) when present, else those the report's own DSN fields name.
    """
    try:
        bounces = importlib.import_module("mailbroker.bounces")
    except ImportError:
        return None
    reader = getattr(bounces, "read_bounce", None)
    sisimai = corpus / "sisimai+set-of-emails"
    if reader is None or not (sisimai / "EXPECTED_sisimai.json").exists():
        return None
    expected = json.loads((sisimai / "EXPECTED_sisimai.json").read_text())["expected"]
    truth_file = ROOT / "tests" / "fixtures" / "bounces" / "sisimai+set-of-emails" / "EXPECTED_recipients.json"
    truth = json.loads(truth_file.read_text())["expected"] if truth_file.exists() else {}
    result = Result("bounces")
    for name, entry in sorted(expected.items()):
        reasons = {r["reason"] for r in entry["recipients"]}
        if reasons <= {"vacation", "feedback", "delivered"} or not (sisimai / name).exists():
            continue  # auto-replies, complaints and "delivered" reports are no failures
        msg = _read(sisimai / name)
        if name in truth:
            wanted = [{r["address"].casefold(), *(a.casefold() for a in r.get("also", []))}
                      for r in truth[name]["recipients"]]
        else:
            wanted = [{address} for address in _reported_recipients(msg)]
        got = _bounce_recipients(reader(msg))
        shown = ", ".join(sorted(min(names) for names in wanted)) or "a bounce"
        ok = bool(got) and all(names & got for names in wanted)
        result.count(ok, name, shown, ", ".join(sorted(got)) or "not recognised")
    return result


def _bounce_recipients(bounce) -> set[str]:
    """The failed recipients of what `read_bounce` returned (None: not a bounce)."""
    failures = getattr(bounce, "failures", None) or ()
    return {str(getattr(failure, "recipient", "")).casefold() for failure in failures} - {""}


_RECIPIENT_FIELD = re.compile(r"^(?:Final|Original)-Recipient:\s*(?:rfc822;)?\s*<?([^\s<>;]+@[^\s<>;]+)>?", re.I | re.M)


def _reported_recipients(msg) -> set[str]:
    """The recipients a standard report names (Final-/Original-Recipient, X-Failed-
    Recipients); empty for the many servers that only write prose."""
    found = {a.casefold() for a in re.findall(r"[^\s,<>]+@[^\s,<>]+", mailtext.header_text(msg, "X-Failed-Recipients"))}
    for part in msg.walk():
        if part.get_content_type() in ("message/delivery-status", "message/global-delivery-status"):
            payload = part.get_payload()
            texts = [p.as_string() for p in payload] if isinstance(payload, list) else [str(payload)]
            for text in texts:
                found |= {a.casefold().rstrip(".") for a in _RECIPIENT_FIELD.findall(text)}
    return found


# --- Command line ----------------------------------------------------------------------------


def run(corpus: Path = CORPUS, labelled: Path = LABELLED) -> list[Result]:
    sets = (
        consent_replies(labelled),
        referrals(labelled),
        consent_replies(labelled, "holdout/replies", "held-out replies"),
        referrals(labelled, "holdout/referrals", "held-out referrals"),
        consent_replies(labelled, "independent/shared_dev", "replies dev"),
        consent_replies(labelled, "independent/replies_a", "replies A"),
        consent_replies(labelled, "independent/structural_a", "structural A"),
        consent_replies(labelled, "independent/replies_b", "replies B"),
        consent_replies(labelled, "independent/structural_b", "structural B"),
        consent_replies(labelled, "independent/adversarial_c", "adversarial C"),
        consent_replies(labelled, "independent/final_d1", "replies D1"),
        consent_replies(labelled, "independent/final_d2", "adversarial D2"),
        consent_replies(labelled, "independent/final_d3", "structural D3"),
        consent_replies(labelled, "independent/last_e1", "replies E1"),
        consent_replies(labelled, "independent/held_f", "replies F"),
        notes(labelled, "independent/notes_dev", "notes dev"),
        notes(labelled, "independent/notes_a", "notes A"),
        notes(labelled, "independent/notes_b", "notes B"),
        forwards(corpus),
        automatic_replies(corpus, labelled),
        bounce_reports(corpus),
    )
    return [result for result in sets if result is not None]


def report(results: list[Result], verbose: bool = False) -> str:
    lines = [f"{'set':<20} {'N':>5} {'correct':>8} {'accuracy':>9} {'false yes':>10} {'yes recall':>11} "
             f"{'false pos':>10}"]
    for r in results:
        fp = f"{r.false_positives}/{r.checked_negatives}" if r.checked_negatives else "-"
        recall = f"{100.0 * r.yeses_read / r.yeses:.1f}%" if r.yeses else "-"
        lines.append(f"{r.name:<20} {r.total:>5} {r.correct:>8} {r.accuracy:>8.1f}% {r.false_yes:>10} {recall:>11} "
                     f"{fp:>10}")
    if verbose:
        for r in results:
            if r.failures:
                lines.append(f"\n{r.name}: {len(r.failures)} failure(s)")
                lines.extend(f"  {name}: expected {expected}; got {got}" for name, expected, got in r.failures)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mailbroker.accuracy", description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the public corpus folder (shared/corpus)")
    parser.add_argument("--labelled", type=Path, default=LABELLED, help="the labelled sets (tests/labelled)")
    parser.add_argument("--verbose", "-v", action="store_true", help="list every failure")
    args = parser.parse_args(argv)
    print(report(run(args.corpus, args.labelled), args.verbose))
    return 0


if __name__ == "__main__":
    sys.exit(main())
