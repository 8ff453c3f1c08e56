"""A strict reader of Asterisk's configuration format, modelled on main/config.c (Asterisk 22).

What it accepts is what ``process_text_line`` and the comment scanner there accept: ``;`` line
comments (``\\;`` is a literal semicolon), ``;-- --;`` block comments, ``[name]`` and
``[name](options)`` headers (``!`` template, ``+`` append, other names = inherit), ``#include`` and
``#tryinclude`` (paths relative to the configuration directory), and ``name = value``,
``name => value`` and ``name += value`` lines. Whatever Asterisk would log as a warning or an
error (a line outside any section, a line without ``=``, a missing ``#include``, inheriting from
an unknown section, an unknown directive) raises ``ConfError`` here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

HEADER_RE = re.compile(r"^\[([^\]]+)\](?:\((.*)\))?$")


class ConfError(ValueError):
    """The text is not something Asterisk would load without a warning."""


@dataclass
class Entry:
    name: str
    value: str
    object: bool  # written with "=>"
    file: str
    line: int


@dataclass
class Section:
    name: str
    template: bool
    file: str
    line: int
    entries: list[Entry] = field(default_factory=list)

    def get(self, name: str) -> str | None:
        """The last value of ``name`` (later lines win, as for most Asterisk options)."""
        values = self.values(name)
        return values[-1] if values else None

    def values(self, name: str) -> list[str]:
        return [e.value for e in self.entries if e.name.lower() == name.lower()]


@dataclass
class Conf:
    sections: list[Section] = field(default_factory=list)
    included: list[str] = field(default_factory=list)

    def named(self, name: str) -> list[Section]:
        return [s for s in self.sections if s.name == name]

    def objects(self, type_: str) -> dict[str, Section]:
        """Sorcery-style objects (pjsip.conf): concrete sections whose ``type`` is ``type_``."""
        return {s.name: s for s in self.sections if not s.template and s.get("type") == type_}


def strip_comments(text: str) -> list[str]:
    """The lines with comments removed, block comments spanning lines included."""
    out: list[str] = []
    depth = 0
    for raw in text.splitlines():
        kept, i = [], 0
        while i < len(raw):
            ch = raw[i]
            if raw.startswith(";--", i) and not raw.startswith(";---", i):
                depth, i = depth + 1, i + 3
            elif depth and raw.startswith("--;", i):
                depth, i = depth - 1, i + 3
            elif depth:
                i += 1
            elif ch == "\\" and raw.startswith("\\;", i):
                kept.append(";")
                i += 2
            elif ch == ";":
                break
            else:
                kept.append(ch)
                i += 1
        out.append("".join(kept).strip())
    if depth:
        raise ConfError("unterminated ;-- block comment")
    return out


def load(name: str, root: Path) -> Conf:
    """Parse ``root/name`` and everything it includes, like Asterisk does from /etc/asterisk."""
    conf = Conf()
    _load_into(conf, name, root, required=True, current=None)
    return conf


def _load_into(
    conf: Conf, name: str, root: Path, required: bool, current: Section | None
) -> Section | None:
    """Parse one file; return the section open at its end (Asterisk carries it on)."""
    path = root / name
    if not path.is_file():
        if required:
            raise ConfError(f"#include {name}: no such file under {root}")
        return current
    conf.included.append(name)
    section = current
    for number, line in enumerate(strip_comments(path.read_text(encoding="utf-8")), start=1):
        if line:
            section = _parse_line(conf, line, name, number, root, section)
    return section


def _parse_line(
    conf: Conf, line: str, file: str, number: int, root: Path, section: Section | None
) -> Section | None:
    where = f"{file}:{number}"
    if line.startswith("["):
        return _header(conf, line, file, number)
    if line.startswith("#"):
        directive, _, argument = line[1:].partition(" ")
        argument = argument.strip().strip('"<>')
        if directive.lower() not in ("include", "tryinclude") or not argument:
            raise ConfError(f"{where}: unsupported directive {line!r}")
        return _load_into(conf, argument, root, directive.lower() == "include", section)
    if section is None:
        raise ConfError(f"{where}: line outside any [section]")
    section.entries.append(_assignment(conf, section, line, file, number))
    return section


def _header(conf: Conf, line: str, file: str, number: int) -> Section:
    match = HEADER_RE.match(line)
    if not match:
        raise ConfError(f"{file}:{number}: bad section header {line!r}")
    name, options = match.group(1), match.group(2)
    flags = [o.strip() for o in options.split(",")] if options is not None else []
    if "+" in flags:
        existing = conf.named(name)
        if not existing:
            raise ConfError(f"{file}:{number}: [{name}](+) appends to a missing section")
        return existing[-1]
    section = Section(name, template="!" in flags, file=file, line=number)
    for parent in (f for f in flags if f not in ("!", "")):
        bases = conf.named(parent)
        if not bases:
            raise ConfError(f"{file}:{number}: [{name}] inherits unknown [{parent}]")
        section.entries.extend(bases[-1].entries)
    conf.sections.append(section)
    return section


def _assignment(conf: Conf, section: Section, line: str, file: str, number: int) -> Entry:
    key, sep, value = line.partition("=")
    if not sep or not key.strip():
        raise ConfError(f"{file}:{number}: expected 'name = value', got {line!r}")
    is_object = value.startswith(">")
    if is_object:
        value = value[1:]
    key, value = key.strip(), value.strip()
    if key.endswith("+"):
        key = key[:-1].strip()
        previous = section.values(key)
        value = (previous[-1] if previous else "") + value
    return Entry(key, value, is_object, file, number)
