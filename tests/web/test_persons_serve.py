"""``gsomia serve`` reads the node's personnel file before anything is bound or created: a
bad one is a one-line error (exit 2) naming the file, the key and the value."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from gsomia.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    root = tmp_path_factory.mktemp("pki") / "pki"
    assert runner.invoke(app, ["pki", "init", str(root)]).exit_code == 0
    return root


def _config(tmp_path, pki, personnel: str) -> str:
    (tmp_path / "personnel.toml").write_text(personnel, encoding="utf-8")
    path = tmp_path / "kor.toml"
    path.write_text(f'party = "KOR"\nlisten = "127.0.0.1:0"\nstore = "kor/s.sqlite"\n'
                    f'keys = "{pki}"\npersonnel = "personnel.toml"\n', encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(("text", "named"), [
    ('[persons.duty]\nname = "D"\nclearance = "極秘"\nneed_to_know = []\n',
     "persons.duty.clearance='極秘'"),
    ('[persons.duty]\nname = "D"\nclearance = "군사II급비밀"\nneed_to_know = []\n'
     'facility = true\n', "persons.duty.facility"),
    ('party = "JPN"\npersons = {}\n', "party='JPN'"),
])
def test_a_bad_personnel_file_stops_serve_before_anything_is_created(tmp_path, pki, text,
                                                                     named):
    result = runner.invoke(app, ["serve", "--config", _config(tmp_path, pki, text)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "personnel.toml" in result.output and named in result.output.replace("\n", "")
    assert not (tmp_path / "kor").exists()


def test_the_personnel_schema_is_published():
    result = runner.invoke(app, ["schema", "personnel"])
    assert result.exit_code == 0
    assert '"clearance"' in result.output and '"need_to_know"' in result.output
