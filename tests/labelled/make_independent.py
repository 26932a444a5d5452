"""Writes tests/labelled/independent/*/: the independent sets, laid out as real mail.

Run `python tests/labelled/make_independent.py` to regenerate; the .eml files and the
labels.tsv are committed, so that every sample can be read and reviewed as mail.

The texts come from the YAML files beside the folders, written from a brief of the
categories to cover (see independent/README.md) by authors who had not read the
readers' rules. Each consent reply is sent through one client layout of
make_holdout.CLIENTS (every layout of make_replies.py plus Outlook for Mac, Samsung,
Proton, Zimbra and the Orange webmail), in turn, and every third through a second one,
quoting the broker's real consent request under it.

labels.tsv: file, answer (yes/no/stop/unclear), also_ok (other acceptable answers,
comma-separated), category, client, language, id.

Each referrer note is sent as a real forward: a referrer of make_referrals.py forwards
`forwarded_from`'s message (its subject and body, addressed to the referrer) to the
broker with the note above it, through the forward layouts of make_referrals.py
(Gmail, Outlook, Apple Mail, Thunderbird, Yahoo, HTML-only, legacy Outlook, iOS, and
the message attached whole) in turn. Folders: notes_dev (the shared file), notes_a
(decline_notes_a + order_notes_a), notes_b (held out: decline_notes_b + order_notes_b).
Their labels.tsv: file, kind (request/decline/ask_referrer), requester, target,
client, language, id.
"""

from __future__ import annotations

import hashlib
import random
import shutil
from email.utils import parseaddr
from pathlib import Path

import make_holdout as mh
import make_referrals as mref
import make_replies as mrep
import yaml

HERE = Path(__file__).resolve().parent / "independent"

# (YAML file, folder): the "_b" files are held out (scored only to report, never read
# while changing a reader).
REPLY_SETS = [
    ("consent_shared_dev.yaml", "shared_dev"),
    ("consent_en_a.yaml", "replies_a"),
    ("consent_fr_a.yaml", "replies_a"),
    ("consent_en_b.yaml", "replies_b"),
    ("consent_fr_b.yaml", "replies_b"),
    ("consent_adversarial_c.yaml", "adversarial_c"),
    # The final held-out sets: written last, scored once when the reader was done.
    ("final_d1.yaml", "final_d1"),
    ("final_d2.yaml", "final_d2"),
    ("last_e1.yaml", "last_e1"),
    ("held_f.yaml", "held_f"),  # the last one, held out: scored once, never tuned on
]

# The referrer notes (expect.kind: referral / decline / ask_referrer), by folder; the
# "_b" files are held out as above.
NOTE_SETS = [
    ("notes_shared_dev.yaml", "notes_dev"),
    ("decline_notes_a.yaml", "notes_a"),
    ("order_notes_a.yaml", "notes_a"),
    ("decline_notes_b.yaml", "notes_b"),
    ("order_notes_b.yaml", "notes_b"),
]

# The forward layouts of make_referrals.py, taken in turn.
NOTE_CLIENTS = [
    "gmail", "outlook", "apple_mail", "thunderbird", "new_outlook", "yahoo", "ios_mail", "outlook_legacy",
    "gmail_mobile", "thunderbird_html", "owa_html_only", "outlook_html_only", "yahoo_html_only",
    "gmail_attached", "outlook_attached", "apple_mail_attached", "thunderbird_attached", "ios_mail_attached",
    "yahoo_attached",
]
NOTE_REFERRERS = {"en": (mref.RITA, mref.PAUL_R, mref.CLAIRE), "fr": (mref.EMILIE, mref.CLAIRE)}
KINDS = {"referral": "request", "decline": "decline", "ask_referrer": "ask_referrer"}


def _entries(names: list[str]) -> list[dict]:
    out = []
    for name in names:
        out.extend(yaml.safe_load((HERE / name).read_text(encoding="utf-8")))
    return out


def _clients(index: int, text: str, lang: str) -> list[str]:
    pool = mh.TOP_POSTING if "\n" in text.strip() else list(mh.CLIENTS)
    shift = 5 if lang == "fr" else 0
    picks = [pool[(index * 7 + shift) % len(pool)]]
    if index % 3 == 0:
        second = pool[(index * 7 + 11 + shift) % len(pool)]
        if second != picks[0]:
            picks.append(second)
    return picks


def write_replies(folder: Path, entries: list[dict], seed: str) -> int:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    rng = random.Random(seed)
    rows = ["file\tanswer\talso_ok\tcategory\tclient\tlanguage\tid"]
    number = 0
    for index, entry in enumerate(entries):
        text = entry["text"].strip()
        for client in _clients(index, text, entry["lang"]):
            number += 1
            fr = entry["lang"] == "fr"
            other = mh.OTHERS[number % len(mh.OTHERS)]
            referrer = mh.REFERRERS[number % len(mh.REFERRERS)]
            ask = mrep.Ask(
                lang=entry["lang"], party=mh.PARTIES[number % len(mh.PARTIES)], other=other, referrer=referrer,
                topic=(mh.TOPICS_FR if fr else mh.TOPICS_EN)[number % 4],
                context=(mh.CONTEXT_FR if fr else mh.CONTEXT_EN)[number % 2].format(first=other.split()[0]),
                ref=f"I{number % 10}D-{number:03d}",
                token=hashlib.sha256(f"{seed}{number}".encode()).hexdigest()[:16],
                from_name=(f"{referrer} (via Introductions)" if number % 4 == 0 else "Introductions"),
                message_id=f"<independent-{seed}-{number:04d}@{mrep.DOMAIN}>",
            )
            when = mrep.When(day=1 + (number * 5) % 28, month=1 + (number * 7) % 12, hour=7 + number % 12,
                             minute=(number * 13) % 60)
            sample = mrep.Sample(entry["id"], entry["lang"], text, entry["label"])
            raw = mh.CLIENTS[client](mrep.Writer(sample, ask, when, rng))
            name = f"{entry['id']}--{client}.eml"
            (folder / name).write_bytes(raw)
            also = ",".join(entry.get("also_ok") or [])
            rows.append(f"{name}\t{entry['label']}\t{also}\t{entry['category']}\t{client}\t{entry['lang']}\t{entry['id']}")
    (folder / "labels.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return len(rows) - 1


def _person(value: str) -> mref.P:
    name, addr = parseaddr(value)
    return mref.P(name, addr)


def write_notes(folder: Path, entries: list[dict]) -> int:
    """Each note as a referrer's forward to the broker, one client layout in turn."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    rows = ["file\tkind\trequester\ttarget\tclient\tlanguage\tid"]
    for index, entry in enumerate(entries):
        lang = entry["lang"]
        client = NOTE_CLIENTS[index % len(NOTE_CLIENTS)]
        referrers = NOTE_REFERRERS[lang]
        referrer = referrers[index % len(referrers)]
        fwd = mref.Fwd(_person(entry["forwarded_from"]), entry["forwarded_subject"],
                       entry["forwarded_body"].strip("\n"), referrer, lang=lang)
        expect = entry["expect"]
        slug = f"{entry['id']}--{client}"
        case = mref.Case(slug, client, lang, referrer, entry["note"].strip("\n"), mref.ui(fwd, lang),
                         KINDS[expect["kind"]])
        name = f"{slug}.eml"
        (folder / name).write_bytes(mref.render(case))
        rows.append("\t".join((name, KINDS[expect["kind"]], expect.get("requester") or "",
                                expect.get("target") or "", client, lang, entry["id"])))
    (folder / "labels.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return len(rows) - 1


def _by_folder(sets: list[tuple[str, str]]) -> dict[str, list[str]]:
    folders: dict[str, list[str]] = {}
    for name, folder in sets:
        folders.setdefault(folder, []).append(name)
    return folders


def main() -> None:
    for folder, names in _by_folder(REPLY_SETS).items():
        count = write_replies(HERE / folder, _entries(names), folder)
        print(f"{count} replies written to {HERE / folder}")
    for folder, names in _by_folder(NOTE_SETS).items():
        count = write_notes(HERE / folder, _entries(names))
        print(f"{count} referrer notes written to {HERE / folder}")


if __name__ == "__main__":
    main()
