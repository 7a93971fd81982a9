"""The tuned constants of the question path, in one place, each with the measurement that set it.

retrieve.py, abstain.py and answer.py import them by name (so a test may still monkeypatch
`retrieve.LABEL_WEIGHT`). Change one only with the eval sets run before and after (`make eval`):
seed main and blind, syntec, and the library; a change is kept when it helps on held-out sets too.
Commits named here (`git show <hash>`) hold the before/after figures.
"""

from __future__ import annotations

# ------------------------------------------------------------------ retrieval (retrieve.py)
DENSE_WEIGHT = 0.3  # best or tied-best on both eval sets (seed and syntec); eval/README.md "Seed main set".
# e74b486: seed hit@1 0.737 -> 0.829 against weighted RRF; syntec unchanged (0.483)
EXTRA_WEIGHT = 0.7  # an aligned translation of a question word counts this much in BM25, times its
# alignment confidence (align.align_terms); e74b486, set with DENSE_WEIGHT on seed and syntec
REFERENCE_WEIGHT = 0.5  # added to a clause that contains an identifier the question names;
# af60ab0: syntec refusal accuracy 0.318 -> 0.773 with the reference rule, false refusals unchanged
ADDRESS_WEIGHT = 1.0  # added to a clause the question addresses by its place ("operative paragraph 2");
# ed5d19a: more than any fused score can reach, so the addressed clause comes first; no eval
# question is an address, so the sets are unchanged. 2026-12-07: on the library the boosts took
# fused scores past 1.0 ("What does article 26 of the Declaration say?" cited article 28): now
# added on top of the best score (retrieve._boost)
MATCH_CONFIDENCE = 0.5  # an aligned translation this sure shows that the documents use a question
# word's meaning (SearchResult evidence `unmatched`; abstain). 24d1d5b: second blind batch refusal
# accuracy 0/8 -> 3/8, no false refusal, seed main unchanged
DOC_WEIGHT = 0.3  # added to a clause times its document's share of the best document score
# (documents.py); f45e660: seed main hit@1 0.898 -> 0.898 (unchanged), written for the library
YEAR_WEIGHT = 1.0  # added to a document's share (0..1 of the best) when the question writes its year
DOC_POOL = 3  # the best documents whose clauses are searched besides the whole library (f45e660)
LABEL_WEIGHT = 0.1  # added to a clause whose opening verb the question uses ("What does it urge?" ->
# "Urges"; its meanings in other languages count too). 0.1: library hit@1 0.596 -> 0.606, doc@1
# 0.807 -> 0.817, seed main and blind unchanged; 0.25 cost seed main 0.898 -> 0.878 (2026-12-03).
# The verbs that ask something of someone count as one (lexicon.toml [families]; 2026-12-06:
# held-out hit@1 0.618 -> 0.647, library citation recall up, every other figure unchanged)
ASPECT_WEIGHT = 0.35  # added to a preambular or operative paragraph holding the evidence of a fact
# the question asks for (a duration, a date, an amount, the vote; retrieve._holding_what_is_asked).
# 2026-12-07, with the [duration] aspect: library hit@1 0.688 -> 0.725, held-out 0.647 -> 0.676,
# held-out 2 0.600 -> 0.640; seed main, blind and syntec identical case by case. 0.1: 0.706 (and a
# false refusal), 0.2: 0.716, 0.6: 0.725, 1.0: 0.716 (a money word pulled a resolution's clause
# into a follow-up about the Declaration)
PART_WEIGHT = 1.0  # added to the adoption line when the question asks about the vote (retrieve._asked_of_its_part).
# 2026-12-06: library hit@1 0.670 -> 0.688, false refusals 0.028 -> 0.018 (lib-en-003, lib-en-027);
# 0.5 gave 0.679 (lib-en-027 cited the line second); every other set identical (syntec has no adoption lines)
MIN_OPENING_WORDS = 5  # an opening this short ("The Security Council,") holds nothing a question could
# ask; f45e660: dropping shorter openings kept seed main hit@1 at 0.898, citation P 0.855
INHERITED_WEIGHT = 0.5  # a question word found among the names an operative clause inherits from its
# document's preamble (catalogue._clause_tokens) counts this much of a word of the clause's own.
# 2026-12-06: library hit@1 0.624 -> 0.651, doc@1 0.853 -> 0.890; held-out hit@1 0.559 -> 0.618
# (refusal 0.625 -> 0.500: a "Trust Fund" clause now among the best three counts as budget
# evidence); seed main, blind and syntec identical case by case. 1.0 cost seed main 0.898 -> 0.888
OWN_WEIGHT = 1.0  # the question's own query in the fusion (99fdf3c, the first measured version)
CONTEXT_WEIGHT_FOLLOWUP = 1.2  # the previous question + this one, for a follow-up ("And under what
CONTEXT_WEIGHT_STANDALONE = 0.25  # condition?"), or for a self-contained question; 99fdf3c: the seed
# set's follow-up cases, first measurement hit@1 0.724 over 95 cases

# ------------------------------------------------------------------ refusal (abstain.py)
DENSE_FLOOR = 0.80  # weak support: no lexical match and a dense cosine under this. Set on
# multilingual-e5-small's cosines (99fdf3c: refusal accuracy 1.00, false refusals 0.039 on the
# seed set); another embedder's cosines sit on another scale (README, server embedders)
EVIDENCE_DEPTH = 3  # an asked aspect (a budget, a vote…) must be evidenced in one of the best three
# clauses (99fdf3c, with the seed set's aspect questions)

# ------------------------------------------------------------------ answering (answer.py)
MAX_CITATIONS = 3  # at most this many clauses cited in one answer (99fdf3c)
MIN_QUOTE_WORDS = 8  # a quote is extended to at least this many words (99fdf3c)
FIRST_SEGMENT_WORDS = 20  # ... and a quote of a clause's opening segment to this many (99fdf3c)
SECOND_CITATION = 0.9  # a runner-up within 10% of the best clause's fused score is cited too;
PLURAL_CITATION = 0.6  # ... within 40% when the question asks for two things. e74b486: seed
# citation P/R 0.651/0.704 -> 0.781/0.816
ALSO_RATIO = 0.8  # the best clause not cited is shown apart as "may also answer" when its fused score
ALSO_MAX = 1  # is at least this share of the best one's (at most ALSO_MAX such clauses). 2026-12-06:
# citations holding the answer, library 0.697 -> 0.743, blind 0.677 -> 0.710, held-out 0.735 -> 0.765,
# seed main 0.888 (same); nothing else moves. 0.7 gave library 0.752 but showed a runner-up on 0.59 of
# the answers where 0.8 shows one on 0.41: a new user found it "on every answer" (eval/library/README.md)
QUOTE_SENTENCE_WORDS = 40  # a quote is widened to the whole sentence its segment is part of, up to
# this many words (answer._whole_sentence)
QUOTE_OVERLAP_WEIGHT = 0.08  # a segment's share of the question's words, beside its dense cosine,
# when choosing the segment to quote (99fdf3c, on the seed set's citations)
