"""Tiny models built from configs (nothing downloaded) and a local MLflow store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

VOCAB, SEQ = 128, 16


def token_rows(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """``n`` rows of random token ids (a causal LM learns from its own inputs)."""
    import torch

    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, VOCAB, (n, SEQ), generator=g)
    return [{"input_ids": row, "labels": row.clone()} for row in ids]


@pytest.fixture
def tiny_lm() -> Any:
    transformers = pytest.importorskip("transformers")
    pytest.importorskip("accelerate")
    import torch

    torch.manual_seed(0)
    config = transformers.GPT2Config(
        n_layer=2,
        n_head=2,
        n_embd=32,
        vocab_size=VOCAB,
        n_positions=SEQ,
        bos_token_id=0,
        eos_token_id=0,
    )
    return transformers.GPT2LMHeadModel(config)


@pytest.fixture
def mlflow_uri(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A file-store tracking URI in ``tmp_path``, set for the test and reset after.

    MLflow 3 keeps the file store in maintenance mode behind ``MLFLOW_ALLOW_FILE_STORE``; it
    needs no database migration, so each test's store is ready at once."""
    mlflow = pytest.importorskip("mlflow")
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    uri = (tmp_path / "mlruns").as_uri()
    mlflow.set_tracking_uri(uri)
    try:
        yield uri
    finally:
        while mlflow.active_run() is not None:
            mlflow.end_run()
        mlflow.set_tracking_uri(None)
