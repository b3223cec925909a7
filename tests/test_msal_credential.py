"""msal ≥ 1.35, and what an admin sees when the installed msal cannot use cmxOrganize's certificate (issue 20, item 2).

cmxOrganize hands msal its certificate as ``{"private_key", "public_certificate"}`` without a thumbprint, the form msal
has since 1.35 ("Changed in version 1.35.0, if thumbprint is absent and a public_certificate is present, MSAL will
automatically calculate an SHA-256 thumbprint", msal/application.py). msal 1.31–1.34 refuse it in
``ClientApplication._build_client`` with ``ValueError("client_credential needs to follow this format …")`` — before
that was reported as AADSTS90002 "Verzeichnis nicht gefunden"."""

import re
import tomllib

import msal
import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from cmx_plugin_m365 import identity
from cmx_plugin_m365.config import AzureApp, Options
from cmx_plugin_m365.diagnosis import Kind
from devhost.pages import flashes

from .conftest import REPO_ROOT
from .helpers import make_certificate

MSAL_1_34 = (
    "client_credential needs to follow this format "
    "https://msal-python.readthedocs.io/en/latest/#msal.ClientApplication.params.client_credential"
)
"""What msal 1.31–1.34 raise for ``{"private_key", "public_certificate"}`` (their ``_build_client``)."""


def test_the_plugin_requires_msal_1_35_and_has_it():
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    (msal_requirement,) = [Requirement(d) for d in project["dependencies"] if Requirement(d).name == "msal"]
    assert str(msal_requirement.specifier) == ">=1.35"
    assert Version(msal.__version__) in msal_requirement.specifier


def test_a_credential_msal_cannot_use_is_a_bug_finding_not_an_unknown_tenant(instance, org):
    """msal (any version) refuses a certificate with neither thumbprint nor public certificate in _build_client."""
    key, _, _ = make_certificate()
    azure = AzureApp(org.client_id, "", org.tenant_id, certificate={"private_key": key}, thumbprint="AB" * 20)
    with pytest.raises(identity.MicrosoftError) as raised:
        identity.build(Options.of(instance.host), azure)
    finding = raised.value.finding
    assert (finding.code, finding.kind, finding.entry.key) == ("MSAL-CREDENTIAL", Kind.BUG, "oauth:msal_credential")
    message = finding.message()
    assert message.startswith("Anmeldedaten der App in falscher Form für msal: Die Bibliothek msal")
    assert "älter" in message and "1.35" in message and "AADSTS90002" not in message
    assert "PRIVATE KEY" not in message and key.splitlines()[1] not in message  # nothing of the key


def test_an_unknown_tenant_is_still_aadsts90002(instance, org):
    azure = AzureApp(org.client_id, "x", "nichtda.onmicrosoft.com")
    with pytest.raises(identity.MicrosoftError) as raised:
        identity.build(Options.of(instance.host), azure)
    assert raised.value.finding.code == "AADSTS90002"


def test_proving_a_certificate_with_an_msal_older_than_1_35_says_so(office, monkeypatch):
    """What an installation that resolved msal 1.34 sees on "Zertifikat prüfen": msal's refusal, as that version raises
    it in _build_client, in German — and the secret stays in use."""
    office.configure()
    office.create_certificate()
    office.upload_certificate(office.download_certificate())

    def _build_client(self, client_credential, authority, skip_regional_client=False):
        if isinstance(client_credential, dict) and not client_credential.get("thumbprint"):
            raise ValueError(MSAL_1_34)
        return original(self, client_credential, authority, skip_regional_client)

    original = msal.ClientApplication._build_client
    monkeypatch.setattr(msal.ClientApplication, "_build_client", _build_client)
    (message,) = flashes(office.prove_certificate())
    assert message.startswith(
        "Zertifikat nicht übernommen – die bisherige Anmeldeart gilt weiter. Anmeldedaten der App in falscher Form "
        "für msal:"
    ), message
    assert "Code MSAL-CREDENTIAL" in message and "Verzeichnis nicht gefunden" not in message
    assert re.search(r"msal 1\.35 oder neuer", message)
