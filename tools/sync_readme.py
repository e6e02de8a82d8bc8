"""Copy the part documents of docs/ into README.md, so the two never drift apart.

    python tools/sync_readme.py          # rewrite README.md's copied sections
    python tools/sync_readme.py --check  # exit 1 (and name the sections) when README.md is out of date

README.md keeps its own headings and its own sections (set-up, first ten minutes, layout...). A section
that copies a document starts with its README heading and the line `_Also in [docs/X.md](docs/X.md)._`;
everything after that line up to the next heading of the same level is the document's body (its first
heading dropped) with every heading one level deeper. Edit the document, then run this script.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_MARKER = re.compile(r"^_Also in \[(docs/[\w.-]+\.md)\]\(\1\)\._$")


_RELATIVE_LINK = re.compile(r"\]\((?!https?:|#|/|docs/)([^)\s]+)\)")
_IMAGE = re.compile(r"^!\[[^\]]*\]\(([^)\s]+)\)$")


def demoted_body(document: str, shown: str = "") -> list[str]:
    """The document without its first heading, each heading outside code blocks one level deeper, links
    made relative to the repository root, and images that README already shows (`shown`) left out."""
    lines = document.rstrip("\n").split("\n")
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    out, in_code = [], False
    for line in lines:
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code:
            if re.match(r"#{1,5} ", line):
                line = "#" + line
            line = _RELATIVE_LINK.sub(r"](docs/\1)", line)
            image = _IMAGE.match(line)
            if image and f"]({image.group(1)})" in shown:
                continue
        out.append(line)
    return out


def assemble(readme: str, root: Path = ROOT) -> tuple[str, list[str]]:
    """(README text with every copied section refreshed, the documents whose section changed)."""
    lines = readme.rstrip("\n").split("\n")
    out: list[str] = []
    changed: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        out.append(line)
        match = _MARKER.match(line)
        i += 1
        if not match:
            continue
        # The section's level is that of the last heading before the marker.
        level = next(len(h) - len(h.lstrip("#")) for h in reversed(out) if re.match(r"#{1,6} ", h))
        end, in_code = i, False
        while end < len(lines):
            current = lines[end]
            if current.startswith("```"):
                in_code = not in_code
            elif not in_code and re.match(rf"#{{1,{level}}} ", current):
                break
            end += 1
        body = demoted_body((root / match.group(1)).read_text(encoding="utf-8"), shown="\n".join(out))
        while body and not body[-1].strip():
            body.pop()
        new = body + [""]
        if lines[i:end] != new:
            changed.append(match.group(1))
        out.extend(new)
        i = end
    return "\n".join(out) + "\n", changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report sections that are out of date")
    args = parser.parse_args(argv)
    path = ROOT / "README.md"
    text, changed = assemble(path.read_text(encoding="utf-8"))
    if args.check:
        for doc in changed:
            print(f"README.md is out of date with {doc}: run python tools/sync_readme.py")
        return 1 if changed else 0
    path.write_text(text, encoding="utf-8")
    print("updated from " + ", ".join(changed) if changed else "README.md already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
