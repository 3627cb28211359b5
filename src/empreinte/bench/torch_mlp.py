"""A small PyTorch multilayer perceptron on CPU, with a scikit-learn-like interface.

Inputs are standardised with the training mean and deviation; one hidden layer (ReLU),
trained full-batch with Adam for a fixed number of epochs from a fixed seed, on one thread,
so that training is deterministic. Only imported when PyTorch is installed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["TorchMLP"]


class TorchMLP:
    def __init__(
        self, hidden: int = 64, epochs: int = 200, lr: float = 0.01, seed: int = 0
    ) -> None:
        self.hidden, self.epochs, self.lr, self.seed = hidden, epochs, lr, seed
        self._net: Any = None
        self._mean: np.ndarray[Any, Any] | None = None
        self._std: np.ndarray[Any, Any] | None = None

    def _inputs(self, x: Any) -> Any:
        import torch

        assert self._mean is not None and self._std is not None
        arr = (np.asarray(x, dtype=np.float32) - self._mean) / self._std
        return torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32))

    def fit(self, x: Any, y: Any) -> TorchMLP:
        import torch
        from torch import nn

        torch.manual_seed(self.seed)
        torch.set_num_threads(1)
        arr = np.asarray(x, dtype=np.float32)
        self._mean = arr.mean(axis=0)
        self._std = arr.std(axis=0) + 1e-6
        n_classes = int(np.max(y)) + 1
        self._net = nn.Sequential(
            nn.Linear(arr.shape[1], self.hidden), nn.ReLU(), nn.Linear(self.hidden, n_classes)
        )
        opt = torch.optim.Adam(self._net.parameters(), lr=self.lr)
        xt = self._inputs(arr)
        yt = torch.as_tensor(np.asarray(y), dtype=torch.long)
        loss_fn = nn.CrossEntropyLoss()
        self._net.train()
        for _ in range(self.epochs):
            opt.zero_grad()
            loss = loss_fn(self._net(xt), yt)
            loss.backward()
            opt.step()
        self._net.eval()
        return self

    def predict(self, x: Any) -> np.ndarray[Any, Any]:
        import torch

        if self._net is None:
            raise RuntimeError("fit the model first")
        with torch.inference_mode():
            out = self._net(self._inputs(x))
        result: np.ndarray[Any, Any] = out.argmax(dim=1).numpy()
        return result

    def parameter_count(self) -> int:
        return 0 if self._net is None else sum(p.numel() for p in self._net.parameters())
