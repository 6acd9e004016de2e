"""Fail when pyproject.toml asks for a package, or a version, that the venv installed from the lock lacks.

`pip check` covers the packages' own requirements but not an extra's, so a development tool added to
pyproject.toml without `make lock` would otherwise go unnoticed until it is first used.
"""

import sys
from importlib.metadata import PackageNotFoundError, requires, version

from packaging.requirements import Requirement

EXTRAS = ("", "dev")


def missing() -> list[str]:
    problems = []
    for line in requires("liuyan") or []:
        requirement = Requirement(line)
        marker = requirement.marker
        if marker and not any(marker.evaluate({"extra": extra}) for extra in EXTRAS):
            continue
        try:
            installed = version(requirement.name)
        except PackageNotFoundError:
            problems.append(f"{requirement}: not installed")
            continue
        if not requirement.specifier.contains(installed, prereleases=True):
            problems.append(f"{requirement}: {installed} installed")
    return problems


if __name__ == "__main__":
    problems = missing()
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        sys.exit("pyproject.toml asks for what requirements/lock.txt lacks: run make lock")
