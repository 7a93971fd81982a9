"""The baseline that eval and bench compare resqa against: LlamaIndex's default pipeline
(`VectorStoreIndex.from_documents` with the default SentenceSplitter), same embedder."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any, NamedTuple

from resqa.model import Document


class Baseline(NamedTuple):
    retriever: Any  # llama-index retriever: .retrieve(question) -> scored nodes
    build_s: float
    chunks: int


def build(docs: list[Document], embedder, top_k: int = 2, keep: Path | None = None) -> Baseline:
    """The default pipeline over `docs`, retrieving `top_k` chunks per question. With `keep`, the
    built index is persisted there (llama-index's own storage) and a later call over the same
    documents loads it instead of embedding them again; `build_s` is then the first build's."""
    from llama_index.core import Document as LIDocument
    from llama_index.core import StorageContext, VectorStoreIndex, load_index_from_storage

    from resqa.config import tiktoken_cache_dir
    from resqa.embed import as_llama_embedding

    tiktoken_cache_dir()
    model = as_llama_embedding(embedder)
    li_docs = [LIDocument(text=d.text, id_=d.doc_id) for d in docs]
    stamp = hashlib.sha1("\n".join(f"{d.doc_id}:{d.content_hash}" for d in docs).encode()).hexdigest()
    record = keep / "baseline.json" if keep is not None else None
    if record is not None and record.exists() and json.loads(record.read_text())["documents"] == stamp:
        index = load_index_from_storage(StorageContext.from_defaults(persist_dir=str(keep)), embed_model=model)
        build_s = float(json.loads(record.read_text())["build_s"])
    else:
        t = time.perf_counter()
        index = VectorStoreIndex.from_documents(li_docs, embed_model=model)
        build_s = time.perf_counter() - t
        if keep is not None and record is not None:
            index.storage_context.persist(persist_dir=str(keep))
            record.write_text(json.dumps({"documents": stamp, "build_s": build_s}))
    return Baseline(index.as_retriever(similarity_top_k=top_k), build_s, len(index.docstore.docs))
