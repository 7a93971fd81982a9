"""Aspect triggers: whole words and phrases, so ordinary words never look like an aspect."""

import pytest

from resqa import abstain


def names(question: str) -> set[str]:
    return {a.name for a in abstain.triggered(question)}


def evidences(aspect: str, text: str) -> bool:
    """Does `text` hold evidence of the aspect named (data/aspects.toml), as a clause's folded text?"""
    from resqa.clean import fold

    (found,) = [a for a in abstain.aspects() if a.name == aspect]
    return bool(found.evidence.search(fold(text)))


@pytest.mark.parametrize("question", [
    "Que doivent mettre en place les fournisseurs pour répondre aux demandes des autorités ?",
    "Quel rôle la résolution attribue-t-elle aux entreprises qui proposent des messageries chiffrées ?",
    "Welche Maßnahmen sind in der Resolution enthalten?",
    "What does the resolution propose to member countries?",
    "Qué autoridades menciona la resolución?",
    "Stimmt es, dass die Resolution Verschlüsselung erwähnt?",
    "What should providers put in place to comply with legal requests?",
    "Les fournisseurs doivent-ils se conformer aux procédures légales ?",
    "¿Qué informe presentó el Secretario General?",
])
def test_ordinary_words_trigger_no_aspect(question):
    assert names(question) == set()


@pytest.mark.parametrize("question, aspect", [
    ("Quel pays a proposé cette résolution ?", "authorship"),
    ("Which country proposed this resolution?", "authorship"),
    ("¿Quién es el autor de la resolución?", "authorship"),
    ("¿Qué países patrocinaron el proyecto de la resolución 814?", "authorship"),
    ("¿Qué país presentó el proyecto de resolución?", "authorship"),
    ("من هي الدولة التي قدّمت مشروع القرار 112 (1956)؟", "authorship"),  # which State submitted the draft
    ("Quel est le financement prévu ?", "money"),
    ("Wie viele Länder haben dafür gestimmt?", "vote"),
    ("Is there a deadline?", "deadline"),
    ("Quels délais sont fixés ?", "deadline"),
    ("Who will monitor how countries apply it?", "oversight"),
    ("Quel ministère est chargé de l’appliquer ?", "oversight"),
    ("¿Quién supervisa su aplicación?", "oversight"),
    ("Wer überwacht die Umsetzung?", "oversight"),
    # Russian and Arabic askers ask for the same kinds of fact (held-out 6: ho6-ru-003)
    ("Сколько дополнительных военнослужащих получили СООНО по резолюции 769 (1992)?", "statistics"),
    ("Каков бюджет миссии?", "money"),
    ("Каков бюджет миссии?", "amount"),
    ("Сколько стран проголосовали за резолюцию?", "vote"),
    ("Кто внёс проект резолюции?", "authorship"),
    ("Какие санкции ввел Совет?", "sanction"),
    ("На какой срок создана миссия?", "duration"),
    ("كم عدد الأصوات التي حصل عليها القرار؟", "vote"),
    ("كم عدد الجنود؟", "statistics"),
    ("ما هي ميزانية البعثة؟", "money"),
    ("ما هي العقوبات التي فرضها المجلس؟", "sanction"),
    ("من اقترح مشروع القرار؟", "authorship"),
    ("إلى متى تستمر ولاية القوة؟", "duration"),
])
def test_aspect_questions_trigger(question, aspect):
    assert aspect in names(question)


@pytest.mark.parametrize("question", [
    "Защищает ли Декларация интересы автора научного или литературного произведения?",  # author, not drafter
    "Все ли люди равны перед законом и защищены ли они от дискриминации?",
    "Есть ли у человека обязанности перед обществом?",
    "هل لكل إنسان الحق في أن يعيش حرا وآمنا على نفسه؟",
    "هل تستحق الأمهات والأطفال رعاية خاصة؟",
])
def test_russian_and_arabic_questions_about_rights_trigger_no_aspect(question):
    assert names(question) == set()


def test_russian_and_arabic_declarations_hold_the_evidence_their_askers_need():
    assert evidences("vote", "посредством периодических и нелживых выборов, которые должны проводиться "
                             "при всеобщем и равном избирательном праве путем тайного голосования")
    assert evidences("vote", "وتجرى على أساس الاقتراع السري")
    assert evidences("sanction", "не может налагаться наказание более тяжкое")
    assert evidences("sanction", "ولا توقع عليه عقوبة أشد من تلك")
    assert evidences("statistics", "направить 50 наблюдателей")
    assert not evidences("statistics", "ссылаясь на свою резолюцию 769")


def test_nothing_matched_needs_two_words_or_a_name_and_spares_followups():
    from resqa.model import Clause, Hit

    c = Clause("D/pre-1", "D", "t", "preamble", 1, "RAPPELANT", "fr", "texte", 0, 5, 0)
    hits = [Hit(clause=c, score=1.0, dense=0.9, lexical=1.0, rank_dense=1, rank_lexical=1)]
    from resqa.query import Query

    def assess(question="q", history=(), **evidence):
        return abstain.assess(Query.of(question, history), hits, evidence=abstain.Evidence(**evidence))

    two = assess(words=("climate", "change"), unmatched=("climate", "change"))
    assert not two.answerable and two.unmatched == ("climate", "change") and two.rule == "nothing_matched"
    assert assess(words=("grooming",), unmatched=("grooming",)).answerable
    assert not assess(words=("whatsapp",), unmatched=("whatsapp",), names=("whatsapp",)).answerable
    assert assess(words=("climate", "change"), unmatched=("climate",)).answerable
    assert assess(history=("What does it urge?",), words=("a", "b"), unmatched=("a", "b")).answerable  # a follow-up


def test_words_that_frame_a_question_show_nothing_of_its_topic():
    """The verb of what a question asks ("قرر": decided) is met in every library: matched, it does
    not keep a question about a topic no text holds from being refused. A body's name counts: the
    body can be what the question is about. A question of frame words only is judged on them."""
    from resqa.model import Clause, Hit
    from resqa.query import Query

    c = Clause("D/op-1", "D", "t", "operative", 1, "Decides", "en", "decides to act", 0, 5, 0)
    hits = [Hit(clause=c, score=1.0, dense=0.9, lexical=1.0, rank_dense=1, rank_lexical=1)]

    def assess(question, words, unmatched):
        return abstain.assess(Query.of(question), hits, evidence=abstain.Evidence(words=words, unmatched=unmatched))

    covid = assess("ماذا قرر مجلس الأمن بشأن جائحة كوفيد-19؟", ("قرر", "مجلس", "الأمن", "بشأن", "جائحة", "كوفيد"),
                   ("مجلس", "الأمن", "بشأن", "جائحة", "كوفيد"))
    assert not covid.answerable and covid.rule == "nothing_matched"
    assert covid.unmatched == ("مجلس", "الأمن", "بشأن", "جائحة", "كوفيد")  # what the refusal names: not "قرر"
    assert assess("¿Dónde se celebró la reunión de la Asamblea General?", ("celebró", "reunión", "asamblea", "general"),
                  ("celebró", "reunión")).answerable  # the Assembly is matched, and is what it asks about
    assert assess("What did the Security Council decide about piracy?", ("security", "council", "decide", "piracy"),
                  ("piracy",)).answerable  # one unmatched word, no name: as before
    assert assess("What did the Council decide?", ("council", "decide"), ()).answerable
    held = abstain.assess(Query.of("¿Qué decidió el Consejo en la resolución 303 (1971)?"), hits,
                          evidence=abstain.Evidence(words=("decidió", "consejo"), unmatched=("consejo",),
                                                    names=("consejo",), mentioned={"resolución 303 (1971)": True}))
    assert held.answerable  # the resolution it names is held: that is what it is about


def test_each_rule_gives_its_reason_and_the_refusal_it_says():
    from resqa.model import Clause, Hit
    from resqa.query import Query

    c = Clause("D/op-1", "D", "t", "operative", 1, "Urges", "en", "urges all States to act", 0, 5, 0)
    hits = [Hit(clause=c, score=1.0, dense=0.5, lexical=0.0, rank_dense=1, rank_lexical=None)]
    q = Query.of("What does resolution 243 say about water?")
    missing = abstain.assess(q, hits, mentions=lambda ref: False)
    assert missing.rule == "unknown_reference" and missing.says == ("refusal_not_held", {"ref": "resolution 243"})
    gone = abstain.assess(q, hits, evidence=abstain.Evidence(addressed={"OP12": []}))
    assert gone.rule == "address_not_found" and gone.says == ("refusal_no_clause", {"ref": "OP12"})
    unmatched = abstain.assess(Query.of("Does it mention WhatsApp and Facebook?"), hits, evidence=abstain.Evidence(
        words=("whatsapp", "facebook"), unmatched=("whatsapp", "facebook")))
    assert unmatched.says == ("refusal_unmatched", {"words": "“WhatsApp”, “Facebook”"})
    weak = abstain.assess(q, hits)
    assert weak.rule == "weak_support" and weak.says == ("refusal_generic", {}) and "0.500" in weak.reason
    assert [r.__name__ for r in abstain.RULES][0] == "unknown_reference"


@pytest.mark.parametrize("text, evidence", [
    ("Adopted by the Security Council at its 3199th meeting, on 16 April 1993", False),  # a date counts nothing
    ("Resolution 425 (1978) of 19 March 1978", False),
    # a year before a word counts nothing either (held-out 9's en-007, "how many observers" of 210)
    ("Recalling resolution 209 (1965) of 4 September 1965 calling for a cease-fire", False),
    ("in 1948 concerning the situation", False),
    ("au 1er janvier de chaque année", False),
    ("Requests the Secretary-General to deploy fifty United Nations observers", True),
    ("Decides that the force shall comprise 4,000 troops", True),
    ("within 60 days of the adoption of this resolution", True),
    ("to increase the number of United Nations observers in and around Beirut from ten to fifty, and", True),
    ("d'un montant égal à 0, 2 ‰ de leur masse salariale", True),  # syntec's q092: per mille is a rate too
])
def test_a_statistic_needs_a_quantity_and_a_date_is_none(text, evidence):
    assert evidences("statistics", text) is evidence


SIX_MONTHS = ("accordingly decides that, in accordance with the recommendation in paragraph 68 of the "
              "Secretary-General's report, the mandate of the Force shall be extended for a further period "
              "of six months, that is, until 24 October 1974")


@pytest.mark.parametrize("question, counts_time", [
    ("How many troops did resolution 346 (1974) authorize for the Emergency Force?", False),
    ("Сколько военнослужащих было в Силах в 1974 году?", False),  # "году" is the year asked, not a count of time
    ("¿Cuántos observadores envió el Consejo?", False),
    ("How many months was the mandate extended for?", True),
    ("Combien de temps dure le mandat ?", True),
    ("На сколько месяцев продлен мандат?", True),
    ("كم شهرا مدد الولاية؟", True),
])
def test_a_quantity_of_time_is_evidence_only_of_a_count_of_time(question, counts_time):
    """Held-out 8's en-007 and 10's en-009 asked how many troops 346 (1974) had and were answered
    from its "six months"."""
    from resqa.clean import fold

    (stats,) = [a for a in abstain.triggered(question) if a.name == "statistics"]
    assert bool(stats.evidence.search(fold(SIX_MONTHS))) is counts_time
    assert stats.evidence.search(fold("Decides that the force shall comprise 4,000 troops"))


@pytest.mark.parametrize("text, evidence", [
    # the Council's sanctions rarely say "sanctions": S/RES/232 (1966) never does
    ("Decides that all States Members of the United Nations shall prevent:\n\n(a) The import into their territories", True),
    ("Decides that all States shall prohibit the sale or supply of arms", True),
    ("Decides to impose a general and complete embargo on all deliveries of weapons", True),
    ("Acting under Article 41 of the Charter", True),
    ("Calls upon the parties to prevent a resumption of hostilities", False),
    ("Requests the Secretary-General to report on the situation", False),
])
def test_sanctions_are_evidenced_by_the_words_that_impose_them(text, evidence):
    assert evidences("sanction", text) is evidence


@pytest.mark.parametrize("question", [
    "For how long was UNOMIL set up?", "Until what date was the mandate authorized?",
    "How quickly were governments to hand over the information?", "Pour quelle durée la Force a-t-elle été créée ?",
    "Jusqu'à quand le mandat court-il ?", "¿Hasta qué fecha se estableció la Operación?", "Wie lange bleibt die Truppe?",
])
def test_a_question_asking_how_long_asks_for_a_duration(question):
    assert "duration" in {a.name for a in abstain.triggered(question)}


def test_a_duration_is_a_period_a_date_it_runs_until_or_a_time_span():
    for text in ("established for a period until 31 October 1993", "for an initial period of six months",
                 "to report within sixty days", "jusqu'au 30 juin 1994", "hasta el 31 de octubre"):
        assert evidences("duration", text), text
    for text in ("until the Council decides otherwise", "Decides to remain seized of the matter",
                 "resolution 425 (1978)", "to report periodically", "en su cuadragésimo período de sesiones",
                 "informes periódicos", "through the 1267 Committee"):
        assert not evidences("duration", text), text
    for question in ("Within what framework did the Council act?", "What period of history does it recall?"):
        assert "duration" not in {a.name for a in abstain.triggered(question)}, question


def test_a_deadline_is_a_date_something_must_happen_before():
    """"Before 4 October 1969", "not later than 31 January 1973", "by 15 August 1982": the way the
    Security Council sets a deadline (43 times in the library slice), next to "au plus tard" and
    "within 30 days"; "by the parties" and "before the Council" set none."""
    for text in ("withdraw its administration from the Territory immediately and in any case before 4 October 1969",
                 "not later than\n31 January 1973", "by 15 August 1982", "avant le 4 octobre", "antes del 31 de marzo"):
        assert evidences("deadline", text), text
    for text in ("by the parties concerned", "before the Council", "by 13 votes to none"):
        assert not evidences("deadline", text), text


def test_sans_delai_asks_for_no_deadline():
    """"Enquêter sans délai" is "investigate promptly": the aspect's `unless` phrases hide the
    trigger; "quel délai" still asks for one."""
    assert "deadline" not in {a.name for a in abstain.triggered(
        "Quelle résolution a encouragé le Secrétaire général à enquêter sans délai ?")}
    assert "deadline" not in {a.name for a in abstain.triggered("Que doit-il faire dans les meilleurs délais ?")}
    assert "deadline" in {a.name for a in abstain.triggered("Quel délai la résolution fixe-t-elle ?")}


def test_a_question_asking_how_much_money_needs_a_sum_with_its_currency():
    """[amount]: "What budget did resolution 866 set?" is answered only by a clause stating a sum
    ("19,81 € bruts", "US$ 1.5 million", "2 millones de dólares"); a text that only mentions a
    budget or compensation is no evidence. A question about funding in general asks no amount."""
    for q in ("What budget did resolution 866 (1993) set for the Mission?", "¿Qué monto de indemnización fijó?",
              "Quel est le montant de la valeur du point ?", "How much money was budgeted for that mission?"):
        assert {"money", "amount"} <= {a.name for a in abstain.triggered(q)}, q
    assert "amount" not in {a.name for a in abstain.triggered("How was the special fund to be financed?")}
    for text in ("à 19,81 € bruts", "US$ 1.5 million", "a sum of 50 million dollars", "2 millones de dólares", "$100"):
        assert evidences("amount", text), text
    for text in ("requests the Secretary-General to submit a budget", "full and adequate compensation",
                 "resolution 745 (1992)", "by 13 votes to none"):
        assert not evidences("amount", text), text
