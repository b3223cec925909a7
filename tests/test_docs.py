"""The admin guide's troubleshooting section is the catalogue, rendered: the two cannot drift apart."""

from cmx_plugin_m365 import troubleshooting
from cmx_plugin_m365.diagnosis import CATALOGUE

from .conftest import REPO_ROOT


def test_troubleshooting_is_generated_from_the_catalogue():
    committed = (REPO_ROOT / "docs" / "Fehlerbehebung.md").read_text(encoding="utf-8")
    assert committed == troubleshooting.render(), (
        "docs/Fehlerbehebung.md is out of date: python -m cmx_plugin_m365.troubleshooting > docs/Fehlerbehebung.md"
    )


def test_every_catalogue_entry_is_in_the_guide():
    text = troubleshooting.render()
    for entry in CATALOGUE:
        assert entry.cause in text and entry.action in text


def test_the_guide_links_the_troubleshooting():
    assert "(Fehlerbehebung.md)" in (REPO_ROOT / "docs" / "Anleitung.md").read_text(encoding="utf-8")
