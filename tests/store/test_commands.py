"""``ivr apply``, ``ivr export`` and ``ivr db`` as an admin runs them."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml

from ivr import cli
from ivr.cli import main
from ivr.plans.loader import load_plan_files
from ivr.plans.schema import Plan
from ivr.store import migrate
from ivr.store.db import Database
from ivr.store.export import export_plan

PROMPTS = (
    "ivr-welcome ivr-main-menu ivr-enter-zip ivr-invalid ivr-goodbye ivr-call-recorded ivr-all-busy"
).split()


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    for name in PROMPTS:
        (prompts / f"{name}.wav").write_bytes(b"")
    # Only the storage commands: the other command modules belong to other parts of the app,
    # and the parser imports every registered module.
    mine = {name: cli.COMMANDS[name] for name in ("apply", "export", "db")}
    monkeypatch.setattr(cli, "COMMANDS", mine)
    monkeypatch.setenv("IVR_DATABASE_URL", database_url)
    monkeypatch.setenv("IVR_PROMPTS_DIR", str(prompts))
    monkeypatch.setenv("IVR_VAR_DIR", str(tmp_path / "var"))
    return database_url


def _write_plan(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _exported(url: str) -> Plan:
    async def read() -> Plan:
        async with Database(url) as db:
            return await export_plan(db)

    return asyncio.run(read())


def test_db_upgrade_and_current(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "current"]) == 0
    assert capsys.readouterr().out == "empty (behind: newest is 0006)\n"

    assert main(["db", "upgrade"]) == 0
    assert main(["db", "current"]) == 0

    assert capsys.readouterr().out.splitlines() == ["schema at 0006", "0006 (up to date)"]


def test_apply_then_export_then_apply_again_changes_nothing(
    env: str,
    tmp_path: Path,
    sample_plan: Plan,
    sample_plan_data: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    plan_file = _write_plan(tmp_path / "plan.yaml", sample_plan_data)

    assert main(["apply", str(plan_file)]) == 0
    applied = capsys.readouterr().out
    assert "menu main: new version 1" in applied
    assert any(
        line.startswith("targets") and "created    3" in line for line in applied.split("\n")
    )

    exported_file = tmp_path / "out" / "exported.yaml"
    assert main(["export", "-o", str(exported_file)]) == 0
    assert load_plan_files([exported_file]) == sample_plan

    assert main(["apply", str(exported_file)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "no change"


def test_export_to_standard_output(
    env: str,
    tmp_path: Path,
    sample_plan_data: dict[str, Any],
    sample_plan: Plan,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["apply", str(_write_plan(tmp_path / "plan.yaml", sample_plan_data))]) == 0
    capsys.readouterr()

    assert main(["export"]) == 0

    assert Plan.model_validate(yaml.safe_load(capsys.readouterr().out)) == sample_plan


def test_a_plan_with_errors_never_touches_the_database(
    env: str, tmp_path: Path, sample_plan_data: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    sample_plan_data["numbers"].append(
        {"number": "+12025550177", "campaign": "nope", "publisher": "pub-a"}
    )
    plan_file = _write_plan(tmp_path / "plan.yaml", sample_plan_data)

    assert main(["apply", str(plan_file)]) == 1

    err = capsys.readouterr().err
    assert "nope" in err and "nothing applied" in err
    assert asyncio.run(migrate.current(env)) is None  # not even the schema was created


def test_an_unreadable_file_exits_2(env: str, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("publishers: [unclosed\n", encoding="utf-8")

    assert main(["apply", str(broken)]) == 2


def test_dry_run_prints_the_changes_and_keeps_the_live_plan(
    env: str,
    tmp_path: Path,
    sample_plan: Plan,
    sample_plan_data: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["apply", str(_write_plan(tmp_path / "plan.yaml", sample_plan_data))]) == 0
    sample_plan_data["publishers"].append({"id": "pub-c", "name": "Publisher C"})
    bigger = _write_plan(tmp_path / "bigger.yaml", sample_plan_data)
    capsys.readouterr()

    assert main(["apply", "--dry-run", str(bigger)]) == 0

    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "dry run: nothing was written"
    assert any(line.startswith("publishers") and "created    1" in line for line in out)
    assert _exported(env) == sample_plan


def test_dry_run_and_export_refuse_a_database_without_schema(
    env: str, tmp_path: Path, sample_plan_data: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    plan_file = _write_plan(tmp_path / "plan.yaml", sample_plan_data)

    assert main(["apply", "--dry-run", str(plan_file)]) == 1
    assert main(["export"]) == 1

    err = capsys.readouterr().err
    assert err.count("run 'ivr db upgrade' first") == 2
    assert asyncio.run(migrate.current(env)) is None


def test_db_downgrade_rolls_back_and_upgrade_returns(
    env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade"]) == 0

    assert main(["db", "downgrade", "0003"]) == 0
    assert main(["db", "current"]) == 0
    assert main(["db", "upgrade", "0004"]) == 0
    assert main(["db", "upgrade"]) == 0

    assert capsys.readouterr().out.splitlines() == [
        "schema at 0006",
        "schema at 0003",
        "0003 (behind: newest is 0006)",
        "schema at 0004",
        "schema at 0006",
    ]
    assert asyncio.run(migrate.current(env)) == "0006"


@pytest.mark.parametrize(
    ("action", "target"), [("downgrade", "9999"), ("upgrade", "nope"), ("downgrade", "head")]
)
def test_db_with_a_revision_it_cannot_reach_says_so_and_changes_nothing(
    env: str, action: str, target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade", "0004"]) == 0

    assert main(["db", action, target]) == 1

    err = capsys.readouterr().err
    assert err.startswith(f"ivr db {action}: ") and "the schema was not changed" in err
    assert asyncio.run(migrate.current(env)) == "0004"
