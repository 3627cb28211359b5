# ruff: noqa: E501  (long lines are datasheet notes)
"""Build ``src/empreinte/factors/data/accelerators.json`` from datasheet specs and the
documented embodied-impact derivation (see ``src/empreinte/factors/data/README.md``).

Run: ``python scripts/build_accelerators.py``. Every figure below is from a source id listed
in ``sources.json``; the derivation constants come from Boavizta's H100 decomposition.
"""

import json
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src/empreinte/factors/data/accelerators.json"
T = 1e12
# Boavizta bottom-up decomposition of the H100 SXM 80 GB (boavizta-gpu-bottom-up)
HBM_PER_GB = 431 / 80  # kgCO2e/GB
DIE_REF = (120, 814)  # kgCO2e for 814 mm2
OTHER = 575 - 431 - 120  # 24 kgCO2e
DRAM_PER_GB = 2.20 / 1.24  # Boavizta RAM die factor (boavizta-uba-2021)
R_LOW, R_MID = 164 / 575, 273 / 575
# Boavizta per-component ratios ADPe/GWP and PE/GWP (boavizta-uba-2021)
ADP = {"mem": 6.30e-5 / 2.20, "die": 5.80e-7 / 1.97, "other": 2.04e-2 / 9.14}
PE = {"mem": 27.3 / 2.20, "die": 26.5 / 1.97, "other": 156 / 9.14}
# ADEME's GPU LCA (ademe-gpu-lca-2025) gives 0.00895 kgSbeq for the H100 against 0.0313 from
# the Boavizta component ratios above: every derived ADPe central is scaled by their ratio,
# the uncalibrated derivation kept as the high bound (issue 12's reference-data audit)
ADEME_H100_ADPE = 0.00895
ADP_H100 = 431 * ADP["mem"] + 120 * ADP["die"] + 24 * ADP["other"]
ADP_CAL = ADEME_H100_ADPE / (ADP_H100 * R_MID)

A = []


def add(
    id,
    vendor,
    name,
    kind,
    aliases,
    tdp,
    mem,
    memtype,
    flops,
    die,
    srcs,
    die_src="techpowerup-gpu-db",
    flops_note=None,
    tdp_note=None,
    die_note=None,
    gwp_direct=None,
    note=None,
):
    A.append(
        dict(
            id=id,
            vendor=vendor,
            name=name,
            kind=kind,
            aliases=aliases,
            tdp=tdp,
            mem=mem,
            memtype=memtype,
            flops=flops,
            die=die,
            srcs=srcs,
            die_src=die_src,
            flops_note=flops_note,
            tdp_note=tdp_note,
            die_note=die_note,
            gwp_direct=gwp_direct,
            note=note,
        )
    )


V, AM, H, BW, DC, WP = (
    "nvidia-datasheet-v100",
    "nvidia-datasheet-a100",
    "nvidia-datasheet-h100",
    "nvidia-datasheet-blackwell",
    "nvidia-datasheet-ada-ampere-dc",
    "nvidia-whitepaper-ampere-ada",
)
volta = "Volta has no BF16: FP16 tensor-core peak"
add(
    "nvidia-v100-sxm2-16gb",
    "NVIDIA",
    "Tesla V100 SXM2 16GB",
    "gpu",
    ["Tesla V100-SXM2-16GB", "V100-SXM2-16GB", "V100 SXM2 16GB"],
    300,
    16,
    "hbm",
    125 * T,
    815,
    [V],
    flops_note=volta,
)
add(
    "nvidia-v100-sxm2-32gb",
    "NVIDIA",
    "Tesla V100 SXM2 32GB",
    "gpu",
    ["Tesla V100-SXM2-32GB", "V100-SXM2-32GB", "V100 SXM2 32GB", "V100"],
    300,
    32,
    "hbm",
    125 * T,
    815,
    [V],
    flops_note=volta,
)
add(
    "nvidia-v100-pcie-16gb",
    "NVIDIA",
    "Tesla V100 PCIe 16GB",
    "gpu",
    ["Tesla V100-PCIE-16GB", "V100-PCIE-16GB"],
    250,
    16,
    "hbm",
    112 * T,
    815,
    [V],
    flops_note=volta,
)
add(
    "nvidia-v100-pcie-32gb",
    "NVIDIA",
    "Tesla V100 PCIe 32GB",
    "gpu",
    ["Tesla V100-PCIE-32GB", "V100-PCIE-32GB", "V100S-PCIE-32GB"],
    250,
    32,
    "hbm",
    112 * T,
    815,
    [V],
    flops_note=volta,
)
bloom = (150, "luccioni-bloom-2023")
add(
    "nvidia-a100-sxm4-40gb",
    "NVIDIA",
    "A100 SXM4 40GB",
    "gpu",
    ["NVIDIA A100-SXM4-40GB", "A100-SXM4-40GB", "A100 SXM 40GB", "A100 40GB"],
    400,
    40,
    "hbm",
    312 * T,
    826,
    [AM],
    gwp_direct=bloom,
)
add(
    "nvidia-a100-sxm4-80gb",
    "NVIDIA",
    "A100 SXM4 80GB",
    "gpu",
    ["NVIDIA A100-SXM4-80GB", "A100-SXM4-80GB", "A100 SXM 80GB", "A100 80GB", "A100"],
    400,
    80,
    "hbm",
    312 * T,
    826,
    [AM],
    gwp_direct=bloom,
)
add(
    "nvidia-a100-pcie-40gb",
    "NVIDIA",
    "A100 PCIe 40GB",
    "gpu",
    ["NVIDIA A100-PCIE-40GB", "A100-PCIE-40GB", "A100 PCIe 40GB"],
    250,
    40,
    "hbm",
    312 * T,
    826,
    [AM],
    gwp_direct=bloom,
)
add(
    "nvidia-a100-pcie-80gb",
    "NVIDIA",
    "A100 PCIe 80GB",
    "gpu",
    ["NVIDIA A100 80GB PCIe", "A100 80GB PCIe", "A100-PCIE-80GB"],
    300,
    80,
    "hbm",
    312 * T,
    826,
    [AM],
    gwp_direct=bloom,
)
add(
    "nvidia-h100-sxm",
    "NVIDIA",
    "H100 SXM5 80GB",
    "gpu",
    [
        "NVIDIA H100 80GB HBM3",
        "H100 80GB HBM3",
        "NVIDIA H100 SXM5 80GB",
        "H100 SXM",
        "H100-SXM5-80GB",
        "H100",
    ],
    700,
    80,
    "hbm",
    989 * T,
    814,
    [H],
    gwp_direct="h100",
)
add(
    "nvidia-h100-pcie",
    "NVIDIA",
    "H100 PCIe 80GB",
    "gpu",
    ["NVIDIA H100 PCIe", "H100 PCIe", "H100-PCIE-80GB"],
    350,
    80,
    "hbm",
    756 * T,
    814,
    [H],
    gwp_direct="h100",
)
add(
    "nvidia-h100-nvl",
    "NVIDIA",
    "H100 NVL 94GB",
    "gpu",
    ["NVIDIA H100 NVL", "H100 NVL"],
    400,
    94,
    "hbm",
    835 * T,
    814,
    [H],
    flops_note="half of the 1,671 TFLOPS sparse figure of the datasheet",
)
add(
    "nvidia-h200-sxm",
    "NVIDIA",
    "H200 SXM 141GB",
    "gpu",
    ["NVIDIA H200", "H200", "NVIDIA H200 141GB HBM3e", "H200 SXM"],
    700,
    141,
    "hbm",
    989 * T,
    814,
    ["nvidia-datasheet-h200"],
    die_note="same GH100 die as the H100",
)
add(
    "nvidia-h800-sxm",
    "NVIDIA",
    "H800 SXM5 80GB",
    "gpu",
    ["NVIDIA H800", "NVIDIA H800 80GB HBM3", "H800 SXM", "H800"],
    700,
    80,
    "hbm",
    989 * T,
    814,
    ["nvidia-datasheet-h800"],
    gwp_direct="h100",
    die_note="same GH100 die and board as the H100 SXM (export variant: NVLink 400 GB/s, FP64 cut)",
)
add(
    "nvidia-h20",
    "NVIDIA",
    "H20 96GB",
    "gpu",
    ["NVIDIA H20", "HGX H20", "H20"],
    400,
    96,
    "hbm",
    148 * T,
    814,
    ["semianalysis-h20-2023"],
    die_note="GH100-class die (cut down); area assumed as the H100's",
    note="NVIDIA has published no public H20 datasheet: TDP, memory and BF16 peak as reported by SemiAnalysis (Nov 2023); treat as reported figures",
)
add(
    "nvidia-b200",
    "NVIDIA",
    "B200 (HGX B200)",
    "gpu",
    ["NVIDIA B200", "B200", "HGX B200"],
    1000,
    180,
    "hbm",
    2250 * T,
    None,
    [BW],
    die_note="two reticle-limited dies; area not published, assumed 2 x 814 mm2 (GH100-class)",
)
add(
    "nvidia-gb200",
    "NVIDIA",
    "GB200 (one Blackwell GPU of a GB200 superchip)",
    "gpu",
    ["NVIDIA GB200", "GB200", "GB200 NVL72"],
    1200,
    186,
    "hbm",
    2500 * T,
    None,
    [BW],
    die_note="two reticle-limited dies; area not published, assumed 2 x 814 mm2 (GH100-class); Grace CPU excluded",
    tdp_note="per-GPU power in GB200 NVL72 configurations",
)
add("nvidia-l4", "NVIDIA", "L4", "gpu", ["NVIDIA L4", "L4"], 72, 24, "gddr", 121 * T, 294, [DC])
add(
    "nvidia-l40s",
    "NVIDIA",
    "L40S",
    "gpu",
    ["NVIDIA L40S", "L40S"],
    350,
    48,
    "gddr",
    362 * T,
    609,
    [DC],
)
add(
    "nvidia-l40", "NVIDIA", "L40", "gpu", ["NVIDIA L40", "L40"], 300, 48, "gddr", 181 * T, 609, [DC]
)
add(
    "nvidia-t4",
    "NVIDIA",
    "Tesla T4",
    "gpu",
    ["Tesla T4", "NVIDIA T4", "T4"],
    70,
    16,
    "gddr",
    65 * T,
    545,
    [DC],
    flops_note="Turing has no BF16: FP16 mixed-precision peak",
)
add(
    "nvidia-a10", "NVIDIA", "A10", "gpu", ["NVIDIA A10", "A10"], 150, 24, "gddr", 125 * T, 628, [DC]
)
add(
    "nvidia-a10g",
    "NVIDIA",
    "A10G (AWS)",
    "gpu",
    ["NVIDIA A10G", "A10G"],
    300,
    24,
    "gddr",
    125 * T,
    628,
    ["aws-ec2-g5", DC],
    flops_note="NVIDIA publishes no A10G datasheet; the A10 figure (same GA102 die) is used, low bound halved",
    tdp_note="power limit NVML reports on EC2 G5; not a published datasheet value",
)
add(
    "nvidia-rtx-3090",
    "NVIDIA",
    "GeForce RTX 3090",
    "gpu",
    ["NVIDIA GeForce RTX 3090", "GeForce RTX 3090", "RTX 3090"],
    350,
    24,
    "gddr",
    71 * T,
    628,
    [WP],
    flops_note="FP16/BF16 tensor with FP32 accumulate (GeForce rate)",
)
add(
    "nvidia-rtx-4090",
    "NVIDIA",
    "GeForce RTX 4090",
    "gpu",
    ["NVIDIA GeForce RTX 4090", "GeForce RTX 4090", "RTX 4090"],
    450,
    24,
    "gddr",
    165.2 * T,
    609,
    [WP],
    flops_note="FP16/BF16 tensor with FP32 accumulate (GeForce rate)",
)
AMD = "amd-datasheet-instinct"
add(
    "amd-mi250x",
    "AMD",
    "Instinct MI250X",
    "gpu",
    ["AMD Instinct MI250X", "Instinct MI250X", "MI250X", "AMD Instinct MI250X / MI250"],
    560,
    128,
    "hbm",
    383 * T,
    None,
    [AMD],
    die_note="two GCDs; die area not in AMD's datasheet, assumed 2 x 814 mm2 (reticle-class)",
    note="amdsmi lists each of the two GCDs as a device with 64 GB; values here are per OAM module",
)
add(
    "amd-mi250",
    "AMD",
    "Instinct MI250",
    "gpu",
    ["AMD Instinct MI250", "Instinct MI250", "MI250"],
    560,
    128,
    "hbm",
    362 * T,
    None,
    [AMD],
    die_note="two GCDs; die area not in AMD's datasheet, assumed 2 x 814 mm2 (reticle-class)",
    note="amdsmi lists each of the two GCDs as a device with 64 GB; values here are per OAM module",
)
add(
    "amd-mi300x",
    "AMD",
    "Instinct MI300X",
    "gpu",
    ["AMD Instinct MI300X", "Instinct MI300X", "MI300X", "AMD Instinct MI300X OAM"],
    750,
    192,
    "hbm",
    1307 * T,
    None,
    [AMD],
    die_note="chiplets (8 XCD + 4 IOD); total area not in AMD's datasheet, assumed 2 x 814 mm2",
)
add(
    "amd-mi325x",
    "AMD",
    "Instinct MI325X",
    "gpu",
    ["AMD Instinct MI325X", "Instinct MI325X", "MI325X"],
    1000,
    256,
    "hbm",
    1307 * T,
    None,
    [AMD],
    die_note="same chiplets as MI300X; area assumed 2 x 814 mm2",
)
TPU = "google-cloud-tpu-docs"
tpu_die = "die area not published; one reticle-class die (814 mm2) assumed"
add(
    "google-tpu-v3",
    "Google",
    "TPU v3 (per chip)",
    "tpu",
    ["TPU v3", "TPUv3", "tpu-v3"],
    None,
    32,
    "hbm",
    123 * T,
    None,
    [TPU],
    die_note=tpu_die,
    tdp_note=None,
    note="TDP not published; Patterson et al. 2021 report measured average chip power of 245-310 W in training runs (patterson-2021)",
)
add(
    "google-tpu-v4",
    "Google",
    "TPU v4 (per chip)",
    "tpu",
    ["TPU v4", "TPUv4", "tpu-v4"],
    None,
    32,
    "hbm",
    275 * T,
    None,
    [TPU],
    die_note=tpu_die,
    note="TDP not published in Google Cloud docs",
)
add(
    "google-tpu-v5e",
    "Google",
    "TPU v5e (per chip)",
    "tpu",
    ["TPU v5e", "TPU v5 lite", "TPUv5e", "tpu-v5e", "v5litepod", "v5e"],
    None,
    16,
    "hbm",
    197 * T,
    None,
    [TPU],
    die_note=tpu_die,
    note="TDP not published",
)
add(
    "google-tpu-v5p",
    "Google",
    "TPU v5p (per chip)",
    "tpu",
    ["TPU v5p", "TPUv5p", "tpu-v5p", "v5p"],
    None,
    95,
    "hbm",
    459 * T,
    None,
    [TPU],
    die_note=tpu_die,
    note="TDP not published",
)
add(
    "google-tpu-v6e",
    "Google",
    "TPU v6e Trillium (per chip)",
    "tpu",
    ["TPU v6e", "Trillium", "TPUv6e", "tpu-v6e", "v6e"],
    None,
    32,
    "hbm",
    918 * T,
    None,
    [TPU],
    die_note=tpu_die,
    note="TDP not published",
)
G = "intel-gaudi-datasheets"
add(
    "intel-gaudi2",
    "Intel",
    "Gaudi 2",
    "npu",
    ["Intel Gaudi 2", "Gaudi2", "Gaudi 2", "HL-225"],
    600,
    96,
    "hbm",
    None,
    None,
    [G],
    die_note="die area not published; one reticle-class die (814 mm2) assumed",
    note="dense BF16 matrix peak not stated in the datasheet used here",
)
add(
    "intel-gaudi3",
    "Intel",
    "Gaudi 3",
    "npu",
    ["Intel Gaudi 3", "Gaudi3", "Gaudi 3", "HL-325L"],
    900,
    128,
    "hbm",
    1835 * T,
    None,
    [G],
    die_note="two dies; area not published, assumed 2 x 814 mm2",
)
AP = "apple-silicon-specs"
apple_note = "SoC (CPU+GPU+Neural Engine); Apple publishes no chip TDP nor die area, so power and embodied impacts are left empty (use a device-level figure)"
for aid, nm, mem, fl, al in [
    ("apple-m1", "M1", 16, 2.6, ["Apple M1"]),
    ("apple-m1-max", "M1 Max", 64, 10.4, ["Apple M1 Max"]),
    ("apple-m1-ultra", "M1 Ultra", 128, 21.0, ["Apple M1 Ultra"]),
    ("apple-m2", "M2", 24, 3.6, ["Apple M2"]),
    ("apple-m2-max", "M2 Max", 96, 13.6, ["Apple M2 Max"]),
    ("apple-m2-ultra", "M2 Ultra", 192, 27.2, ["Apple M2 Ultra"]),
    ("apple-m3", "M3", 24, None, ["Apple M3"]),
    ("apple-m3-max", "M3 Max", 128, None, ["Apple M3 Max"]),
    ("apple-m3-ultra", "M3 Ultra", 512, None, ["Apple M3 Ultra"]),
    ("apple-m4", "M4", 32, None, ["Apple M4"]),
    ("apple-m4-max", "M4 Max", 128, None, ["Apple M4 Max"]),
]:
    add(
        aid,
        "Apple",
        "Apple " + nm,
        "soc",
        [*al, nm],
        None,
        mem,
        "lpddr",
        None if fl is None else fl * T,
        None,
        [AP],
        note=apple_note + "; memory is the maximum unified-memory configuration",
        flops_note=None
        if fl is None
        else "GPU FP32 peak as announced by Apple (no BF16 tensor figure published)",
    )
    A[-1]["apple"] = True


def sv(value, unit, sources, low=None, high=None, note=None):
    d = {"value": round(value, 6) if isinstance(value, float) else value}
    if low is not None:
        d["low"] = float(f"{low:.4g}")
    if high is not None:
        d["high"] = float(f"{high:.4g}")
    if isinstance(value, float):
        d["value"] = float(f"{value:.4g}")
    d["unit"] = unit
    d["sources"] = sources
    if note:
        d["note"] = note
    return d


out = []
for a in A:
    r = {
        "id": a["id"],
        "vendor": a["vendor"],
        "name": a["name"],
        "kind": a["kind"],
        "aliases": a["aliases"],
    }
    if a["tdp"] is not None:
        r["tdp_w"] = sv(a["tdp"], "W", a["srcs"], note=a["tdp_note"])
    r["memory_gb"] = sv(
        a["mem"],
        "GB",
        a["srcs"],
        note={"hbm": "HBM", "gddr": "GDDR", "lpddr": "unified LPDDR"}[a["memtype"]],
    )
    if a["flops"] is not None:
        lo = a["flops"] / 2 if a["id"] == "nvidia-a10g" else None
        r["peak_flops_bf16"] = sv(
            a["flops"], "FLOP/s", a["srcs"], low=lo, note=a["flops_note"] or "dense (no sparsity)"
        )
    if not a.get("apple"):
        area = a["die"] if a["die"] else (814 if "2 x" not in (a["die_note"] or "") else 2 * 814)
        mem_g = a["mem"] * (HBM_PER_GB if a["memtype"] == "hbm" else DRAM_PER_GB)
        die_g = DIE_REF[0] * area / DIE_REF[1]
        comp = {"mem": mem_g, "die": die_g, "other": OTHER}
        high = sum(comp.values())
        bsrc = ["boavizta-gpu-bottom-up", "nvidia-pcf-hgx-h100", "hubblo-gpu-db"]
        dsrc = [a["die_src"]] if a["die"] else []
        memtxt = (
            f"{a['mem']} GB x {HBM_PER_GB:.2f} kgCO2e/GB (HBM, from the H100 decomposition)"
            if a["memtype"] == "hbm"
            else f"{a['mem']} GB x {DRAM_PER_GB:.2f} kgCO2e/GB (Boavizta DRAM die factor 2.20 kgCO2e/cm2 at 1.24 GB/cm2)"
        )
        dietxt = f"die {area} mm2 x 120/814 kgCO2e/mm2" + (
            f" ({a['die_note']})" if a["die_note"] else ""
        )
        if a["gwp_direct"] == "h100":
            gwp = sv(
                273,
                "kgCO2e",
                ["hubblo-gpu-db", "nvidia-pcf-hgx-h100", "boavizta-gpu-bottom-up"],
                164,
                575,
                "sources disagree: NVIDIA PCF 164 (HGX H100), Hubblo 273, Boavizta bottom-up 575 (HBM 431, die 120); the spread is the range"
                + (
                    "; the PCIe card shares the GH100 die and 80 GB, so the SXM figures are reused"
                    if "pcie" in a["id"]
                    else ""
                ),
            )
            scale_mid, scale_lo = R_MID, R_LOW
            high = 575
        else:
            lo = high * R_LOW
            mid = high * R_MID
            srcs = bsrc + dsrc
            n = f"derived: Boavizta-style bottom-up high bound = {memtxt} + {dietxt} + 24 kgCO2e board/package = {high:.0f}; central and low scaled by the H100 ratios of Hubblo (273/575) and NVIDIA PCF (164/575)"
            if a["gwp_direct"]:
                v, s = a["gwp_direct"]
                lo = min(lo, v)
                srcs = [s, *srcs]
                n += f"; BLOOM LCA used {v} kgCO2e per A100: the low bound is the smaller of that and the derived low"
            gwp = sv(mid, "kgCO2e", srcs, lo, high, n)
            scale_mid, scale_lo = R_MID, lo / high
        adp = (
            sum(comp[k] * ADP[k] for k in comp)
            if a["gwp_direct"] != "h100"
            else 431 * ADP["mem"] + 120 * ADP["die"] + 24 * ADP["other"]
        )
        pe = (
            sum(comp[k] * PE[k] for k in comp)
            if a["gwp_direct"] != "h100"
            else 431 * PE["mem"] + 120 * PE["die"] + 24 * PE["other"]
        )
        dn = "derived: each component's GWP of the bottom-up high bound (memory, die, board/package) times Boavizta's {c} per kgCO2e ratio of the matching component (RAM die, CPU die, CPU base); central and low scaled like GWP, then the range widened x0.5 / x1.5 for the derivation"
        r["embodied"] = {"gwp_kgco2e": gwp}
        r["embodied"]["adpe_kgsbe"] = sv(
            adp * scale_mid * ADP_CAL,
            "kgSbeq",
            ["ademe-gpu-lca-2025", "boavizta-uba-2021", "boavizta-gpu-bottom-up"],
            adp * scale_lo * ADP_CAL * 0.5,
            adp * 1.5,
            (
                "ADEME's GPU LCA: 0.00895 kgSbeq for the H100 (central); "
                if a["gwp_direct"] == "h100"
                else ""
            )
            + dn.format(c="ADPe")
            + f"; central and low calibrated on ADEME's H100 LCA (x{ADP_CAL:.3f}: the component "
            "ratios overestimate a GPU's ADPe), the uncalibrated derivation x1.5 kept as the high bound",
        )
        r["embodied"]["pe_mj"] = sv(
            pe * scale_mid,
            "MJ",
            ["boavizta-uba-2021", "boavizta-gpu-bottom-up"],
            pe * scale_lo * 0.5,
            pe * 1.5,
            dn.format(c="PE"),
        )
    if a["note"]:
        r["note"] = a["note"]
    out.append(r)
doc = {"version": "2026.11", "accelerators": out}
OUT.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
