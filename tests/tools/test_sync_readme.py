"""README.md copies the part documents of docs/ (tools/sync_readme.py); these tests keep it honest."""
import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("sync_readme", REPO / "tools" / "sync_readme.py")
sync_readme = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sync_readme)


def test_readme_is_in_sync_with_docs():
    text, changed = sync_readme.assemble((REPO / "README.md").read_text(encoding="utf-8"))
    assert changed == [], f"run python tools/sync_readme.py ({changed} changed)"


def test_assemble_copies_demotes_and_rewrites(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "part.md").write_text(
        "# Part title\n\nBody with [a link](other.md) and [web](https://example.org).\n\n"
        "![Shot](shot.png)\n\n## Sub\n\n```bash\n# a comment, not a heading\n```\n", encoding="utf-8")
    readme = ("# Project\n\n![Shot](docs/shot.png)\n\n## Part\n\n_Also in [docs/part.md](docs/part.md)._\n\n"
              "stale text\n\n## Own section\n\nkept\n")
    text, changed = sync_readme.assemble(readme, root=tmp_path)
    assert changed == ["docs/part.md"]
    assert "stale text" not in text
    assert "[a link](docs/other.md)" in text and "[web](https://example.org)" in text
    assert "### Sub" in text and "# a comment, not a heading" in text
    assert text.count("shot.png") == 1  # README already shows the image
    assert text.endswith("## Own section\n\nkept\n")
    again, changed_again = sync_readme.assemble(text, root=tmp_path)
    assert again == text and changed_again == []
