"""Data-centre presets and cloud regions."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from empreinte.errors import DataError, UnknownKeyError
from empreinte.factors.cloud import (
    CloudRegionRepository,
    list_cloud_regions,
    parse_cloud_location,
    resolve_cloud_location,
    resolve_cloud_region,
)
from empreinte.factors.datacenters import (
    DatacenterRepository,
    default_datacenter,
    default_repository,
    get_datacenter,
    list_datacenters,
)

SV = {"unit": "dimensionless", "sources": ["x"]}


def test_default_is_uptime_average() -> None:
    d = default_datacenter()
    assert d.pue.value == 1.56  # Uptime Institute 2024
    assert d.pue.range.low < 1.56 < d.pue.range.high
    assert d.wue_onsite_l_per_kwh is not None


def test_presets() -> None:
    ids = {d.id for d in list_datacenters()}
    want = {"aws", "google-cloud", "azure", "meta", "ovhcloud", "scaleway", "equinix"}
    assert want | {"hyperscale", "enterprise", "idris-jean-zay"} <= ids
    assert get_datacenter("AWS").pue.value == 1.15
    assert get_datacenter("idris-jean-zay").pue.value == 1.2  # BLOOM LCA
    for d in list_datacenters():
        assert d.pue.range.low >= 1.0
        assert default_repository().wue_or_default(d).unit == "L/kWh"


def test_unknown_datacenter() -> None:
    with pytest.raises(UnknownKeyError) as exc:
        get_datacenter("azur")
    assert "azure" in exc.value.suggestions


def test_injectable_datacenters() -> None:
    repo = DatacenterRepository(
        lambda: {
            "datacenters": [
                {"id": "default", "name": "D", "kind": "default", "pue": {**SV, "value": 1.3}}
            ]
        }
    )
    assert repo.default().pue.value == 1.3
    with pytest.raises(DataError):
        repo.wue_or_default(repo.default())
    with pytest.raises(DataError):
        DatacenterRepository(lambda: {"datacenters": []}).default()


@pytest.mark.parametrize(
    ("provider", "region", "zone", "dc"),
    [
        ("aws", "eu-west-3", "FRA", "aws"),
        ("aws", "us-east-1", "USA", "aws"),
        ("gcp", "europe-west1", "BEL", "google-cloud"),
        ("google", "us-central1", "USA", "google-cloud"),
        ("azure", "francecentral", "FRA", "azure"),
        ("Azure", "SwedenCentral", "SWE", "azure"),
    ],
)
def test_resolve_region(provider: str, region: str, zone: str, dc: str) -> None:
    r = resolve_cloud_region(provider, region)
    assert (r.zone, r.datacenter) == (zone, dc)


def test_location_string() -> None:
    assert parse_cloud_location("cloud:AWS:eu-west-3") == ("aws", "eu-west-3")
    assert resolve_cloud_location("cloud:gcp:europe-west9").zone == "FRA"
    for bad in ("aws:eu-west-3", "cloud:aws", "cloud::x"):
        with pytest.raises(UnknownKeyError):
            parse_cloud_location(bad)


def test_unknown_region_suggests() -> None:
    with pytest.raises(UnknownKeyError) as exc:
        resolve_cloud_region("aws", "eu-west-33")
    assert "eu-west-3" in exc.value.suggestions
    with pytest.raises(UnknownKeyError):
        resolve_cloud_region("ibm", "x")


def test_regions_use_known_zones_and_presets() -> None:
    grid = Path(__file__).parents[2] / "src/empreinte/factors/data/grid.csv"
    lines = [ln for ln in grid.read_text().splitlines() if not ln.startswith("#")]
    zones = {r["zone"] for r in csv.DictReader(lines)}
    presets = {d.id for d in list_datacenters()}
    regions = list_cloud_regions()
    for p in ("aws", "gcp", "azure"):
        assert len(list_cloud_regions(p)) >= 30
    for r in regions:
        assert r.zone in zones, r
        assert r.datacenter in presets, r


def test_injectable_regions() -> None:
    row = {
        "provider": "aws",
        "region": "x-1",
        "location": "X",
        "zone": "FRA",
        "datacenter": "aws",
        "sources": ["s"],
    }
    repo = CloudRegionRepository(lambda: {"regions": [row]})
    assert repo.resolve_location("cloud:amazon:x-1").zone == "FRA"
    with pytest.raises(DataError):
        CloudRegionRepository(lambda: {"regions": [row, row]}).list()


def test_operator_pue_by_year_with_its_source():
    meta = get_datacenter("meta:2023")
    assert meta.year == 2023 and meta.pue.value == 1.08
    assert meta.pue.sources == ["meta-sustainability-2024"]
    assert get_datacenter("google-cloud@2023").pue.value == 1.10
    assert get_datacenter("google-cloud:2024").pue.value == 1.09
    aws = get_datacenter("aws:2024")
    assert (aws.pue.value, aws.pue.range.low) == (1.15, 1.04)
    # the WUE stays the fleet's; a bare id is the undated fleet preset
    assert aws.wue_onsite_l_per_kwh == get_datacenter("aws").wue_onsite_l_per_kwh
    assert get_datacenter("aws").year is None
    # a year the operator did not publish is an error naming the years it did
    with pytest.raises(UnknownKeyError, match="aws:2023"):
        get_datacenter("aws:2019")
    with pytest.raises(UnknownKeyError, match="published for: none"):
        get_datacenter("azure:2023")


def test_meta_wue_is_a_range():
    wue = get_datacenter("meta").wue_onsite_l_per_kwh
    assert wue is not None
    assert (wue.low, wue.value, wue.high) == (0.2, 0.26, 0.36)
