"""examples/evacuation-plan/walkthrough.sh runs as written: two real ``gsomia serve``
processes (Korea, Japan) on 127.0.0.1, ports chosen at run time, and the operator's
``gsomia item`` commands; Japan's duty officer reads the plan with a person certificate
and Japan's saved attachments equal Korea's files; a clerk without need-to-know is refused
(Art. 7), both reads audited at Japan's node. Then Korea downgrades the plan (Japan keeps
exactly one copy, marked 大韓民国 秘, and acknowledges), Japan reports a possible compromise
that Korea's node records as a case (Art. 17), and Korea recalls the plan: Japan no longer
lists it, its audit log keeps the recall but no line of the plan, Korea sees the
acknowledgement (Art. 6)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "evacuation-plan" / "walkthrough.sh"


@pytest.fixture(scope="module")
def walk(tmp_path_factory) -> tuple[str, Path]:
    """The script's output and its work folder (one run for the module's tests)."""
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash")
    work = tmp_path_factory.mktemp("walk") / "work"
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run([bash, str(SCRIPT), str(work)], env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout, work


@pytest.mark.slow
def test_the_walkthrough_runs_and_shows_both_views(walk):
    out, work = walk
    assert "KOR view: release to JPN by direct -> queued" in out
    assert "JPN audit: receive.accepted" in out and "大韓民国 極秘" in out
    assert "JPN view: both attachments identical to KOR's files" in out
    lines = out.splitlines()
    [permitted] = [x for x in lines if x.startswith("JPN audit: read.permitted")][-1:]
    assert "'person': 'duty-officer'" in permitted
    [denied] = [x for x in lines if x.startswith("JPN audit: read.denied")]
    assert "'person': 'clerk'" in denied and "need_to_know (Art. 7" in denied
    assert "denied by JPN's node to 'clerk'" in out
    assert "JPN view: the clerk's list withholds it: 0 listed" in out
    assert "scope:tisa" in out and "KOR audit: release.denied" in out
    here = SCRIPT.parent
    received = work / "received"
    for name in ("evacuation-plan.md", "assembly-points.csv"):
        assert (received / name).read_bytes() == (here / name).read_bytes()


def _section(out: str, number: int) -> str:
    """The walk-through's output of step ``number`` (from its ``== N.`` heading)."""
    start = out.index(f"\n== {number}. ")
    end = out.find("\n== ", start + 1)
    return out[start:end if end >= 0 else len(out)]


@pytest.mark.slow
def test_the_walkthrough_downgrades_reports_and_recalls(walk):
    out, _ = walk
    down = _section(out, 7)
    # Art. 4(2): Korea's 군사III급비밀 is Japan's 秘; exactly one copy, one marking.
    assert "JPN view: the duty officer's list has 1 copy of it marked 大韓民国 秘" in down
    assert "大韓民国 極秘" not in down
    assert "JPN audit: notice.applied" in down and "'marking': '大韓民国 秘'" in down
    assert "KOR view: notice #1 downgrade  군사III급비밀 issued  acknowledged: JPN  pending: -" \
        in down
    assert "KOR audit: notice.acknowledged" in down and "'holder': 'JPN'" in down
    assert "KOR view:   released to JPN  direct    via JPN" in down
    assert "JPN view:   received from KOR  direct    for JPN" in down
    case = _section(out, 8)
    [kor_case] = [x for x in case.splitlines() if x.startswith("KOR view: case ")]
    [jpn_case] = [x for x in case.splitlines()
                  if x.startswith("JPN view: case ") and " as " in x]
    assert "as originator" in kor_case and "holder JPN, closed" in kor_case
    assert "as holder" in jpn_case and "holder JPN, closed" in jpn_case
    assert kor_case.split()[3] == jpn_case.split()[3]   # the same case id at both nodes
    assert "room locked, access log shows no entry" in kor_case   # reported to KOR
    recall = _section(out, 9)
    assert "JPN view: the duty officer's list has 0 copies of it" in recall
    assert "JPN view: gsomia item show refuses it (not held)" in recall
    assert "JPN view: notice #2 recall" in recall and "applied" in recall
    [applied] = [x for x in recall.splitlines() if x.startswith("JPN audit: notice.applied")]
    assert "'action': 'recall'" in applied
    assert "JPN view: the audit log keeps the recall, not the plan's text" in recall
    assert "KOR view: notice #2 recall" in recall
    assert "acknowledged: JPN  pending: -" in recall.split("KOR view: notice #2 recall")[1]
