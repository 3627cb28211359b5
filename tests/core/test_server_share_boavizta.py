"""The host server's embodied share against Boavizta's primary data: golden cases by hand.

Boavizta API at commit 15878f045bf06bc6ed685c7266c39f7e8498ab94, archetype p5.48xlarge (8x H100)
without its 8 GPUs (sum of the CPU, RAM, SSD, power supply, case, motherboard and assembly
components' embedded impacts, unrounded): GWP 5652 [3072, 12198] kgCO2e, ADPe 0.3656
[0.2633, 0.5911] kgSbeq, PE 71466 [39070, 152890] MJ. ``dgx-h100`` carries GWP 5700 [2500
(BLOOM's LCA), 12200], ADPe 0.3656 [0.2633, 0.5911], PE 71470 [39070, 152900].

Share of 125 server-hours (1,000 H100-hours on 8-slot hosts), lifetime × utilisation defaults
5 [3, 6] years × 0.85 [0.5, 1]:

    central  125 / (5 × 8760 × 0.85) = 125 / 37,230 = 0.00335751
    low      125 / (6 × 8760 × 1.0)  = 125 / 52,560 = 0.00237823
    high     125 / (3 × 8760 × 0.5)  = 125 / 13,140 = 0.00951294
"""

from __future__ import annotations

import pytest

from empreinte.factors.hardware import get_server
from empreinte.impacts import HardwareShare, compute_impacts


def test_dgx_h100_host_share_uses_boaviztas_p5_host_without_gpus() -> None:
    """By hand:

    GWP   5700 × 0.00335751 = 19.1378 kgCO2e   [2500 × 0.00237823 = 5.9456,
                                                12200 × 0.00951294 = 116.058]
    ADPe  0.3656 × 0.00335751 = 0.00122751 kgSbeq   [0.2633 × 0.00237823 = 0.00062619,
                                                      0.5911 × 0.00951294 = 0.00562310]
    PE    71470 × 0.00335751 = 239.961 MJ   [39070 × 0.00237823 = 92.918,
                                             152900 × 0.00951294 = 1454.53]
    (before: ADPe 0.8867 and PE 82330 derived from a 2-socket archetype's ratios, +143 % and
    +15 % against Boavizta's p5.48xlarge host.)
    """
    res = compute_impacts(
        10.0, location="FRA", hardware=[HardwareShare.server("dgx-h100", 1, 125.0)]
    )
    gwp = res.criteria["gwp_kgco2e"].embodied
    adpe = res.criteria["adpe_kgsbe"].embodied
    pe = res.criteria["pe_mj"].embodied
    assert gwp is not None and adpe is not None and pe is not None
    assert (gwp.value, gwp.low, gwp.high) == pytest.approx((19.1378, 5.9456, 116.058), rel=1e-5)
    assert (adpe.value, adpe.low, adpe.high) == pytest.approx(
        (0.00122751, 0.00062619, 0.00562310), rel=1e-5
    )
    assert (pe.value, pe.low, pe.high) == pytest.approx((239.961, 92.918, 1454.53), rel=1e-5)
    host = get_server("dgx-h100").embodied
    assert host.adpe_kgsbe.sources == ["boavizta-api-server-archetypes"]


def test_dgx_a100_host_share_uses_boaviztas_p4d_host_for_adpe_and_pe() -> None:
    """By hand (p4d.24xlarge without its GPUs: ADPe 0.2432 [0.1772, 0.3635] kgSbeq, PE 37954
    [20976, 74319] MJ; GWP stays BLOOM's 2500 with Boavizta's [1634, 5882] as the range):

    ADPe  0.2432 × 0.00335751 = 0.00081655 kgSbeq
    PE    37950 × 0.00335751 = 127.418 MJ
    GWP   2500 × 0.00335751 = 8.39377 kgCO2e   [1630 × 0.00237823 = 3.87652,
                                                5880 × 0.00951294 = 55.9361]
    """
    res = compute_impacts(
        10.0, location="FRA", hardware=[HardwareShare.server("dgx-a100", 1, 125.0)]
    )
    gwp = res.criteria["gwp_kgco2e"].embodied
    adpe = res.criteria["adpe_kgsbe"].embodied
    pe = res.criteria["pe_mj"].embodied
    assert gwp is not None and adpe is not None and pe is not None
    assert adpe.value == pytest.approx(0.00081655, rel=1e-4)
    assert pe.value == pytest.approx(127.418, rel=1e-5)
    assert (gwp.value, gwp.low, gwp.high) == pytest.approx((8.39377, 3.87652, 55.9361), rel=1e-5)


def test_bloom_apollo_host_takes_the_p4d_host_adpe_and_pe() -> None:
    """BLOOM's HPE Apollo 6500 gives GWP only (2,500 kgCO2e); its ADPe and PE are the
    comparable 8x A100 host's (p4d.24xlarge without GPUs), as for ``dgx-a100``. The engine's
    share uses the lifecycle defaults (5 years × 0.85 = 37,230 h), 125 server-hours:
    ADPe 0.2432 × 125 / 37,230 = 8.1655e-4 kgSbeq.
    """
    apollo = get_server("hpe-apollo-6500").embodied
    assert (apollo.adpe_kgsbe.value, apollo.pe_mj.value) == (0.2432, 37950)
    res = compute_impacts(
        10.0, location="FRA", hardware=[HardwareShare.server("hpe-apollo-6500", 1, 125.0)]
    )
    adpe = res.criteria["adpe_kgsbe"].embodied
    assert adpe is not None
    assert adpe.value == pytest.approx(0.2432 * 125 / (5 * 8760 * 0.85), rel=1e-6)
    assert adpe.value == pytest.approx(8.1655e-4, rel=1e-4)
