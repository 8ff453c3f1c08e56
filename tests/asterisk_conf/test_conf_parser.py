"""The reader rejects what Asterisk would warn about, so the checks built on it can fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conf_parser import ConfError, load, strip_comments


def write(root: Path, name: str, text: str) -> None:
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(text, encoding="utf-8")


def test_comments_escapes_and_block_comments() -> None:
    lines = strip_comments("a = 1 ; note\nb = x\\;y\n;-- gone\nstill gone --; c = 3\n")
    assert lines == ["a = 1", "b = x;y", "", "c = 3"]


def test_unterminated_block_comment() -> None:
    with pytest.raises(ConfError):
        strip_comments(";-- never closed\n")


def test_templates_inheritance_and_append(tmp_path: Path) -> None:
    write(
        tmp_path,
        "x.conf",
        "[tpl](!)\nallow = ulaw\n[one](tpl)\ncontext = c\n[one](+)\nallow += ,alaw\n",
    )
    conf = load("x.conf", tmp_path)
    one = conf.named("one")[0]
    assert conf.named("tpl")[0].template
    assert one.get("context") == "c"
    assert one.get("allow") == "ulaw,alaw"


@pytest.mark.parametrize(
    "text",
    [
        "a = 1\n",  # outside any section
        "[s]\njust words\n",  # no '='
        "[s](missing)\na = 1\n",  # unknown parent
        "[s](+)\na = 1\n",  # append to a missing section
        "[s\n",  # bad header
        "[s]\n#include nothere.conf\n",  # missing include
        "[s]\n#exec /bin/true\n",  # needs execincludes, never used here
    ],
)
def test_rejects(tmp_path: Path, text: str) -> None:
    write(tmp_path, "bad.conf", text)
    with pytest.raises(ConfError):
        load("bad.conf", tmp_path)


def test_tryinclude_may_be_missing_and_include_continues_section(tmp_path: Path) -> None:
    write(
        tmp_path, "main.conf", "[a]\nx = 1\n#tryinclude absent.conf\n#include sub/b.conf\ny = 2\n"
    )
    write(tmp_path, "sub/b.conf", "[b]\nz = 3\n")
    conf = load("main.conf", tmp_path)
    assert conf.included == ["main.conf", "sub/b.conf"]
    # Like Asterisk, lines after an #include belong to the last section the include opened.
    assert conf.named("b")[0].get("y") == "2"
