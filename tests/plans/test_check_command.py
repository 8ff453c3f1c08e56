"""``ivr check``: output lines, summary and exit status, through the real CLI entry point."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ivr import cli

from .conftest import DEMO_PLAN, REPO_ROOT, base_plan, write_yaml


@pytest.fixture(autouse=True)
def only_check_command(monkeypatch: pytest.MonkeyPatch, prompt_dir: Path) -> None:
    # `ivr check` must not need the other commands' modules (some are still being written).
    monkeypatch.setattr(cli, "COMMANDS", {"check": cli.COMMANDS["check"]})
    monkeypatch.setenv("IVR_PROMPTS_DIR", str(prompt_dir))


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str]]:
    status = cli.main(["check", *argv])
    return status, capsys.readouterr().out.splitlines()


def test_demo_plan_passes(capsys: pytest.CaptureFixture[str]) -> None:
    status, lines = _run(capsys, str(DEMO_PLAN))
    assert status == 0
    assert lines == [
        "ivr check: OK: 0 errors, 0 warnings; 1 file, 2 publishers, 2 buyers, 3 targets,"
        " 1 campaign, 5 numbers, 1 menu"
    ]


def test_errors_print_one_line_each_and_exit_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    plan = base_plan()
    plan["numbers"][0]["campaign"] = "gone"
    plan["menus"][0]["nodes"]["spare"] = {"type": "route"}
    path = write_yaml(tmp_path / "p.yaml", plan)
    status, lines = _run(capsys, str(path))
    assert status == 1
    assert lines == [
        f"{path}: numbers[0].campaign: unknown campaign 'gone'",
        f"{path}: campaigns[0].id: warning: no tracking number points to campaign 'camp':"
        " it gets no calls",
        f"{path}: menus[0].nodes.spare: warning: node 'spare' is never reached from start node"
        " 'hello'",
        "ivr check: FAILED: 1 error, 2 warnings; 1 file, 2 publishers, 1 buyer, 2 targets,"
        " 1 campaign, 1 number, 1 menu",
    ]


def test_warnings_alone_exit_0(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    plan = base_plan()
    plan["menus"][0]["nodes"]["spare"] = {"type": "route"}
    status, lines = _run(capsys, str(write_yaml(tmp_path / "p.yaml", plan)))
    assert status == 0
    assert lines[-1].startswith("ivr check: OK: 0 errors, 1 warning;")


def test_schema_error_exits_1_and_unreadable_input_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = write_yaml(tmp_path / "bad.yaml", {"publishers": [{"id": "p"}]})
    assert _run(capsys, str(bad)) == (
        1,
        [
            f"{bad}: publishers[0].name: required, but missing",
            "ivr check: 1 error, 0 warnings in 1 file",
        ],
    )
    syntax = tmp_path / "syntax.yaml"
    syntax.write_text("publishers: [\n", encoding="utf-8")
    status, lines = _run(capsys, str(bad), str(syntax))
    assert status == 2
    assert lines[1].startswith(f"{syntax}: line 2: YAML syntax:")
    assert _run(capsys, str(tmp_path / "none.yaml"))[0] == 2


def test_extra_prompt_folder_option(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = base_plan()
    plan["menus"][0]["nodes"]["hello"]["prompt"] = "custom-hello"
    path = write_yaml(tmp_path / "p.yaml", plan)
    assert _run(capsys, str(path))[0] == 1
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "custom-hello.ulaw").write_bytes(b"")
    assert _run(capsys, str(path), "--prompts", str(extra))[0] == 0


def test_python_dash_m_ivr_check_runs_the_demo(prompt_dir: Path) -> None:
    env = {**os.environ, "IVR_PROMPTS_DIR": str(prompt_dir)}
    result = subprocess.run(
        [sys.executable, "-m", "ivr", "check", str(DEMO_PLAN)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("ivr check: OK: 0 errors, 0 warnings; 1 file,")
