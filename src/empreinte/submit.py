"""Submitting reports to an observatory, with retries and a local outbox.

A report given to :func:`submit_files` is first copied into the outbox
(``<data dir>/outbox``); it leaves the outbox only once the server has accepted it (201, or
200 for a report it already had). Network errors, 5xx and 429 are retried with exponential
backoff; other refusals (401, 422...) are reported with the fields the server named. A report
the server refuses for itself (400, 409, 413, 422) is set aside in ``outbox/rejected/`` with the
reason, so that it never blocks the reports queued after it.

Pure httpx and the standard library (no server dependency): ``empreinte submit`` and
``empreinte bench run --submit`` share it, so there is one submission path, with the outbox.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from empreinte.errors import ConfigError, ServerError
from empreinte.report.validate import load_report

__all__ = [
    "REFUSALS",
    "Outbox",
    "SubmitResult",
    "default_outbox",
    "normalize_server",
    "server_and_token",
    "submit_files",
    "submit_pending",
]


@dataclass(frozen=True)
class SubmitResult:
    path: str
    report_id: str
    created: bool
    url: str
    error: str | None = None
    """Why the server refused the report (it was then set aside in ``outbox/rejected``)."""


REFUSALS = (400, 409, 413, 422)
"""Statuses that refuse the report itself: resending it cannot succeed, so it is set aside
(``outbox/rejected/``) instead of blocking every later report."""


def normalize_server(server: str) -> str:
    """``http://h:p/`` and ``http://h:p`` are the same server."""
    return server.strip().rstrip("/")


def default_outbox(data_dir: str | Path | None = None) -> Path:
    """``<data dir>/outbox``: ``data_dir``, else the ``data_dir`` setting
    (:mod:`empreinte.config`)."""
    from empreinte import config

    return Path(config.get("data_dir", data_dir or None)) / "outbox"


def server_and_token(server: str | None = None, token: str | None = None) -> tuple[str, str]:
    """The observatory URL and token: the arguments, else the ``server`` and ``token``
    settings (``EMPREINTE_SERVER``/``EMPREINTE_TOKEN``, config file); one message each when
    missing, for every command that submits."""
    from empreinte.config import Config

    cfg = Config()
    base = cfg.get("server", server or None)
    key = cfg.get("token", token or None)
    if not base:
        raise ConfigError(
            "no observatory: give --server URL, set EMPREINTE_SERVER or `server` in a config file"
        )
    if not key:
        raise ConfigError(
            "no token: give --token TOKEN, set EMPREINTE_TOKEN or `token` in a config file"
        )
    return str(base), str(key)


class Outbox:
    """Reports waiting to be accepted by a server: one JSON file each."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def rejected_dir(self) -> Path:
        return self.root / "rejected"

    def add(self, server: str, report: dict[str, Any]) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        server = normalize_server(server)
        text = json.dumps({"server": server, "report": report}, sort_keys=True)
        path = self.root / (hashlib.sha256(text.encode()).hexdigest()[:24] + ".json")
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text, "utf-8")
        tmp.replace(path)
        return path

    def pending(self, server: str | None = None) -> list[tuple[Path, str, dict[str, Any]]]:
        """Entries waiting (for ``server``, or all); an unreadable file is an error naming it."""
        if not self.root.is_dir():
            return []
        want = normalize_server(server) if server is not None else None
        out = []
        for p in sorted(self.root.glob("*.json")):
            try:
                d = json.loads(p.read_text("utf-8"))
                entry = (p, normalize_server(d["server"]), d["report"])
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise ServerError(
                    f"outbox entry {p} is unreadable ({exc}): remove it with "
                    f"empreinte submit --drop {p.name}"
                ) from None
            if want is None or entry[1] == want:
                out.append(entry)
        return out

    def reject(self, path: Path, reason: str) -> Path:
        """Set ``path`` aside in ``rejected/`` with the server's reason beside it."""
        self.rejected_dir.mkdir(parents=True, exist_ok=True)
        dest = self.rejected_dir / path.name
        path.replace(dest)
        dest.with_suffix(".reason.txt").write_text(reason + "\n", "utf-8")
        return dest

    def rejected(self) -> list[Path]:
        if not self.rejected_dir.is_dir():
            return []
        return sorted(p for p in self.rejected_dir.glob("*.json"))

    def drop(self, name: str) -> Path:
        """Remove the entry named ``name`` (file name, with or without ``.json``)."""
        stem = Path(name).name.removesuffix(".json")
        for folder in (self.root, self.rejected_dir):
            p = folder / f"{stem}.json"
            if p.is_file():
                p.unlink()
                p.with_suffix(".reason.txt").unlink(missing_ok=True)
                return p
        raise ServerError(f"no outbox entry named {name!r} in {self.root}")


def _error_text(resp: Any) -> str:
    try:
        err = resp.json()["error"]
        fields = "; ".join(f"{f['field']}: {f['message']}" for f in err.get("fields", []))
        return str(err["message"]) + (f" [{fields}]" if fields else "")
    except (ValueError, KeyError, TypeError):
        return str(resp.text)[:300]


def _post(
    client: Any,
    server: str,
    token: str,
    report: dict[str, Any],
    retries: int,
    backoff_s: float,
    sleep: Callable[[float], None],
) -> dict[str, Any]:
    import httpx

    url = server.rstrip("/") + "/api/v1/reports"
    headers = {"Authorization": f"Bearer {token}"}
    delay = backoff_s
    last = ""
    for attempt in range(retries + 1):
        try:
            resp = client.post(url, json=report, headers=headers)
        except httpx.HTTPError as exc:
            last = f"cannot reach {server}: {exc}"
        else:
            if resp.status_code in (200, 201):
                body: dict[str, Any] = resp.json()
                return body
            if resp.status_code == 429 or resp.status_code >= 500:
                last = f"HTTP {resp.status_code}: {_error_text(resp)}"
                retry_after = resp.headers.get("retry-after", "")
                if retry_after.isdigit():
                    delay = max(delay, float(retry_after))
            else:
                raise ServerError(
                    f"{server} refused the report (HTTP {resp.status_code}): {_error_text(resp)}",
                    resp.status_code,
                )
        if attempt < retries:
            sleep(delay)
            delay *= 2
    raise ServerError(f"{last} (after {retries + 1} attempts; the report stays in the outbox)")


def submit_pending(
    outbox: Outbox,
    server: str,
    token: str,
    *,
    retries: int = 4,
    backoff_s: float = 1.0,
    timeout_s: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
    transport: Any = None,
) -> list[SubmitResult]:
    """Send every outbox entry addressed to ``server``; accepted ones leave the outbox."""
    import httpx

    results = []
    server = normalize_server(server)
    with httpx.Client(timeout=timeout_s, transport=transport) as client:
        for path, _server, report in outbox.pending(server):
            try:
                body = _post(client, server, token, report, retries, backoff_s, sleep)
            except ServerError as exc:
                if exc.status not in REFUSALS:  # e.g. 401 or unreachable: stop, keep it
                    raise ServerError(f"{path}: {exc}", exc.status) from None
                dest = outbox.reject(path, str(exc))
                rid = str(report.get("report_id", "")) if isinstance(report, dict) else ""
                results.append(SubmitResult(str(dest), rid, False, "", error=str(exc)))
                continue
            path.unlink(missing_ok=True)
            results.append(
                SubmitResult(
                    str(path),
                    body["id"],
                    bool(body.get("created", True)),
                    server.rstrip("/") + body.get("url", ""),
                )
            )
    return results


def submit_files(
    files: Sequence[Path], server: str, token: str, outbox: Outbox, **kw: Any
) -> list[SubmitResult]:
    """Validate ``files`` locally, queue them in the outbox, then send the whole outbox."""
    for f in files:
        load_report(f)  # fails early, naming the field, before anything is queued
        # the file as written (not re-serialised) so that resubmitting it is idempotent
        outbox.add(server, json.loads(Path(f).read_text("utf-8")))
    return submit_pending(outbox, server, token, **kw)
