"""The broker's wording: every message in every language, its HTML alternative, an
operator's own templates, and `mailbroker preview`."""

from __future__ import annotations

import email
import email.policy

import pytest
import yaml

from mailbroker import preview
from mailbroker.cli import main
from mailbroker.compose import compose
from mailbroker.wording import LANGUAGES, Block, Wording, blocks

from ..safety import assert_markup_is_the_brokers

TEMPLATES = sorted(preview.names())


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", TEMPLATES)
def test_every_message_has_a_text_and_an_html_part_that_say_the_same(name, lang):
    msg = compose(preview.samples(lang)[name], preview.IDENTITY, preview.NOW)
    back = email.message_from_bytes(msg.as_bytes(policy=email.policy.SMTP), policy=email.policy.default)
    plain, html = back.get_body(("plain",)).get_content(), back.get_body(("html",)).get_content()
    assert plain.strip() and f'lang="{lang}"' in html
    assert_markup_is_the_brokers(html, plain)


def test_every_template_has_a_sample():
    assert len(TEMPLATES) == 23
    assert preview.problems(Wording()) == []


def test_text_is_cut_into_paragraphs_quotes_and_lists():
    text = ("Hello Alice,\n\nRita would like to introduce you to Bob, a long line that the template wraps\n"
            "here.\n\n> Bob and I\n> built it.\n\n  - yes: go\n    on\n  - no: stop\n\n"
            "     Introduce: Ann <ann@example.com>\n\nIntroductions\nReference K7Q3XF\n")
    assert blocks(text) == [
        Block("paragraph", ("Hello Alice,",)),
        Block("paragraph", ("Rita would like to introduce you to Bob, a long line that the template wraps here.",)),
        Block("quote", ("Bob and I", "built it.")),
        Block("list", ("yes: go on", "no: stop")),
        Block("quote", ("Introduce: Ann <ann@example.com>",)),
        Block("paragraph", ("Introductions", "Reference K7Q3XF")),
    ]


def test_html_escapes_what_someone_else_wrote():
    html = Wording().html('Rita <b onclick="x()">R</b> & co\n\n> <script>alert(1)</script>',
                          subject="<i>Hi</i>", lang="en")
    assert "<script>" not in html and "<b " not in html and "<i>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&amp; co" in html


def test_a_directory_overrides_templates_file_by_file(tmp_path):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "consent_request.txt").write_text(
        "Subject: A word from {{ referrer }} [{{ ref }}]\n\nDear {{ name }}, shall I introduce you to {{ other }}?\n")
    (tmp_path / "layout.html").write_text("<html><body>{% for b in blocks %}<p>{{ b.lines | join(' ') }}</p>"
                                          "{% endfor %}</body></html>")
    wording = Wording(tmp_path)
    asked = compose(preview.samples()["consent_request"], preview.IDENTITY, preview.NOW, wording)
    assert str(asked["Subject"]) == "A word from Rita Referrer [K7Q3XF]"
    assert "Dear Alice Martin, shall I introduce you to Bob Stone?" in asked.get_body(("plain",)).get_content()
    assert asked.get_body(("html",)).get_content().startswith("<html><body><p>Dear Alice Martin")
    other = compose(preview.samples()["reminder"], preview.IDENTITY, preview.NOW, wording)
    assert "Reference K7Q3XF" in other.get_body(("plain",)).get_content()  # the built-in one
    assert wording.overrides() == ["en/consent_request.txt", "layout.html"]


def test_html_can_be_turned_off():
    msg = compose(preview.samples()["consent_request"], preview.IDENTITY, preview.NOW, html=False)
    assert not msg.is_multipart() and msg.get_content_type() == "text/plain"


def _config(tmp_path, **templates) -> str:
    data = {"broker": {"address": "intro@example.test"},
            "imap": {"host": "127.0.0.1", "username": "intro", "password": "secret"},
            "smtp": {"host": "127.0.0.1"}, "referrers": ["referrer@example.test"],
            "state": {"path": str(tmp_path / "state.sqlite3")}, "templates": templates}
    path = tmp_path / "mailbroker.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def test_check_config_names_the_broken_template_and_its_line(tmp_path, capsys):
    directory = tmp_path / "mine"
    (directory / "fr").mkdir(parents=True)
    (directory / "fr" / "reminder.txt").write_text("Subject: Rappel\n\nBonjour {{ name }\n")
    (directory / "en").mkdir()
    (directory / "en" / "remider.txt").write_text("Subject: x\n\nx\n")
    assert main(["check-config", "--config", _config(tmp_path, directory=str(directory))]) == 2
    err = capsys.readouterr().err
    assert f"templates in {directory} cannot be used" in err
    assert "fr/reminder.txt" in err and "line 3" in err


def test_check_config_warns_of_a_file_that_overrides_nothing(tmp_path, capsys):
    directory = tmp_path / "mine"
    (directory / "en").mkdir(parents=True)
    (directory / "en" / "remider.txt").write_text("Subject: x\n\nx\n")
    assert main(["check-config", "--config", _config(tmp_path, directory=str(directory))]) == 0
    assert "en/remider.txt overrides no template" in capsys.readouterr().err


def test_a_missing_template_directory_is_a_config_error(tmp_path, capsys):
    assert main(["check-config", "--config", _config(tmp_path, directory=str(tmp_path / "nope"))]) == 2
    err = capsys.readouterr().err
    assert "templates.directory:" in err and "does not exist" in err and "mailbroker init --templates" in err


def test_preview_shows_a_message_in_each_language(capsys):
    assert main(["preview", "consent_request", "--lang", "fr"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("From: Introductions <intro@example.com>\n") and "Souhaitez-vous" in out
    assert main(["preview", "introduction", "--html"]) == 0
    assert "<blockquote" in capsys.readouterr().out


def test_preview_lists_the_messages_and_refuses_an_unknown_one(capsys):
    assert main(["preview", "list"]) == 0
    assert capsys.readouterr().out.split() == TEMPLATES
    assert main(["preview", "consent"]) == 2
    assert "no message called 'consent': choose one of acknowledgement" in capsys.readouterr().err


def test_preview_uses_the_configured_templates(tmp_path, capsys):
    (tmp_path / "mine" / "en").mkdir(parents=True)
    (tmp_path / "mine" / "en" / "closed.txt").write_text("Subject: Closed\n\nNot this time, {{ name }}.\n")
    assert main(["preview", "closed", "--config", _config(tmp_path, directory=str(tmp_path / "mine"))]) == 0
    assert "Not this time, " in capsys.readouterr().out
