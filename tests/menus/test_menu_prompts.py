"""The shipped prompts: format, agreement with the build table and the contract, resolution."""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
import wave
from array import array
from pathlib import Path
from types import ModuleType

import pytest
from menu_builders import PROMPTS_DIR, REPO_ROOT

from ivr.menus import prompt_resolver, resolver_for_dir

WAVS = sorted(PROMPTS_DIR.glob("*.wav"))


def load_build_script() -> ModuleType:
    path = REPO_ROOT / "scripts" / "build_prompts.py"
    spec = importlib.util.spec_from_file_location("ivr_build_prompts_script", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def contract_prompt_names() -> set[str]:
    text = (REPO_ROOT / "docs" / "contracts.md").read_text(encoding="utf-8")
    listing = text.split("Demo prompt names:", 1)[1].split("\n\n", 1)[0]
    return set(re.findall(r"`([^`]+)`", listing))


def assert_telephone_wav(path: Path) -> None:
    with wave.open(str(path), "rb") as wav:
        assert wav.getcomptype() == "NONE", path
        assert wav.getnchannels() == 1, path
        assert wav.getframerate() == 8000, path
        assert wav.getsampwidth() == 2, path
        seconds = wav.getnframes() / wav.getframerate()
        samples = array("h", wav.readframes(wav.getnframes()))
    assert 1.0 <= seconds <= 15.0, f"{path.name}: {seconds:.2f} s"
    # Speech, not silence or a click: a real share of full scale somewhere in the file.
    assert max(abs(s) for s in samples) > 8000, path


def test_prompts_are_shipped() -> None:
    assert len(WAVS) >= 11


@pytest.mark.parametrize("path", WAVS, ids=[p.stem for p in WAVS])
def test_shipped_prompt_is_8khz_mono_16bit_speech(path: Path) -> None:
    assert_telephone_wav(path)


def test_table_folder_and_contract_name_the_same_prompts() -> None:
    table = load_build_script().load_table()
    assert set(table) == {p.stem for p in WAVS}
    assert contract_prompt_names() <= set(table)
    assert len(contract_prompt_names()) == 11


def test_build_script_reports_disagreements(tmp_path: Path) -> None:
    script = load_build_script()
    (tmp_path / "ivr-goodbye.wav").write_bytes(b"")
    (tmp_path / "stray.wav").write_bytes(b"")
    problems = script.disagreements({"ivr-goodbye": "Bye.", "ivr-invalid": "No."}, tmp_path)
    assert problems == ["missing ivr-invalid.wav", "stray.wav is not in the table"]


def test_build_script_rejects_a_bad_table(tmp_path: Path) -> None:
    table = tmp_path / "prompts.yaml"
    table.write_text("Bad Name: hello\n")
    with pytest.raises(ValueError, match="bad prompt name"):
        load_build_script().load_table(table)


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_build_script_makes_a_telephone_wav(tmp_path: Path) -> None:
    table = tmp_path / "prompts.yaml"
    table.write_text("ivr-test: Please hold while we find an agent.\n")
    code = load_build_script().main(["--table", str(table), "--out", str(tmp_path)])
    assert code == 0
    assert_telephone_wav(tmp_path / "ivr-test.wav")


def test_app_prompts_play_from_the_ivr_folder_and_others_are_core_sounds() -> None:
    resolve = prompt_resolver(["ivr-welcome"])
    assert resolve("ivr-welcome") == "ivr/ivr-welcome"
    assert resolve("beep") == "beep"
    assert resolve("digits/1") == "digits/1"


def test_resolver_for_the_prompts_folder_knows_every_shipped_prompt() -> None:
    resolve = resolver_for_dir(PROMPTS_DIR)
    assert {resolve(p.stem) for p in WAVS} == {f"ivr/{p.stem}" for p in WAVS}
    assert resolver_for_dir(PROMPTS_DIR / "nowhere")("ivr-welcome") == "ivr-welcome"
