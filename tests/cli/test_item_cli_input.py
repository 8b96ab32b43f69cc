"""``gsomia item …``: input refused before any connection (no node runs here: the
configuration names port 1, where nothing listens, so a command that got as far as the
network would say "cannot reach"). Every refusal is exit 2 with one clean line naming the
option and value, never a traceback."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.sharing.pki import init_pki, issue_person

runner = CliRunner()


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    """A KOR configuration (port 1, nothing listening) and its PKI folder with two persons."""
    tmp = tmp_path_factory.mktemp("item-input")
    init_pki(tmp / "pki", ("KOR", "JPN"))
    issue_person(tmp / "pki", "KOR", "clerk")
    issue_person(tmp / "pki", "KOR", "duty-officer")
    cfg = tmp / "kor.toml"
    cfg.write_text(f'party = "KOR"\nlisten = "127.0.0.1:1"\nstore = "s.sqlite"\n'
                   f'keys = "{tmp / "pki"}"\n', encoding="utf-8")
    return cfg


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def refused(result, *words: str) -> str:
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert "cannot reach" not in result.output, result.output
    for w in words:
        assert w in result.output, result.output
    return result.output


def create(node, *args):
    return run("item", "create", "--config", node, "--classification", "군사II급비밀",
               "--releasable-to", "JPN", "--topic", "operation-plan", *args)


def test_a_file_the_system_cannot_open_is_a_clean_error(node, tmp_path):
    deep = tmp_path / ("가" * 90) / "PLAN.md"  # a 270-byte folder name: ENAMETOOLONG
    refused(create(node, "--file", deep), "--file", "File name too long")
    long_name = tmp_path / ("가" * 85 + ".md")  # 258 bytes
    refused(create(node, "--file", long_name), "--file")


def test_a_certificate_and_a_key_that_do_not_match_are_named(node):
    persons = node.parent / "pki" / "KOR" / "persons"
    out = refused(run("item", "list", "--config", node, "--cert", persons / "clerk.crt",
                      "--key", persons / "duty-officer.key"),
                  "certificate and key do not match", "clerk.crt", "duty-officer.key")
    assert len(out.strip().splitlines()) == 1 and "KEY_VALUES_MISMATCH" not in out


def test_a_certificate_or_key_that_is_not_pem_is_named(node, tmp_path):
    persons = node.parent / "pki" / "KOR" / "persons"
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n", encoding="utf-8")
    refused(run("item", "list", "--config", node, "--cert", junk, "--key",
                persons / "clerk.key"), "--cert", "junk.pem", "not a PEM X.509 certificate")
    refused(run("item", "list", "--config", node, "--cert", persons / "clerk.crt",
                "--key", junk), "--key", "junk.pem", "not an unencrypted PEM private key")
    refused(run("item", "list", "--config", node, "--cert", tmp_path,
                "--key", persons / "clerk.key"), "--cert", "no such file")
    with_key = persons / "clerk.key"
    refused(run("item", "list", "--config", node, "--cert", with_key, "--key", with_key),
            "--cert", "not a PEM X.509 certificate")


def test_thirty_three_files_say_so_without_their_data(node, tmp_path):
    files = []
    for i in range(33):
        (tmp_path / f"annex-{i}.txt").write_text("x" * 150, encoding="utf-8")
        files += ["--file", tmp_path / f"annex-{i}.txt"]
    out = refused(create(node, *files), "document.attachments", "33 attachments; at most 32")
    assert "eHh4" not in out and "List should" not in out and len(out) < 300
    out = refused(create(node, "--file", tmp_path / "annex-0.txt", "--title", "T" * 513),
                  "document.title", "at most 512 characters")
    assert "items" not in out


@pytest.mark.parametrize("item", ["../../v1/health", "KOR-a/b", "KOR-..", "KOR-", "kor-1",
                                  "KOR-a b", "KOR-a?x=1", "KOR-a#b", "KOR-%2e%2e",
                                  "KOR-" + "a" * 253])
def test_an_item_that_is_not_an_id_is_refused_naming_it(node, item):
    refused(run("item", "show", item, "--config", node), "ITEM", "not an item id")
    refused(run("item", "release", item, "--config", node, "--to", "JPN"), "ITEM",
            "not an item id")


@pytest.mark.parametrize("item", ["KOR-3f9a0c2e5b7d1e48", "JPN-W.2026:7~x_1-a",
                                  "KOR-" + "a" * 252])
def test_an_id_of_the_form_goes_to_the_node(node, item):
    """The id passes the check: the command gets as far as the network (nothing listens)."""
    result = run("item", "show", item, "--config", node)
    assert result.exit_code == 2 and "cannot reach KOR's node" in result.output, result.output


def test_a_certificate_without_its_key_is_refused_not_paired_with_the_operators(node):
    persons = node.parent / "pki" / "KOR" / "persons"
    refused(run("item", "list", "--config", node, "--cert", persons / "clerk.crt"),
            "--key", "required with --cert")
    refused(run("item", "list", "--config", node, "--key", persons / "clerk.key"),
            "--cert", "required with --key")


@pytest.mark.parametrize("command", [("holders",), ("actions",), ("compromise", "--what", "x"),
                                     ("action", "recall")])
def test_custody_commands_refuse_an_item_that_is_not_an_id(node, command):
    name, *rest = command
    refused(run("item", name, "../../v1/health", *rest, "--config", node), "ITEM=", "not an id")


@pytest.mark.parametrize("case", ["case-../../x", "a/b", "x?y", "..", "a b"])
def test_case_commands_refuse_a_case_that_is_not_an_id(node, case):
    refused(run("item", "investigate", case, "--findings", "f", "--measures", "m",
                "--config", node), "CASE=", "not an id")
    refused(run("item", "close", case, "--config", node), "CASE=", "not an id")
