"""Token counts of one API call as the provider reported them (``usage`` of the response).

Reasoning (thinking) tokens are part of the output tokens for both OpenAI and Anthropic (their
APIs bill them as output); they are counted apart, never added twice. Gemini reports its
thoughts apart from the output (``thoughts_token_count`` beside ``candidates_token_count``):
they are added to the output here, so that output always includes reasoning. Anthropic reports
cached prompt tokens beside ``input_tokens``; they are added to the input here.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "TokenUsage",
    "anthropic_usage",
    "google_usage",
    "litellm_usage",
    "openai_chat_usage",
    "openai_responses_usage",
]


class TokenUsage:
    """Provider, model and token counts of one call; ``from_chunks``: output counted by us
    (input unknown). ``usage_missing``: the response reported no usage, so the counts are
    unknown (not zero): the call is not estimated and left out of token totals."""

    __slots__ = (
        "from_chunks",
        "host",
        "input_tokens",
        "model",
        "output_tokens",
        "provider",
        "reasoning_tokens",
        "usage_missing",
    )

    def __init__(
        self,
        provider: str,
        model: str,
        input_tokens: int,
        output_tokens: int,
        reasoning_tokens: int = 0,
        *,
        host: str | None = None,
        from_chunks: bool = False,
        usage_missing: bool = False,
    ) -> None:
        self.provider = provider
        self.model = model
        self.input_tokens = input_tokens
        self.output_tokens = output_tokens
        self.reasoning_tokens = reasoning_tokens
        self.host = host
        self.from_chunks = from_chunks
        self.usage_missing = usage_missing

    def __repr__(self) -> str:
        if self.usage_missing:
            return f"TokenUsage({self.provider!r}, {self.model!r}, usage missing)"
        return (
            f"TokenUsage({self.provider!r}, {self.model!r}, input={self.input_tokens}, "
            f"output={self.output_tokens}, reasoning={self.reasoning_tokens})"
        )


def _int(x: Any) -> int:
    return x if type(x) is int else int(x or 0)


def openai_chat_usage(u: Any) -> tuple[int, int, int]:
    """(input, output, reasoning) of a Chat Completions ``usage`` object."""
    d = u.completion_tokens_details
    r = d.reasoning_tokens if d is not None else 0
    return u.prompt_tokens or 0, u.completion_tokens or 0, r or 0


def openai_responses_usage(u: Any) -> tuple[int, int, int]:
    """(input, output, reasoning) of a Responses API ``usage`` object."""
    d = u.output_tokens_details
    r = d.reasoning_tokens if d is not None else 0
    return u.input_tokens or 0, u.output_tokens or 0, r or 0


def _field(obj: Any, name: str) -> Any:
    """``obj.name`` or ``None``, also for an undeclared (extra) field of a pydantic model, and
    without the exception a missing attribute costs (microseconds on pydantic models)."""
    v = obj.__dict__.get(name)
    if v is None:
        extra = getattr(obj, "__pydantic_extra__", None)
        if extra:
            v = extra.get(name)
    return v


def anthropic_usage(u: Any) -> tuple[int, int, int]:
    """(input incl. cache writes and reads, output, thinking) of an Anthropic ``usage``."""
    d = u.__dict__  # fields absent from older clients' models: no exception (costly) raised
    inp = (
        (d.get("input_tokens") or 0)
        + (d.get("cache_creation_input_tokens") or 0)
        + (d.get("cache_read_input_tokens") or 0)
    )
    out = d.get("output_tokens") or 0
    details = d.get("output_tokens_details")
    if details is None and "output_tokens_details" not in d:  # not a declared field here
        details = _field(u, "output_tokens_details")
    thinking = 0
    if isinstance(details, dict):
        thinking = _int(details.get("thinking_tokens"))
    elif details is not None:
        thinking = _int(_field(details, "thinking_tokens"))
    if type(inp) is not int or type(out) is not int:
        inp, out = int(inp), int(out)
    return inp, out, thinking


def google_usage(u: Any) -> tuple[int, int, int]:
    """(input incl. tool-use prompt, output incl. thoughts, thoughts) of a Gemini
    ``usage_metadata``."""
    thoughts = u.thoughts_token_count or 0
    inp = (u.prompt_token_count or 0) + (u.tool_use_prompt_token_count or 0)
    return inp, (u.candidates_token_count or 0) + thoughts, thoughts


def litellm_usage(u: Any) -> tuple[int, int, int]:
    """(input, output, reasoning) of a LiteLLM ``Usage`` (OpenAI's shape, any provider)."""
    d = getattr(u, "completion_tokens_details", None)
    r = getattr(d, "reasoning_tokens", None) if d is not None else None
    return _int(u.prompt_tokens), _int(u.completion_tokens), _int(r)
