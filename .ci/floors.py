"""Print pip constraints pinning every dependency in pyproject.toml to its declared minimum."""

from __future__ import annotations

import sys
from pathlib import Path

from packaging.requirements import Requirement

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def floors(pyproject: Path, extras: list[str]) -> list[str]:
    """``name==minimum`` for the dependencies (and ``extras``) that apply to this interpreter."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    lines = list(project["dependencies"])
    for extra in extras:
        lines += project["optional-dependencies"][extra]
    pins: list[str] = []
    for line in lines:
        requirement = Requirement(line)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        minimum = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        if len(minimum) != 1:
            raise SystemExit(f"pyproject.toml: {line!r} states no single '>=' minimum")
        pins.append(f"{requirement.name}=={minimum[0]}")
    return pins


def main() -> None:
    """Print the constraints for the extras named on the command line (``dev``)."""
    print("\n".join(floors(PYPROJECT, sys.argv[1:])))


if __name__ == "__main__":
    main()
