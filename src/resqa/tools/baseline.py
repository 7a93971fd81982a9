"""The baseline that eval and bench compare resqa against: LlamaIndex's default pipeline
(`VectorStoreIndex.from_documents` with the default SentenceSplitter), same embedder."""

from __future__ import annotations

import time
from typing import Any, NamedTuple

from resqa.model import Document


class Baseline(NamedTuple):
    retriever: Any  # llama-index retriever: .retrieve(question) -> scored nodes
    build_s: float
    chunks: int


def build(docs: list[Document], embedder, top_k: int = 2) -> Baseline:
    """The default pipeline over `docs`, retrieving `top_k` chunks per question."""
    from llama_index.core import Document as LIDocument
    from llama_index.core import VectorStoreIndex

    from resqa.config import tiktoken_cache_dir
    from resqa.embed import as_llama_embedding

    tiktoken_cache_dir()
    li_docs = [LIDocument(text=d.text, id_=d.doc_id) for d in docs]
    t = time.perf_counter()
    index = VectorStoreIndex.from_documents(li_docs, embed_model=as_llama_embedding(embedder))
    build_s = time.perf_counter() - t
    return Baseline(index.as_retriever(similarity_top_k=top_k), build_s, len(index.docstore.docs))
