"""How well `read_bounce` reads real bounces: the figures, measured on the shared corpus.

Run `python -m tests.unit.bounce_corpus` (add `-v` for every miss) to print them;
test_bounces.py asserts them. The corpus is read where it lies (`shared/corpus`, or
$MAILBROKER_CORPUS); who failed in each sample is in tests/fixtures/bounces/*/
EXPECTED_recipients.json (derived with Sisimai, see the note in each file), and the
status and hard/soft verdict of the sisimai samples in the corpus's EXPECTED_sisimai.json.

Three measures:
- labelled: every sisimai sample whose expected reason is a failure. Right when
  `read_bounce` returns a bounce whose failed addresses are exactly the expected ones
  (the Original-Recipient of a DSN counts as well as its Final-Recipient). Permanence
  is right when a "hard" bounce is permanent, and otherwise when it follows the class
  of the expected status (5.x.x permanent, 4.x.x temporary).
- held out: the bounces of the three other sources, measured only once the rules were
  written (see the note in their EXPECTED_recipients.json).
- non-bounces: every other message of the corpus (replies, forwards, auto-replies,
  ARF complaints, read receipts, "delivered" DSNs): any bounce read there is false.
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from mailbroker import mailtext
from mailbroker.bounces import Bounce, read_bounce

HERE = Path(__file__).resolve()
FIXTURES = HERE.parents[1] / "fixtures" / "bounces"
CORPUS = Path(os.environ.get("MAILBROKER_CORPUS", HERE.parents[3] / "shared" / "corpus"))

SISIMAI = "sisimai+set-of-emails"
HELD_OUT = ("mailgun+flanker", "ronbeltran+bounce_email", "cfortune+PHP-Bounce-Handler")
NOT_FAILURE_REASONS = {"vacation", "delivered", "feedback"}
# MANIFEST kinds that are mail but no delivery failure.
NON_BOUNCE_KINDS = {
    "reply", "forward", "non-forward (negative)", "auto-reply", "auto-generated/auto-reply",
    "complaint (ARF/FBL)", "mdn", "other (in bounce corpus)",
}
# A delayed DSN the manifest files under "other": a bounce, not a non-bounce.
NOT_NON_BOUNCES = {("mailgun+flanker", "tests/fixtures/messages/bounce/delayed-broken.eml")}


@dataclass
class Figures:
    files: int = 0
    right: int = 0  # a bounce naming exactly the expected recipients
    found: int = 0  # a bounce naming at least the expected recipients
    checked: int = 0  # recipients whose permanence is known and was found
    permanence_right: int = 0
    hard: int = 0
    hard_right: int = 0
    statuses: int = 0  # recipients found whose expected status is a real one (not Sisimai's x.0.9xx guess)
    status_right: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def right_share(self) -> float:
        return self.right / self.files if self.files else 0.0

    @property
    def permanence_share(self) -> float:
        return self.permanence_right / self.checked if self.checked else 0.0

    @property
    def status_share(self) -> float:
        return self.status_right / self.statuses if self.statuses else 0.0

    @property
    def hard_share(self) -> float:
        return self.hard_right / self.hard if self.hard else 0.0


def available() -> bool:
    return (CORPUS / SISIMAI / "EXPECTED_sisimai.json").is_file()


def read(path: Path) -> Bounce | None:
    return read_bounce(mailtext.parse(path.read_bytes()))


def _truth(source: str) -> dict:
    return json.loads((FIXTURES / source / "EXPECTED_recipients.json").read_text())["expected"]


def _score(
    figures: Figures, name: str, bounce: Bounce | None, wanted: list[dict], verdicts: list, statuses: list[str]
) -> None:
    """Add one sample to the figures; `verdicts[i]` is the expected (permanence, hard), `statuses[i]` the status."""
    figures.files += 1
    got = {f.recipient.lower(): f for f in bounce.failures} if bounce else {}
    matched: list = []
    for recipient in wanted:
        names = [recipient["address"].lower()] + [a.lower() for a in recipient.get("also", [])]
        matched.append(next((got[n] for n in names if n in got), None))
    allowed = {n.lower() for r in wanted for n in [r["address"], *r.get("also", [])]}
    if bounce and all(matched):
        figures.found += 1
        if set(got) <= allowed:
            figures.right += 1
    if not (bounce and all(matched) and set(got) <= allowed):
        figures.misses.append(f"{name}: want {[r['address'] for r in wanted]}, got {sorted(got) if bounce else None}")
    for failure, status in zip(matched, statuses, strict=False):
        if failure is not None and re.fullmatch(r"[245]\.\d{1,3}\.\d{1,3}", status) and ".0.9" not in status:
            figures.statuses += 1
            figures.status_right += failure.status == status
    for failure, (permanent, hard) in zip(matched, verdicts, strict=False):
        if failure is None or permanent is None:
            continue
        figures.checked += 1
        ok = failure.permanent == permanent
        figures.permanence_right += ok
        if hard:
            figures.hard += 1
            figures.hard_right += ok
        if not ok:
            figures.misses.append(
                f"{name}: {failure.recipient} permanent={failure.permanent}, want {permanent} "
                f"(status {failure.status!r}, {failure.diagnostic[:80]!r})"
            )


def measure_labelled() -> Figures:
    """The sisimai samples with a failure reason in EXPECTED_sisimai.json."""
    expected = json.loads((CORPUS / SISIMAI / "EXPECTED_sisimai.json").read_text())["expected"]
    figures = Figures()
    for name, truth in sorted(_truth(SISIMAI).items()):
        labels = [r for r in expected[name]["recipients"] if r["reason"] not in NOT_FAILURE_REASONS]
        verdicts = [(True if r["hardbounce"] else _class(r["status"]), bool(r["hardbounce"])) for r in labels]
        statuses = [r["status"] for r in labels]
        _score(figures, name, read(CORPUS / SISIMAI / name), truth["recipients"], verdicts, statuses)
    return figures


def measure_held_out() -> Figures:
    """The bounces of the other sources; permanence only where a DSN said "delayed"."""
    figures = Figures()
    for source in HELD_OUT:
        for name, truth in sorted(_truth(source).items()):
            verdicts = [(False if r.get("action") == "delayed" else None, False) for r in truth["recipients"]]
            statuses = [r.get("status", "") for r in truth["recipients"]]
            _score(figures, f"{source}/{name}", read(CORPUS / source / name), truth["recipients"], verdicts, statuses)
    return figures


def _class(status: str) -> bool | None:
    return {"5": True, "4": False}.get(status[:1])


def non_bounces() -> list[Path]:
    """Every message of the corpus that reports no failed delivery."""
    expected = json.loads((CORPUS / SISIMAI / "EXPECTED_sisimai.json").read_text())["expected"]
    paths = [
        CORPUS / SISIMAI / name
        for name, entry in expected.items()
        if all(r["reason"] in NOT_FAILURE_REASONS for r in entry["recipients"])
    ]
    with open(CORPUS / "MANIFEST.tsv", newline="") as manifest:
        for row in csv.DictReader(manifest, delimiter="\t"):
            if row["kind"] not in NON_BOUNCE_KINDS or (row["repo_dir"], row["path"]) in NOT_NON_BOUNCES:
                continue
            if row["repo_dir"] == SISIMAI and row["path"] in expected:
                continue  # judged by EXPECTED_sisimai.json above
            paths.append(CORPUS / row["repo_dir"] / row["path"])
    return sorted(set(paths))


def false_bounces() -> list[str]:
    found = []
    for path in non_bounces():
        bounce = read(path)
        if bounce is not None:
            found.append(f"{path.relative_to(CORPUS)}: {[f.recipient for f in bounce.failures]}")
    return found


def main(argv: list[str]) -> int:
    if not available():
        print(f"no corpus at {CORPUS}")
        return 1
    verbose = "-v" in argv
    for title, figures in (("labelled sisimai bounces", measure_labelled()), ("held-out bounces", measure_held_out())):
        print(
            f"{title}: {figures.right}/{figures.files} = {figures.right_share:.1%} right recipients "
            f"({figures.found} with at least them); permanence {figures.permanence_right}/{figures.checked} = "
            f"{figures.permanence_share:.1%}; hard bounces permanent {figures.hard_right}/{figures.hard}; "
            f"status as expected {figures.status_right}/{figures.statuses} = {figures.status_share:.1%}"
        )
        if verbose:
            print("\n".join(f"  {m}" for m in figures.misses))
    false = false_bounces()
    print(f"non-bounces read as bounces: {len(false)}/{len(non_bounces())}")
    if verbose:
        print("\n".join(f"  {m}" for m in false))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
