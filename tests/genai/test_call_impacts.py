"""Per-call estimates: provider assumptions, catalog matching, coded gaps, laziness."""

from __future__ import annotations

from empreinte.genai import CallImpacts, TokenUsage, estimate_call
from empreinte.genai.providers import assumption_for


def test_official_hosts_map_to_the_providers_data_centres() -> None:
    a = assumption_for("openai", "api.openai.com")
    assert a.location == "cloud:azure:eastus" and "openai-microsoft-azure" in a.sources
    assert assumption_for("anthropic", None).location == "cloud:aws:us-east-1"
    assert assumption_for("openai", "localhost").location is None


def test_an_official_call_uses_the_providers_preset_and_cites_it() -> None:
    est = estimate_call("openai", "gpt-4o-mini", 500, 200, "api.openai.com")
    r = est.report
    assert r is not None
    assert r.location.zone == "USA" and r.datacenter.preset == "azure"
    assert r.datacenter.pue is not None and r.datacenter.pue.value == 1.16
    assert "datacenter-assumed" in {w.code for w in r.warnings}
    refs = {s.id: s for s in r.provenance.sources}
    assert refs["openai-microsoft-azure"].url is not None
    assert est.assumptions["zone"] == "USA" and est.assumptions["datacenter"] == "azure"


def test_dated_model_names_match_the_catalog_and_unknown_ones_are_coded() -> None:
    assert estimate_call("openai", "gpt-4o-2024-11-20", 10, 10).assumptions["catalog_id"] == (
        "openai/gpt-4o"
    )
    unknown = estimate_call("openai", "mystery-model", 10, 10)
    assert unknown.report is None
    assert "model-unknown" in {c for c, _ in unknown.warnings}


def test_no_output_tokens_is_not_estimated_rather_than_zero() -> None:
    ci = CallImpacts(TokenUsage("anthropic", "claude-3-5-haiku-latest", 10, 0))
    assert ci.energy_kwh is None and ci.gwp_kgco2e is None and not ci.estimated
    assert "not-estimated" in {w.code for w in ci.warnings}
    assert "not estimated" in repr(ci)


def test_impacts_are_computed_on_first_read_only() -> None:
    ci = CallImpacts(TokenUsage("openai", "gpt-4o-mini", 100, 37))
    assert ci._est is None
    first = ci.energy_kwh
    assert ci._est is not None and ci.energy_kwh is first
    d = ci.to_dict()
    assert d["estimated"] and d["output_tokens"] == 37 and "gwp_kgco2e" in d["impacts"]


def test_uninstrument_restores_every_wrapped_method() -> None:
    import importlib

    import empreinte.genai as genai
    from empreinte.genai import _anthropic, _openai

    targets = [*_openai.targets(), *_anthropic.targets()]

    def wrapped() -> list[bool]:
        return [
            hasattr(
                getattr(getattr(importlib.import_module(t.module), t.cls), t.attr),
                "__empreinte_original__",
            )
            for t in targets
        ]

    assert all(wrapped())  # the autouse fixture instrumented everything
    genai.uninstrument()
    assert genai.instrumented() == [] and not any(wrapped())
    genai.instrument()
    assert all(wrapped())


def test_mistral_official_hosts_map_to_azure_sweden() -> None:
    a = assumption_for("mistralai", "api.mistral.ai")
    assert a.location == "cloud:azure:swedencentral" and "ecologits-methodology" in a.sources
