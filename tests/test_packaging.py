"""What a user's pip install gets besides the code: licence, metadata, type information, and a
CHANGELOG whose versions match the package's."""

from __future__ import annotations

import re
from importlib import metadata, resources
from pathlib import Path

import toilaudit

ROOT = Path(__file__).resolve().parent.parent


def test_licence_classifiers_urls_and_typing():
    meta = metadata.metadata("toilaudit")
    assert meta["Version"] == toilaudit.__version__
    assert meta["License-Expression"] == "Apache-2.0"
    assert "Apache License" in (ROOT / "LICENSE").read_text() and "Version 2.0" in (ROOT / "LICENSE").read_text()
    classifiers = meta.get_all("Classifier")
    assert "Typing :: Typed" in classifiers and "Programming Language :: Python :: 3.11" in classifiers
    urls = dict(url.split(", ", 1) for url in meta.get_all("Project-URL"))
    assert set(urls) >= {"Homepage", "Changelog", "Issues", "Documentation"}
    assert resources.files("toilaudit").joinpath("py.typed").is_file()


def test_changelog_has_unreleased_then_the_package_version_with_a_date():
    text = (ROOT / "CHANGELOG.md").read_text()
    headings = re.findall(r"^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$", text, re.M)
    assert headings[0] == ("Unreleased", "")
    assert headings[1] == (toilaudit.__version__, headings[1][1]) and headings[1][1]
    for version, _ in headings:  # each heading links to its changes
        assert re.search(rf"^\[{re.escape(version)}\]: https://", text, re.M)
