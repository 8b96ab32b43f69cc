"""examples/evacuation-plan/walkthrough.sh runs as written: two real ``gsomia serve``
processes (Korea, Japan) on 127.0.0.1, ports chosen at run time, and the operator's
``gsomia item`` commands; Japan's duty officer reads the plan with a person certificate
and Japan's saved attachments equal Korea's files; a clerk without need-to-know is refused
(Art. 7), both reads audited at Japan's node."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "evacuation-plan" / "walkthrough.sh"


@pytest.mark.slow
def test_the_walkthrough_runs_and_shows_both_views(tmp_path):
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash")
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run([bash, str(SCRIPT), str(tmp_path / "work")], env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    out = done.stdout
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
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
    received = tmp_path / "work" / "received"
    for name in ("evacuation-plan.md", "assembly-points.csv"):
        assert (received / name).read_bytes() == (here / name).read_bytes()
