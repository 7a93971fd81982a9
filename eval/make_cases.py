"""One-off writer of eval/cases.jsonl, kept so the set's provenance is readable.

The questions were written from the clause texts before the answerer was tuned, as a staff
member would ask them: paraphrases avoid the clause's own words where natural. Edit cases.jsonl
directly from now on; `resqa eval --check` validates it against the index.
"""
import json
from pathlib import Path

D = "GA-2021-89-RES-09/"
rows = []


def add(cid, lang, qtype, question, gold=(), quotes=(), history=(), unanswerable=False):
    rows.append({"id": cid, "lang": lang, "type": qtype, "question": question,
                 "history": list(history), "gold": [D + g for g in gold],
                 "must_quote": list(quotes), "unanswerable": unanswerable})


# ---------------------------------------------------------------- English
add("en01", "en", "direct", "What does the resolution urge all member countries to do?", ["op-2"], ["de déployer les efforts législatifs et politiques appropriés"])
add("en02", "en", "paraphrase", "Which legislative changes does the General Assembly ask of member states?", ["op-2"], ["notamment en modifiant la législation existante"])
add("en03", "en", "paraphrase", "What are member countries called upon to do regarding companies that offer end-to-end encryption?", ["op-1"], ["inciter les fournisseurs de services proposant le chiffrement de bout en bout"])
add("en04", "en", "paraphrase", "Does the resolution ask for safe digital spaces for children?", ["op-1"], ["à concevoir des espaces numériques sûrs pour les enfants"])
add("en05", "en", "paraphrase", "What positive aspects of encryption does the Assembly acknowledge?", ["pre-4"], ["les mérites du chiffrement pour améliorer le respect de la vie privée"])
add("en06", "en", "paraphrase", "Why is the Assembly worried about criminals using end-to-end encryption?", ["pre-6"], ["pour dissimuler leurs activités en ligne illicites"])
add("en07", "en", "paraphrase", "In what forms is online child sexual abuse shared, according to the resolution?", ["pre-5"], ["sous la forme d’images, de vidéos, de textes écrits et de communications en direct"])
add("en08", "en", "paraphrase", "What role do service providers have in detecting abuse?", ["pre-8"], ["ont un rôle essentiel à jouer en assumant la responsabilité de détecter et de réduire les abus pédosexuels en ligne"])
add("en09", "en", "paraphrase", "How should service providers design their products?", ["pre-7"], ["devraient concevoir des produits et des services intrinsèquement sûrs pour les utilisateurs"])
add("en10", "en", "factual", "Where was the 89th session held?", ["open"], ["à Istanbul (Turquie)"])
add("en11", "en", "factual", "When did the General Assembly meet for this session?", ["open"], ["du 23 au 25 novembre 2021"])
add("en12", "en", "factual", "Which earlier INTERPOL resolutions are recalled?", ["pre-2"], ["la résolution AG-2005-RES-09"])
add("en13", "en", "factual", "Which UN convention does the resolution take note of?", ["pre-3"], ["la Convention relative aux droits de l’enfant (1989)"])
add("en14", "en", "paraphrase", "What principles should limit detection measures where encryption is used?", ["pre-3"], ["selon les principes de légalité, de nécessité et de proportionnalité"])
add("en15", "en", "factual", "Which article of the INTERPOL Constitution is cited?", ["pre-1"], ["l’article 2(1) du Statut d’INTERPOL"])
add("en16", "en", "paraphrase", "What are INTERPOL's aims according to its Constitution?", ["pre-1"], ["d’assurer et de développer l’assistance réciproque la plus large de toutes les autorités de police criminelle"])
add("en17", "en", "factual", "What is the subject of resolution GA-2021-89-RES-09?", ["subject"], ["Protéger les enfants contre l’exploitation pédosexuelle en ligne"])
add("en18", "en", "paraphrase", "What harm to victims does the resolution mention when such content keeps circulating?", ["pre-8"], ["eu égard au traumatisme considérable que provoque chez les victimes la poursuite de la diffusion de ces contenus"])
add("en19", "en", "paraphrase", "What does the resolution say about evidence gathering by the police?", ["pre-6"], ["de recueillir les éléments de preuve dont elles ont besoin pour enquêter"])
add("en20", "en", "paraphrase", "Should member states take part in international police cooperation on this?", ["op-2"], ["de participer activement à la coopération policière internationale à cette fin"])
add("en21", "en", "paraphrase", "What should providers put in place to comply with legal requests from governments?", ["op-1"], ["mettre en place des dispositifs permettant de se conformer rapidement et de manière effective aux procédures légales des autorités gouvernementales"])
add("en22", "en", "paraphrase", "Is grooming mentioned?", ["pre-6"], ["y compris les indices de pédopiégeage"])
add("en23", "en", "factual", "What does the UN Committee's General Comment No. 25 say about encryption?", ["pre-3"], ["lorsque le cryptage est considéré comme opportun"])
add("en24", "en", "paraphrase", "What shared interest does the Assembly note?", ["pre-7"], ["l’intérêt largement partagé pour la sécurité publique"])
add("en25", "en", "multi", "What responsibility do end-to-end encryption providers bear, and what should countries push them to do?", ["pre-8", "op-1"], ["ont un rôle essentiel à jouer", "inciter les fournisseurs de services proposant le chiffrement de bout en bout"])
add("en26", "en", "multi", "What are the two things the Assembly asks of member countries?", ["op-1", "op-2"], ["APPELLE les pays membres", "DEMANDE INSTAMMENT à tous les pays membres"])
add("en27", "en", "multi", "How does the resolution weigh the benefits of encryption against its misuse by offenders?", ["pre-4", "pre-6"], ["les mérites du chiffrement", "par les malfaiteurs pour dissimuler leurs activités en ligne illicites"])
add("en28", "en", "unanswerable", "What budget is allocated to implementing this resolution?", unanswerable=True)
add("en29", "en", "unanswerable", "How many member countries voted in favour of the resolution?", unanswerable=True)
add("en30", "en", "unanswerable", "What sanctions apply to providers that refuse to cooperate?", unanswerable=True)
add("en31", "en", "unanswerable", "By what deadline must member countries amend their legislation?", unanswerable=True)
add("en32", "en", "unanswerable", "Who drafted this resolution?", unanswerable=True)
add("en33", "en", "unanswerable", "Which countries abstained in the vote?", unanswerable=True)
add("en34", "en", "unanswerable", "How much funding will INTERPOL give member countries to do this?", unanswerable=True)
add("en35", "en", "followup", "And under what condition?", ["op-2"], ["dans le respect de leur cadre juridique national"], history=["What does the resolution urge member countries to do?"])
add("en36", "en", "followup", "And on which dates?", ["open"], ["du 23 au 25 novembre 2021"], history=["Where was the 89th General Assembly session held?"])
add("en37", "en", "followup", "What year is it from?", ["pre-3"], ["(1989)"], history=["Which UN convention does the resolution take note of?"])
add("en38", "en", "followup", "What should those providers design for children?", ["op-1"], ["des espaces numériques sûrs pour les enfants"], history=["What are member countries called upon to do about encryption service providers?"])
add("en39", "en", "followup", "Who is prevented from detecting abuse as a result?", ["pre-6"], ["empêchant ainsi les fournisseurs de services de détecter les abus pédosexuels"], history=["Why is the Assembly concerned about criminals using end-to-end encryption?"])
add("en40", "en", "unanswerable", "Is there a deadline for that?", history=["What does the resolution urge member countries to do?"], unanswerable=True)

# ---------------------------------------------------------------- French
add("fr01", "fr", "direct", "Que demande instamment l’Assemblée aux pays membres ?", ["op-2"], ["de déployer les efforts législatifs et politiques appropriés"])
add("fr02", "fr", "paraphrase", "Faut-il changer les lois nationales selon la résolution ?", ["op-2"], ["notamment en modifiant la législation existante"])
add("fr03", "fr", "paraphrase", "À quoi les pays membres sont-ils appelés au sujet des fournisseurs de services ?", ["op-1"], ["utiliser tous les moyens disponibles pour inciter les fournisseurs"])
add("fr04", "fr", "paraphrase", "Quels avantages du chiffrement la résolution reconnaît-elle ?", ["pre-4"], ["pour améliorer le respect de la vie privée, la sécurité et la protection des droits fondamentaux"])
add("fr05", "fr", "factual", "Où s’est tenue la session de l’Assemblée générale ?", ["open"], ["à Istanbul (Turquie)"])
add("fr06", "fr", "factual", "À quelles dates l’Assemblée s’est-elle réunie ?", ["open"], ["du 23 au 25 novembre 2021"])
add("fr07", "fr", "factual", "Quelle est la référence de cette résolution ?", ["head"], ["GA-2021-89-RES-09"])
add("fr08", "fr", "factual", "Quel est l’objet de la résolution ?", ["subject"], ["Protéger les enfants contre l’exploitation pédosexuelle en ligne"])
add("fr09", "fr", "factual", "Quelles résolutions antérieures d’INTERPOL sont rappelées ?", ["pre-2"], ["AGN/65/RES/9"])
add("fr10", "fr", "factual", "Quelle résolution de 2011 est mentionnée ?", ["pre-2"], ["la résolution AG-2011-RES-05"])
add("fr11", "fr", "paraphrase", "Sous quelles formes ces abus circulent-ils sur Internet ?", ["pre-5"], ["sous la forme d’images, de vidéos, de textes écrits et de communications en direct"])
add("fr12", "fr", "paraphrase", "Pourquoi les criminels se servent-ils du chiffrement de bout en bout ?", ["pre-6"], ["pour dissimuler leurs activités en ligne illicites"])
add("fr13", "fr", "paraphrase", "Quelles conséquences pour les enquêteurs la résolution redoute-t-elle ?", ["pre-6"], ["de recueillir les éléments de preuve dont elles ont besoin pour enquêter"])
add("fr14", "fr", "paraphrase", "Quel rôle la résolution attribue-t-elle aux entreprises qui proposent des messageries chiffrées ?", ["pre-8"], ["ont un rôle essentiel à jouer"])
add("fr15", "fr", "paraphrase", "Comment les produits des fournisseurs devraient-ils être conçus ?", ["pre-7"], ["intrinsèquement sûrs pour les utilisateurs"])
add("fr16", "fr", "paraphrase", "Quels principes doivent encadrer les mesures de détection ?", ["pre-3"], ["selon les principes de légalité, de nécessité et de proportionnalité"])
add("fr17", "fr", "factual", "Quel texte de l’ONU sur les droits de l’enfant est cité ?", ["pre-3"], ["la Convention relative aux droits de l’enfant (1989)"])
add("fr18", "fr", "factual", "Sur quel article du Statut d’INTERPOL la résolution s’appuie-t-elle ?", ["pre-1"], ["l’article 2(1) du Statut d’INTERPOL"])
add("fr19", "fr", "paraphrase", "Quels sont les buts de l’Organisation d’après son Statut ?", ["pre-1"], ["l’assistance réciproque la plus large de toutes les autorités de police criminelle"])
add("fr20", "fr", "paraphrase", "Quelle souffrance des victimes la résolution évoque-t-elle ?", ["pre-8"], ["traumatisme considérable"])
add("fr21", "fr", "paraphrase", "Les pays doivent-ils travailler avec les polices étrangères ?", ["op-2"], ["participer activement à la coopération policière internationale"])
add("fr22", "fr", "paraphrase", "Que doivent mettre en place les fournisseurs pour répondre aux demandes des autorités ?", ["op-1"], ["se conformer rapidement et de manière effective aux procédures légales des autorités gouvernementales"])
add("fr23", "fr", "paraphrase", "La résolution parle-t-elle de la sollicitation d’enfants en ligne par des prédateurs ?", ["pre-6"], ["les indices de pédopiégeage"])
add("fr24", "fr", "factual", "Que dit l’Observation générale n° 25 ?", ["pre-3"], ["lorsque le cryptage est considéré comme opportun"])
add("fr25", "fr", "paraphrase", "Quel intérêt commun l’Assemblée constate-t-elle ?", ["pre-7"], ["l’intérêt largement partagé pour la sécurité publique"])
add("fr26", "fr", "multi", "Quelles sont les deux demandes adressées aux pays membres ?", ["op-1", "op-2"], ["APPELLE les pays membres", "DEMANDE INSTAMMENT à tous les pays membres"])
add("fr27", "fr", "multi", "Qu’est-ce qui inquiète l’Assemblée dans l’usage du chiffrement et la diffusion des abus ?", ["pre-5", "pre-6"], ["PROFONDÉMENT PRÉOCCUPÉE par les abus pédosexuels en ligne", "par les malfaiteurs pour dissimuler leurs activités en ligne illicites"])
add("fr28", "fr", "multi", "Sur quels textes, le Statut d’INTERPOL et une convention de l’ONU, la résolution s’appuie-t-elle ?", ["pre-1", "pre-3"], ["l’article 2(1) du Statut d’INTERPOL", "la Convention relative aux droits de l’enfant (1989)"])
add("fr29", "fr", "unanswerable", "Quel est le budget prévu pour la mise en œuvre de cette résolution ?", unanswerable=True)
add("fr30", "fr", "unanswerable", "Combien de pays ont voté pour la résolution ?", unanswerable=True)
add("fr31", "fr", "unanswerable", "Quelles sanctions sont prévues contre les fournisseurs qui ne coopèrent pas ?", unanswerable=True)
add("fr32", "fr", "unanswerable", "Avant quelle date les pays doivent-ils modifier leur législation ?", unanswerable=True)
add("fr33", "fr", "unanswerable", "Qui a rédigé cette résolution ?", unanswerable=True)
add("fr34", "fr", "unanswerable", "Quel pays a proposé cette résolution ?", unanswerable=True)
add("fr35", "fr", "unanswerable", "Combien d’enfants sont victimes d’abus en ligne chaque année selon la résolution ?", unanswerable=True)
add("fr36", "fr", "followup", "Et dans quel cadre ?", ["op-2"], ["dans le respect de leur cadre juridique national"], history=["Que demande instamment l’Assemblée aux pays membres ?"])
add("fr37", "fr", "followup", "Et quand ?", ["open"], ["du 23 au 25 novembre 2021"], history=["Où s’est tenue la session de l’Assemblée générale ?"])
add("fr38", "fr", "followup", "Laquelle porte sur la coopération policière internationale ?", ["pre-2"], ["la résolution AGN/65/RES/10"], history=["Quelles résolutions antérieures d’INTERPOL sont rappelées ?"])
add("fr39", "fr", "followup", "Et qu’est-ce que cela empêche ?", ["pre-6"], ["empêchant ainsi les fournisseurs de services de détecter les abus pédosexuels"], history=["Pourquoi les criminels se servent-ils du chiffrement de bout en bout ?"])
add("fr40", "fr", "followup", "Que demande-t-elle aux États parties ?", ["pre-3"], ["à prendre toutes les mesures appropriées pour empêcher ce type d’abus"], history=["Quelle convention de l’ONU sur les droits de l’enfant est citée ?"])
add("fr41", "fr", "unanswerable", "Et quelle sanction s’ils ne le font pas ?", history=["Que demande instamment l’Assemblée aux pays membres ?"], unanswerable=True)

# ---------------------------------------------------------------- Spanish
add("es01", "es", "paraphrase", "¿Qué insta la Asamblea a hacer a los países miembros?", ["op-2"], ["de déployer les efforts législatifs et politiques appropriés"])
add("es02", "es", "factual", "¿Dónde se celebró la reunión de la Asamblea General?", ["open"], ["à Istanbul (Turquie)"])
add("es03", "es", "paraphrase", "¿Qué ventajas del cifrado reconoce la resolución?", ["pre-4"], ["les mérites du chiffrement"])
add("es04", "es", "paraphrase", "¿Por qué preocupa el cifrado de extremo a extremo en manos de delincuentes?", ["pre-6"], ["pour dissimuler leurs activités en ligne illicites"])
add("es05", "es", "unanswerable", "¿Cuál es el presupuesto asignado a esta resolución?", unanswerable=True)
add("es06", "es", "paraphrase", "¿Qué deben diseñar los proveedores para los niños?", ["op-1"], ["des espaces numériques sûrs pour les enfants"])
add("es07", "es", "followup", "¿Y respetando qué marco?", ["op-2"], ["dans le respect de leur cadre juridique national"], history=["¿Qué insta la Asamblea a hacer a los países miembros?"])

# ---------------------------------------------------------------- German
add("de01", "de", "paraphrase", "Wozu fordert die Versammlung die Mitgliedsländer nachdrücklich auf?", ["op-2"], ["de déployer les efforts législatifs et politiques appropriés"])
add("de02", "de", "factual", "Wo fand die Sitzung der Generalversammlung statt?", ["open"], ["à Istanbul (Turquie)"])
add("de03", "de", "paraphrase", "Welche Vorteile der Verschlüsselung werden anerkannt?", ["pre-4"], ["les mérites du chiffrement"])
add("de04", "de", "paraphrase", "Welche Rolle spielen Anbieter von Ende-zu-Ende-Verschlüsselung?", ["pre-8"], ["ont un rôle essentiel à jouer"])
add("de05", "de", "unanswerable", "Wie viele Länder haben für die Resolution gestimmt?", unanswerable=True)
add("de06", "de", "factual", "Welche früheren Resolutionen werden erwähnt?", ["pre-2"], ["AG-2005-RES-09"])
add("de07", "de", "unanswerable", "Welche Strafen drohen Anbietern, die nicht kooperieren?", unanswerable=True)

if __name__ == "__main__":
    out = Path(__file__).with_name("cases.jsonl")
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} cases -> {out}")
