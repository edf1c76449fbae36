"""A line-based INI editor for the AWS config file.

It reads the file the way botocore does (configparser.RawConfigParser + botocore's
section naming) and changes only the lines it must: comments, blank lines, key
order and every other section survive.
"""

from __future__ import annotations

import re
import shlex
from typing import Callable, List, Optional, Tuple

_HEADER = re.compile(r"\[(?P<header>.+)\]")
_OPTION = re.compile(r"(?P<option>.*?)\s*(?P<vi>=|:)\s*(?P<value>.*)$")


def _is_comment(line: str) -> bool:
    s = line.strip()
    return s.startswith("#") or s.startswith(";")


def _is_indented(line: str) -> bool:
    return bool(line) and line[0] in " \t"


def _header(line: str) -> Optional[str]:
    if _is_indented(line) or _is_comment(line):
        return None
    m = _HEADER.match(line.strip())
    return m.group("header") if m else None


def _section_parts(header: str) -> Optional[List[str]]:
    try:
        return shlex.split(header)
    except ValueError:
        return None


def profile_matcher(profile: str) -> Callable[[str], bool]:
    """Which section headers botocore reads as profile ``profile``."""

    def match(header: str) -> bool:
        if profile == "default" and header == "default":
            return True
        if header.startswith("profile"):
            parts = _section_parts(header)
            return parts is not None and len(parts) == 2 and parts[1] == profile
        return False

    return match


def services_matcher(name: str) -> Callable[[str], bool]:
    def match(header: str) -> bool:
        if header.startswith("services"):
            parts = _section_parts(header)
            return parts is not None and len(parts) == 2 and parts[1] == name
        return False

    return match


def exact_matcher(name: str) -> Callable[[str], bool]:
    return lambda header: header == name


def profile_header(profile: str) -> str:
    if profile == "default":
        return "default"
    return f"profile {profile}" if re.fullmatch(r"[^\s\"']+", profile) else f'profile "{profile}"'


class IniDocument:
    """An INI text as a list of lines, with the edits an AWS config needs."""

    def __init__(self, text: str = ""):
        self.newline = "\r\n" if "\r\n" in text else "\n"
        self.lines: List[str] = text.splitlines()

    def text(self) -> str:
        return self.newline.join(self.lines) + self.newline if self.lines else ""

    # -- structure ---------------------------------------------------------
    def sections(self) -> List[Tuple[str, int, int]]:
        """(header, index of the header line, end index exclusive), in file order."""
        found = []
        for i, line in enumerate(self.lines):
            h = _header(line)
            if h is not None:
                if found:
                    found[-1] = (found[-1][0], found[-1][1], i)
                found.append((h, i, len(self.lines)))
        return found

    def find_section(self, match: Callable[[str], bool]) -> Optional[Tuple[str, int, int]]:
        # botocore keeps the last of several sections naming the same profile.
        hits = [s for s in self.sections() if match(s[0])]
        return hits[-1] if hits else None

    def _options(self, start: int, end: int):
        """(key, first line, end line exclusive) of each option of a section body."""
        out = []
        i = start + 1
        while i < end:
            line = self.lines[i]
            if not line.strip() or _is_comment(line) or _is_indented(line):
                i += 1
                continue
            m = _OPTION.match(line.strip())
            key = m.group("option").strip().lower() if m else line.strip().lower()
            j = i + 1
            last = i
            while j < end:
                nxt = self.lines[j]
                if _is_indented(nxt) and nxt.strip():
                    last = j
                elif nxt.strip() and not _is_comment(nxt):
                    break
                j += 1
            out.append((key, i, last + 1))
            i = last + 1
        return out

    def get(self, match, key: str) -> Optional[str]:
        sec = self.find_section(match)
        if sec is None:
            return None
        for k, a, b in self._options(sec[1], sec[2]):
            if k == key.lower():
                m = _OPTION.match(self.lines[a].strip())
                first = m.group("value").strip() if m else ""
                rest = [l.strip() for l in self.lines[a + 1 : b] if l.strip() and not _is_comment(l)]
                return "\n".join([first] + rest) if rest else first
        return None

    def keys(self, match) -> List[Tuple[str, str]]:
        sec = self.find_section(match)
        if sec is None:
            return []
        return [(k, self.get(match, k)) for k, _, _ in self._options(sec[1], sec[2])]

    # -- edits ---------------------------------------------------------------
    def ensure_section(self, match, header: str) -> Tuple[str, int, int]:
        sec = self.find_section(match)
        if sec is not None:
            return sec
        while self.lines and not self.lines[-1].strip():
            self.lines.pop()
        if self.lines:
            self.lines.append("")
        self.lines.append(f"[{header}]")
        return (header, len(self.lines) - 1, len(self.lines))

    def _insert_point(self, start: int, end: int) -> int:
        opts = self._options(start, end)
        return opts[-1][2] if opts else start + 1

    def set(self, match, header: str, key: str, value: str) -> None:
        """``key = value`` in the section (created when missing)."""
        self._replace(match, header, key, [f"{key} = {value}"])

    def set_nested(self, match, header: str, key: str, subkey: str, value: str) -> None:
        """``key =`` / ``  subkey = value``; other sub-keys of ``key`` are kept."""
        _, start, end = self.ensure_section(match, header)
        for k, a, b in self._options(start, end):
            if k != key:
                continue
            m = _OPTION.match(self.lines[a].strip())
            if m and m.group("value").strip():  # a flat value: replace it
                break
            for i in range(a + 1, b):
                sm = _OPTION.match(self.lines[i].strip())
                if sm and not _is_comment(self.lines[i]) and sm.group("option").strip().lower() == subkey:
                    indent = self.lines[i][: len(self.lines[i]) - len(self.lines[i].lstrip())]
                    self.lines[i] = f"{indent}{subkey} = {value}"
                    return
            self.lines.insert(b, f"  {subkey} = {value}")
            return
        self._replace(match, header, key, [f"{key} =", f"  {subkey} = {value}"])

    def _replace(self, match, header: str, key: str, new_lines: List[str]) -> None:
        _, start, end = self.ensure_section(match, header)
        for k, a, b in self._options(start, end):
            if k == key.lower():
                self.lines[a:b] = new_lines
                return
        at = self._insert_point(start, end)
        self.lines[at:at] = new_lines

    def remove(self, match, key: str) -> bool:
        sec = self.find_section(match)
        if sec is None:
            return False
        for k, a, b in self._options(sec[1], sec[2]):
            if k == key.lower():
                del self.lines[a:b]
                return True
        return False
