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
"""

from __future__ import annotations

import hashlib
import random
import shutil
from pathlib import Path

import make_holdout as mh
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
]


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


def main() -> None:
    folders: dict[str, list[str]] = {}
    for name, folder in REPLY_SETS:
        folders.setdefault(folder, []).append(name)
    for folder, names in folders.items():
        count = write_replies(HERE / folder, _entries(names), folder)
        print(f"{count} replies written to {HERE / folder}")


if __name__ == "__main__":
    main()
