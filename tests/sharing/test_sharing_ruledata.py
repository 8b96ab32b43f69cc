"""Rule data integrity: order checked on load, redefinitions refused unless allowed, and a
content hash on every agreement and scheme, recorded in every decision and marking."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sharing_support import make_label

from gsomia.errors import AgreementError
from gsomia.sharing import Person, ReleaseRequest, decide, load_catalog
from gsomia.sharing.catalog import package_data_dirs
from gsomia.sharing.ruledata import content_digest

MARKINGS_DIR, AGREEMENTS_DIR = package_data_dirs()
PACKAGED = {p.name: p.read_text(encoding="utf-8")
            for d in package_data_dirs() for p in sorted(d.glob("*.toml"))}
SCHEME_FILES = ("jpn.toml", "kor.toml", "usa.toml")
TABLE_FILES = ("jpn-kor-gsomia.toml", "jpn-usa-gsomia.toml", "kor-usa-military-secrets.toml")
AT = dt.datetime(2024, 1, 15, tzinfo=dt.UTC)


def _folder(root: Path, **changed: str) -> Path:
    """A copy of every packaged data file in one folder, with ``changed`` texts (by file
    name, dots as ``_``) written instead."""
    folder = root / "data"
    folder.mkdir()
    for name, text in PACKAGED.items():
        key = name.replace(".", "_").replace("-", "_")
        (folder / name).write_text(changed.get(key, text), encoding="utf-8")
    return folder


def _blocks(text: str, table: str) -> tuple[list[str], list[tuple[int, int]]]:
    """The lines of ``text`` and the (start, end) line spans of each ``[[table]]`` block
    (header to the first blank line)."""
    lines = text.split("\n")
    spans = []
    for i, line in enumerate(lines):
        if line == f"[[{table}]]":
            end = next((j for j in range(i, len(lines)) if not lines[j].strip()), len(lines))
            spans.append((i, end))
    return lines, spans


def permute_blocks(text: str, table: str, order: Sequence[int]) -> str:
    """``text`` with its ``[[table]]`` blocks put in ``order`` (the slots stay)."""
    lines, spans = _blocks(text, table)
    bodies = [lines[a:b] for a, b in spans]
    out, last = [], 0
    for (a, b), k in zip(spans, order, strict=True):
        out += lines[last:a] + bodies[k]
        last = b
    return "\n".join(out + lines[last:])


def permute_key(text: str, table: str, key: str, order: Sequence[int]) -> str:
    """``text`` with the ``key = …`` lines of its ``[[table]]`` blocks permuted by
    ``order``, every other line in place."""
    lines, spans = _blocks(text, table)
    at = [next(j for j in range(a, b) if lines[j].startswith(f"{key} =")) for a, b in spans]
    values = [lines[j] for j in at]
    for j, k in zip(at, order, strict=True):
        lines[j] = values[k]
    return "\n".join(lines)


def _count(text: str, table: str) -> int:
    return len(_blocks(text, table)[1])


def _load(folder: Path, **kw: object):
    return load_catalog([folder], packaged=False, **kw)  # type: ignore[arg-type]


# -- acceptance, through the command line ---------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed ``gsomia`` command, in its own process."""
    return subprocess.run([str(Path(sys.executable).parent / "gsomia"), *args],
                          capture_output=True, text=True, check=False, timeout=120)


def test_cli_refuses_scheme_with_levels_reordered(tmp_path):
    # a copy of the packaged folder, Japan's 極秘 and 秘 tables swapped (lines moved)
    bad = permute_blocks(PACKAGED["jpn.toml"], "marking", (0, 2, 1))
    folder = _folder(tmp_path, jpn_toml=bad)
    result = _cli("agreement", "list", "--agreements", str(folder))
    assert result.returncode == 2, result.stdout
    assert f"{folder / 'jpn.toml'}: marking[1].rank=2" in result.stderr
    assert ("marking[1] '秘' has rank 2 but is listed at position 1, and marking[2] '極秘' "
            "has rank 1" in result.stderr)
    assert result.stdout == ""


def test_cli_refuses_agreement_with_equivalence_rows_swapped(tmp_path):
    # the Japan–Korea table's two rows swapped whole: SECRET listed below CONFIDENTIAL
    bad = permute_blocks(PACKAGED["jpn-kor-gsomia.toml"], "equivalence", (1, 0))
    folder = _folder(tmp_path, jpn_kor_gsomia_toml=bad)
    result = _cli("agreement", "list", "--agreements", str(folder))
    assert result.returncode == 2
    assert f"{folder / 'jpn-kor-gsomia.toml'}: equivalence[1].level='SECRET'" in result.stderr
    assert "equivalence[0] (CONFIDENTIAL) is listed above equivalence[1] (SECRET)" \
        in result.stderr


def test_cli_refuses_agreement_with_markings_swapped_between_rows(tmp_path):
    # only the rows' markings swapped (levels left in place): out of each party's ranks
    bad = permute_key(PACKAGED["jpn-kor-gsomia.toml"], "equivalence", "markings", (1, 0))
    folder = _folder(tmp_path, jpn_kor_gsomia_toml=bad)
    result = _cli("agreement", "list", "--agreements", str(folder), "--allow-override")
    assert result.returncode == 2
    assert (f"{folder / 'jpn-kor-gsomia.toml'}: equivalence[1].markings.JPN=['極秘', "
            "'特定秘密']: equivalence[0] (SECRET: 秘) is not above equivalence[1] "
            "(CONFIDENTIAL: 極秘 / 特定秘密) in JPN's rank order (ranks [2] vs [1, 0]"
            in result.stderr)


def test_cli_intact_copy_loads_and_lists_hashes(tmp_path):
    folder = _folder(tmp_path)
    result = _cli("agreement", "list", "--agreements", str(folder))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # an identical copy overrides nothing
    catalog = load_catalog()
    for name, agreement in catalog.agreements.items():
        assert re.search(rf"^{name} .* {agreement.digest}$", result.stdout, re.M)
    for party, scheme in catalog.schemes.items():
        assert re.search(rf"^markings/{party} .* {scheme.digest}$", result.stdout, re.M)


# -- every reordering is refused (Hypothesis) -----------------------------------------------


def _perms(n: int) -> st.SearchStrategy[tuple[int, ...]]:
    return st.permutations(range(n)).map(tuple)


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(SCHEME_FILES), data=st.data())
def test_any_reordering_of_a_scheme_is_refused(name, data):
    """Marking tables moved, ranks swapped or levels swapped: refused unless the file is
    unchanged (the identity, or levels swapped between two markings of one level), which
    loads with the packaged hash."""
    text = PACKAGED[name]
    n = _count(text, "marking")
    order = data.draw(_perms(n))
    how = data.draw(st.sampled_from(["tables", "rank", "level"]))
    if how == "tables":
        changed = permute_blocks(text, "marking", order)
    else:
        changed = permute_key(text, "marking", how, order)
    with tempfile.TemporaryDirectory() as tmp:
        folder = _folder(Path(tmp), **{name.replace(".", "_"): changed})
        if changed == text:
            assert _load(folder).scheme(name[:3].upper()).digest == \
                load_catalog().scheme(name[:3].upper()).digest
            return
        with pytest.raises(AgreementError) as info:
            _load(folder)
    assert info.value.file.endswith(name)
    assert info.value.field.startswith("marking[")


def _levels(text: str) -> list[str]:
    return re.findall(r'^level = "(.*)"$', text, re.M)


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(SCHEME_FILES), data=st.data())
def test_texts_swapped_between_levels_are_refused(name, data):
    """Texts (with their English) moved, ranks and levels left in place: refused by the
    agreements' tables whenever a text lands on another level; a swap inside one level
    (Japan's 特定秘密 and 極秘, both SECRET) loads, with another hash."""
    text = PACKAGED[name]
    n = _count(text, "marking")
    order = data.draw(_perms(n))
    changed = permute_key(permute_key(text, "marking", "text", order), "marking", "english",
                          order)
    levels = _levels(text)
    moves_level = any(levels[k] != levels[i] for i, k in enumerate(order))
    party = name[:3].upper()
    with tempfile.TemporaryDirectory() as tmp:
        folder = _folder(Path(tmp), **{name.replace(".", "_"): changed})
        if moves_level:
            with pytest.raises(AgreementError) as info:
                _load(folder)
            assert info.value.field.startswith("equivalence[")
            assert f".markings.{party}" in info.value.field
            return
        digest = _load(folder).scheme(party).digest
        # over the packaged data it is a redefinition: refused unless allowed
        if order != tuple(range(n)):
            with pytest.raises(AgreementError, match=f"redefines markings/{party}"):
                load_catalog([folder])
    assert (digest == load_catalog().scheme(party).digest) == (order == tuple(range(n)))


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(TABLE_FILES), data=st.data())
def test_any_reordering_of_an_equivalence_table_is_refused(name, data):
    """Rows moved whole, their levels swapped, or one party's markings swapped between rows:
    refused unless the file is unchanged (the identity)."""
    text = PACKAGED[name]
    n = _count(text, "equivalence")
    order = data.draw(_perms(n))
    how = data.draw(st.sampled_from(["rows", "level", "markings", "party"]))
    if how == "rows":
        changed = permute_blocks(text, "equivalence", order)
    elif how == "party":  # one party's lists only, the other party's left in place
        rows = re.findall(r"^markings = \{ (\w+) = (\[.*?\]), (\w+) = (\[.*?\]) \}$", text, re.M)
        changed = text
        for row, k in zip(rows, order, strict=True):
            changed = changed.replace(
                f"markings = {{ {row[0]} = {row[1]}, ",
                f"markings = {{ {row[0]} = @@{k}@@, ", 1)
        for k, row in enumerate(rows):
            changed = changed.replace(f"@@{k}@@", row[1])
    else:
        changed = permute_key(text, "equivalence", how, order)
    with tempfile.TemporaryDirectory() as tmp:
        folder = _folder(Path(tmp), **{name.replace(".", "_").replace("-", "_"): changed})
        if changed == text:
            assert _load(folder).agreement(name[:-5]).digest == \
                load_catalog().agreement(name[:-5]).digest
            return
        with pytest.raises(AgreementError) as info:
            _load(folder)
    assert info.value.file.endswith(name)
    assert info.value.field.startswith("equivalence[")


# -- the decision flip of reordered data can no longer happen -------------------------------


def _moved_up(text: str) -> str:
    """Japan's 秘 table moved above 極秘 and ranks renumbered to match (levels kept)."""
    text = permute_blocks(text, "marking", (0, 2, 1))
    return text.replace("rank = 2", "rank = @").replace("rank = 1", "rank = 2") \
        .replace("rank = @", "rank = 1")


@pytest.mark.parametrize("attack", [
    lambda t: permute_blocks(t, "marking", (0, 2, 1)),             # lines moved
    _moved_up,                                                      # … ranks renumbered
    lambda t: permute_key(t, "marking", "rank", (0, 2, 1)),          # ranks swapped
    lambda t: permute_key(permute_key(t, "marking", "text", (0, 2, 1)),  # texts swapped
                          "marking", "english", (0, 2, 1)),
], ids=["lines", "lines-and-ranks", "ranks", "texts"])
def test_hi_cleared_person_never_admitted_to_gokuhi_item(tmp_path, attack: Callable[[str], str]):
    """Art. 7: a person with a 秘 clearance is refused a 極秘 (SECRET) item; each way of
    putting 秘 above 極秘 in Japan's scheme is refused at load, even with overrides
    allowed, so no decision is ever made on it."""
    label = make_label(originator="KOR", holder="KOR", classification="군사II급비밀",
                       releasable_to=["JPN"])
    person = Person(party="JPN", clearance="秘", need_to_know=frozenset({label.topic}))
    decision = decide(ReleaseRequest(label, "JPN", AT, person=person), load_catalog())
    assert decision.marking.classification == "極秘"
    assert [r.rule for r in decision.failed] == ["personnel_clearance"]
    folder = _folder(tmp_path, jpn_toml=attack(PACKAGED["jpn.toml"]))
    with pytest.raises(AgreementError) as info:
        load_catalog([folder], allow_override=True)
    # named: the scheme itself, or the agreement whose rows it breaks, citing the scheme
    assert str(folder / "jpn.toml") in str(info.value)
    assert info.value.field.startswith(("marking[", "equivalence["))


# -- redefinitions -------------------------------------------------------------------------


def test_redefinition_refused_unless_allowed_then_reported(tmp_path):
    changed = PACKAGED["tisa.toml"].replace('title = "', 'title = "Amended ', 1)
    (tmp_path / "tisa.toml").write_text(changed, encoding="utf-8")
    packaged = load_catalog().agreement("tisa").digest
    with pytest.raises(AgreementError) as info:
        load_catalog([tmp_path])
    assert info.value.file == str(tmp_path / "tisa.toml")
    assert f"redefines tisa of tisa.toml ({packaged})" in str(info.value)
    lines: list[str] = []
    catalog = load_catalog([tmp_path], allow_override=True, report=lines.append)
    new = catalog.agreement("tisa").digest
    assert new != packaged and catalog.agreement("tisa").title.startswith("Amended ")
    assert [o.to_dict() for o in catalog.overrides] == [{
        "key": "tisa", "replaced_file": "tisa.toml", "replaced_digest": packaged,
        "file": str(tmp_path / "tisa.toml"), "digest": new}]
    assert lines == [f"warning: tisa from tisa.toml ({packaged}) is overridden by "
                     f"{tmp_path / 'tisa.toml'} ({new})"]
    assert load_catalog().overrides == ()


def test_scheme_redefinition_refused_and_reported_on_stderr(tmp_path, capsys):
    changed = PACKAGED["usa.toml"].replace('name_en = "United States"',
                                           'name_en = "United States of America"')
    (tmp_path / "usa.toml").write_text(changed, encoding="utf-8")
    with pytest.raises(AgreementError, match="redefines markings/USA of usa.toml"):
        load_catalog([tmp_path])
    catalog = load_catalog([tmp_path], allow_override=True)
    err = capsys.readouterr().err
    assert err == (f"warning: markings/USA from usa.toml "
                   f"({load_catalog().scheme('USA').digest}) is overridden by "
                   f"{tmp_path / 'usa.toml'} ({catalog.scheme('USA').digest})\n")


def test_redefinition_between_user_folders_is_refused_too(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    (one / "usa.toml").write_text(PACKAGED["usa.toml"].replace("United States\"\nname_en",
                                                               "US\"\nname_en"), "utf-8")
    (two / "usa.toml").write_text(PACKAGED["usa.toml"], encoding="utf-8")
    with pytest.raises(AgreementError, match="redefines markings/USA of usa.toml") as info:
        load_catalog([one, two])
    assert info.value.file == str(one / "usa.toml")
    catalog = load_catalog([one, two], allow_override=True, report=lambda _: None)
    assert [o.file for o in catalog.overrides] == [str(one / "usa.toml"),
                                                   str(two / "usa.toml")]


# -- content hashes ------------------------------------------------------------------------


def test_hashes_are_sha256_and_distinct():
    catalog = load_catalog()
    digests = [a.digest for a in catalog.agreements.values()] + \
        [s.digest for s in catalog.schemes.values()]
    assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", d) for d in digests)
    assert len(set(digests)) == len(digests)


def test_hash_is_of_the_canonical_form():
    """Recomputed from the documented canonical JSON, and a known vector of it."""
    assert content_digest("agreement", {}) == (
        "sha256:" + __import__("hashlib").sha256(
            b'{"data":{},"format":1,"kind":"agreement"}').hexdigest())
    assert content_digest("x", {"b": "\u1100\u1161", "a": [1, True, None]}) == \
        content_digest("x", {"a": [1, True, None], "b": "가"})


def test_hashes_stable_across_processes_and_load_order(tmp_path):
    code = ("from gsomia.sharing import load_catalog; c = load_catalog(); "
            "print(*(a.digest for a in c.agreements.values()), "
            "*(s.digest for s in c.schemes.values()))")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout
            for seed in ("1", "2")]
    catalog = load_catalog()
    here = " ".join([*(a.digest for a in catalog.agreements.values()),
                     *(s.digest for s in catalog.schemes.values())]) + "\n"
    assert runs == [here, here]
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    shutil.copy(MARKINGS_DIR / "kor.toml", one / "kor.toml")
    shutil.copy(AGREEMENTS_DIR / "tisa.toml", two / "tisa.toml")
    forward = load_catalog([one, two])
    backward = load_catalog([two, one])
    assert forward.scheme("KOR").digest == backward.scheme("KOR").digest == \
        catalog.scheme("KOR").digest
    assert forward.agreement("tisa").digest == backward.agreement("tisa").digest


def test_semantically_equal_files_hash_equal(tmp_path):
    """Comments, blank lines, key order, inline vs. dotted tables, a default written out,
    a route spelling and the Unicode normal form do not change the hash."""
    text = PACKAGED["jpn-kor-gsomia.toml"]
    lines = [ln for ln in text.split("\n") if not ln.startswith("#")]
    head_end = lines.index("[agreement.renewal]")
    head = lines[1:head_end]
    swapped = [lines[0], *reversed([h for h in head if h]), "", *lines[head_end:]]
    variant = "\n".join(swapped)
    variant = variant.replace('legally_binding = true', 'legally_binding = true\n'
                              'route = "DIRECT"')
    variant = unicodedata.normalize("NFD", variant)
    (tmp_path / "jpn-kor-gsomia.toml").write_text(variant, encoding="utf-8")
    catalog = load_catalog([tmp_path])  # identical content: no override
    assert catalog.overrides == ()
    alone = load_catalog([tmp_path], allow_override=False)
    assert alone.agreement("jpn-kor-gsomia").digest == \
        load_catalog().agreement("jpn-kor-gsomia").digest
    scheme = PACKAGED["kor.toml"].replace('rank = 0\nlevel = "TOP SECRET"',
                                          'level = "TOP SECRET"\nrank = 0')
    scheme = scheme.replace("[party.names]\n", "[party.names]\n# a comment\n")
    (tmp_path / "kor.toml").write_text(scheme, encoding="utf-8")
    assert load_catalog([tmp_path]).scheme("KOR").digest == \
        load_catalog().scheme("KOR").digest


def _mutable_lines() -> list[tuple[str, int]]:
    """(file, line) of every value that can change and keep the file valid."""
    out = []
    for name, text in PACKAGED.items():
        for i, line in enumerate(text.split("\n")):
            if re.match(r"^(title|source|english|name_en|name|JPN|KOR|USA|by) = \"", line) \
                    and "=" in line and not line.startswith(("name = \"jpn", "name = \"kor",
                                                            "name = \"tisa", "name = \"tri")):
                out.append((name, i))
            elif re.match(r"^(in_force_from|signed|date|term_years|notice_days|"
                          r"legally_binding) = ", line):
                out.append((name, i))
    return out


MUTABLE = _mutable_lines()


def _mutate(line: str) -> str:
    key, value = line.split(" = ", 1)
    if value in ("true", "false"):
        return f"{key} = {'false' if value == 'true' else 'true'}"
    if re.fullmatch(r"\d{4}-\d\d-\d\d", value):
        return f"{key} = {dt.date.fromisoformat(value) - dt.timedelta(days=1)}"
    if value.isdigit():
        return f"{key} = {int(value) + 1}"
    if key == "by":
        return line  # a party must stay a party: a different field is drawn instead
    return f'{key} = {value[:-1]}x"'


@settings(max_examples=40, deadline=None)
@given(where=st.sampled_from([w for w in MUTABLE
                              if _mutate(PACKAGED[w[0]].split("\n")[w[1]])
                              != PACKAGED[w[0]].split("\n")[w[1]]]))
def test_any_field_change_changes_that_hash_only(where):
    name, index = where
    lines = PACKAGED[name].split("\n")
    lines[index] = _mutate(lines[index])
    before = load_catalog()
    with tempfile.TemporaryDirectory() as tmp:
        folder = _folder(Path(tmp), **{name.replace(".", "_").replace("-", "_"):
                                       "\n".join(lines)})
        after = _load(folder)
    old = {k: v.digest for k, v in itertools.chain(before.agreements.items(),
                                                   before.schemes.items())}
    new = {k: v.digest for k, v in itertools.chain(after.agreements.items(),
                                                   after.schemes.items())}
    changed = {k for k in old if old[k] != new[k]}
    key = name[:3].upper() if name in SCHEME_FILES else name[:-5]
    assert changed == {key}


# -- the hashes are recorded with every decision and marking --------------------------------


def test_decision_and_marking_record_the_data_that_decided():
    catalog = load_catalog()
    label = make_label(originator="JPN", holder="JPN", classification="極秘",
                       releasable_to=["KOR"])
    decision = decide(ReleaseRequest(label, "KOR", AT), catalog)
    assert decision.permit
    kor_jpn = catalog.agreement("jpn-kor-gsomia").digest
    assert decision.to_dict()["data"] == {
        name: catalog.agreement(name).digest for name in decision.agreements} | {
        "markings/JPN": catalog.scheme("JPN").digest,
        "markings/KOR": catalog.scheme("KOR").digest}
    assert "jpn-kor-gsomia" in decision.agreements
    assert decision.marking.to_dict()["data"] == {
        "jpn-kor-gsomia": kor_jpn, "markings/JPN": catalog.scheme("JPN").digest,
        "markings/KOR": catalog.scheme("KOR").digest}
    assert decision.marking.to_dict()["text"] == "일본 군사II급비밀"
