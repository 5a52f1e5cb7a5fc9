"""The dashboard's static files: all in the wheel, the vendored ones named with their versions."""

from __future__ import annotations

import fnmatch
import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "diaryflow"
STATIC = PACKAGE / "web" / "static"
# The version string each vendored file carries in its own code.
VERSION_IN_FILE = {"htmx.min.js": 'version:"{v}"', "mermaid.min.js": 'version:"{v}"'}
ROW = re.compile(r"^\| `([^`]+)` \| `([^`]+)` \| ([\d.]+) \| `([^`]+)`.*\| ([^|]+) \|$", re.M)


def _globs() -> list[str]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs: list[str] = pyproject["tool"]["setuptools"]["package-data"]["diaryflow"]
    return globs


def test_every_static_file_and_template_ships_in_the_wheel() -> None:
    files = [p for p in STATIC.iterdir() if p.is_file()]
    assert {"htmx.min.js", "mermaid.min.js", "app.js", "style.css", "VENDORED.md"} <= {
        p.name for p in files}
    for path in files:
        name = path.relative_to(PACKAGE).as_posix()
        assert any(fnmatch.fnmatch(name, glob) for glob in _globs()), name
    assert any(fnmatch.fnmatch("web/templates/report.html", glob) for glob in _globs())


def test_vendored_md_names_each_vendored_file_its_version_and_license() -> None:
    rows = {row[0]: row[1:] for row in ROW.findall((STATIC / "VENDORED.md").read_text("utf-8"))}
    assert set(rows) == set(VERSION_IN_FILE)
    for name, (package, version, _, license_) in rows.items():
        text = (STATIC / name).read_text(encoding="utf-8")
        assert VERSION_IN_FILE[name].format(v=version) in text, (name, version)
        assert package and license_.strip()


def test_no_page_asset_loads_from_elsewhere_or_runs_inline() -> None:
    app = (STATIC / "app.js").read_text(encoding="utf-8")
    assert "securityLevel: \"strict\"" in app and "startOnLoad: false" in app
    assert "htmx:afterSwap" in app and "pre.mermaid" in app
    for own in ("app.js", "style.css"):
        assert "http://" not in (STATIC / own).read_text("utf-8")
        assert "https://" not in (STATIC / own).read_text("utf-8")
