#!/usr/bin/env python3
"""Adds a French and a Spanish translation of every page to a gen_corpus.py corpus (issue 13).

  benches/gen_translations.py CORPUS        # CORPUS made by ../shared/bench/gen_corpus.py,
                                            # flavour weft or hugo; changed in place

Beside every content file NAME.md it writes NAME.fr.md and NAME.es.md (`_index.fr.md` beside
`_index.md`, the home page included), and declares the languages in the site's configuration.
Deterministic: no randomness, the same English corpus gives the same bytes. Python 3.11 stdlib.

The "translation" is a word-for-word substitution (a small dictionary of the corpus's frequent
words, suffix rules such as -tion -> -ción for the others; names, acronyms, figures untouched).
It is not French or Spanish, but it is text of about the same length with the languages'
accented letters (multi-byte UTF-8, as real translations have), so the generators parse,
slugify and index what they would on a real site. What is kept as a translator would keep it:
  - the Markdown structure (headings, lists, tables, footnotes, emphasis) and every figure;
  - link targets: `[label](@/countries/kenya.md)` (weft) and `{{< relref "/country/kenya.md" >}}`
    (hugo) name the English source file, only the label is translated;
  - fenced code blocks and shortcode tags (benches/add_features.py's `note` calls), verbatim; a
    shortcode's Markdown body is translated like the rest of the text; wikilinks keep their
    target and get a translated label, `[[United Republic of Tanzania]]` -> `[[United Republic of
    Tanzania|Unie République de Tanzania]]` (gen_corpus writes none today; for a corpus that
    has them).

weft flavour (per /work/wt/I18N-CONTRACT.md and /work/wt/TRANSLATION.md): a translation sets
`title`, `description` and `translates` only -- date, weight, references and `also_known_as` are
inherited from the source. `translates` is the first 10 hex digits of SHA-1 over
`title + "\\0" + description + "\\0" + body` of the source (body: the text after the closing
`+++` line), so no translation is stale. No `slug`: URLs are the source's under /fr/ and /es/,
the same as Hugo's, so both sites publish the same paths.
site.toml gets `language = "en"` and `[languages.en]`, `[languages.fr]`, `[languages.es]`.

hugo flavour: the same file names -- Hugo finds translations by file name (`kenya.fr.md`)
natively, the layout weft uses, so both read the same tree. That is the fair choice rather than
one contentDir per language: the same files, the same directory walk. Hugo has no inheritance,
so its translations repeat the source's date, weight, draft and the three taxonomies (what a
Hugo user types by hand); without them Hugo's French listings would have no dates and its French
term pages (/fr/countries/kenya/, the backlinks) would be empty, i.e. less work than weft does.
hugo.toml gets defaultContentLanguage = "en" (at the root, defaultContentLanguageInSubdir =
false, like weft) and `[languages.en|fr|es]` with each language's title. Hugo's relref resolves
in the page's own language, so French pages link to French pages, as weft's `@/` links do.

Writes translations-manifest.json (languages, files written, bytes, and the page the serve
benchmark edits) and refuses a corpus that already has one.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import tomllib
import unicodedata
from pathlib import Path

LANGS = ("fr", "es")
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español"}

# English word -> (French, Spanish): the corpus's frequent words (titles, headings, seed text).
WORDS = """
the le el|of de de|and et y|in en en|to à a|for pour para|a un un|on sur sobre|with avec con
is est es|programme programme programa|programmes programmes programas|development développement
desarrollo|also aussi también|social social social|work travail trabajo|this ce este|labour travail
trabajo|countries pays países|country pays país|has a ha|at à en|activities activités actividades
national national nacional|international international internacional|results résultats
resultados|be être ser|was était fue|by par por|been été sido|as comme como|child enfant niño
are sont son|under sous bajo|from de desde|its ses sus|cooperation coopération cooperación
donors donateurs donantes|donor donateur donante|see voir véase|place lieu lugar|action action
acción|built fondé basado|took eut tuvo|coordination coordination coordinación|were étaient eran
women femmes mujeres|related connexe conexo|recorded consigné registrado|reported signalé
informado|earlier antérieurs anteriores|will sera será|children enfants niños|field terrain
terreno|have ont han|partners partenaires socios|it il él|which qui que|that que que|united unie
unida|evaluation évaluation evaluación|republic république república|one un uno|skills compétences
competencias|project projet proyecto|level niveau nivel|agency agence agencia|dialogue dialogue
diálogo|funding financement financiación|support appui apoyo|major majeur importante
protection protection protección|technical technique técnica|an un un|health santé salud
capacity capacité capacidad|bank banque banco|participation participation participación
other autre otro|training formation formación|government gouvernement gobierno|new nouveau nuevo
launched lancé iniciado|organizations organisations organizaciones|services services servicios
africa afrique áfrica|there là allí|trade commerce comercio|regional régional regional|small petit
pequeño|year année año|systems systèmes sistemas|provided fourni prestado|collaboration
collaboration colaboración|poverty pauvreté pobreza|monitoring suivi seguimiento|projects projets
proyectos|ongoing en_cours en_curso|study étude estudio|strategy stratégie estrategia|future avenir
futuro|status état estado|planned prévu previsto|committee commission comisión|various divers
diversos|informal informel informal|completed achevé terminado|such tel tal|workers travailleurs
trabajadores|industry industrie industria|union syndicat sindicato|implementation mise_en_œuvre
aplicación|employers employeurs empleadores|evaluations évaluations evaluaciones|employment emploi
empleo|being étant siendo|joint conjoint conjunto|two deux dos|equal égal igual|budget budget
presupuesto|policy politique política|developing élaborant elaborando|information information
información|including y_compris incluido|continued poursuivi continuado|central central central
approach approche enfoque|alleviation réduction reducción|enterprise entreprise empresa|world monde
mundo|global mondial mundial|sector secteur sector|gender genre género|involved associé participó
experience expérience experiencia|effective efficace eficaz|beneficiaries bénéficiaires
beneficiarios|into dans en|trafficking traite trata|both deux ambos|evaluated évalué evaluado
steps étapes pasos|plan plan plan|officials fonctionnaires funcionarios|lessons leçons lecciones
proposal proposition propuesta|main principal principal|preparation préparation preparación
aimed visant dirigido|objectives objectifs objetivos|case cas caso|plans plans planes|job emploi
empleo|initiatives initiatives iniciativas|strategies stratégies estrategias|headquarters siège
sede|unit unité unidad|while tandis mientras|needs besoins necesidades|promote promouvoir promover
already déjà ya|studies études estudios|states états estados|strengthened renforcé reforzado
working travaillant trabajando|mainstreaming intégration integración|expand étendre ampliar
mobilization mobilisation movilización|surveys enquêtes encuestas|partner partenaire socio|who qui
quien|statistical statistique estadístico|workplace lieu_de_travail lugar_de_trabajo|most plupart
mayoría|commercial commercial comercial|undertaken entrepris emprendido|identification
identification identificación|developed élaboré elaborado|context contexte contexto|practical
pratique práctico|foundation fondation fundación|required requis requerido|further davantage más
role rôle papel|building renforcement fortalecimiento|against contre contra|published publié
publicado|domestic domestique doméstico|contribution contribution contribución|their leur su
learned apprises aprendidas|enterprises entreprises empresas|number nombre número|all tous todos
although bien_que aunque|agriculture agriculture agricultura|office bureau oficina|important
important importante|principles principes principios|conducted mené realizado|access accès acceso
respect respect respeto|centre centre centro|assistance assistance asistencia|ministry ministère
ministerio|overall global global|individual individuel individual|research recherche investigación
framework cadre marco|focus accent enfoque|organization organisation organización|some certains
algunos|groups groupes grupos|department département departamento|therefore donc por_tanto
rural rural rural|knowledge connaissances conocimientos|four quatre cuatro|based fondé basado
aid aide ayuda|quality qualité calidad|implement mettre_en_œuvre aplicar|agencies agences agencias
through par mediante|part partie parte|should devrait debería|income revenu ingreso|meeting réunion
reunión|provide fournir prestar|next prochain próximo|background contexte antecedentes
activities activités actividades|lessons leçons lecciones|evaluation évaluation evaluación
funding financement financiación|capacity capacité capacidad|year année año|budget budget
presupuesto|beneficiaries bénéficiaires beneficiarios|status statut estado|programmes programmes
programas|pages pages páginas|entries entrées entradas|below ci-dessous abajo|listed énumérées
enumeradas|newest récentes recientes|first premier primero|each chaque cada|entry entrée entrada
links lien enlace|full complet completo|record fiche ficha|cross-references renvois referencias
where où donde|operate opèrent operan|financial financier financiero|contributors contributeurs
contribuyentes|contributions contributions contribuciones|surveys enquêtes encuestas
bonded servitude servidumbre|pay rémunération remuneración|insurance assurance seguro
schemes régimes regímenes|sector secteur sector|inspection inspection inspección|collective
collective colectiva|bargaining négociation negociación|road routière vial|works travaux obras
public public público|income revenu ingreso|generation création generación|teacher enseignant
docente|street rue calle|fishing pêche pesca|operations opérations operaciones|garment confection
confección|carpet tapis alfombras|soccer football fútbol|ball ballon balón|advocacy plaidoyer
promoción|handbook manuel manual|consultation consultation consulta|cooperatives coopératives
cooperativas|savings épargne ahorro|credit crédit crédito|infrastructure infrastructure
infraestructura|apprenticeships apprentissages aprendizajes|quarries carrières canteras|mines mines
minas|export exportation exportación|processing transformation elaboración|zones zones zonas
community communautaire comunitario|entrepreneurship entrepreneuriat emprendimiento|more plus más
better meilleurs mejores|jobs emplois empleos|strategies stratégies estrategias|tools outils
herramientas|exclusion exclusion exclusión|elimination abolition erradicación|promotion promotion
promoción|relations relations relaciones|intensive intensif intensivo|investment investissement
inversión|employability employabilité empleabilidad|contributors contributeurs contribuyentes
"""
DICT: dict[str, tuple[str, str]] = {}
_TOKENS = WORDS.replace("|", " ").split()
assert len(_TOKENS) % 3 == 0, "WORDS: every entry is 'english french spanish'"
for english, french, spanish in zip(_TOKENS[0::3], _TOKENS[1::3], _TOKENS[2::3]):
    # a rendering of several words is written with "_" between them
    DICT.setdefault(english, (french.replace("_", " "), spanish.replace("_", " ")))

# Suffix rules for the words not in the dictionary (checked in order; the first that applies).
SUFFIXES = {
    "fr": [("ations", "ations"), ("ation", "ation"), ("ities", "ités"), ("ity", "ité"),
           ("ies", "ies"), ("ive", "if"), ("ous", "eux"), ("ical", "ique"), ("ic", "ique"),
           ("ing", "ant"), ("ed", "é"), ("ary", "aire"), ("er", "eur"), ("y", "ie")],
    "es": [("ations", "aciones"), ("ation", "ación"), ("tions", "ciones"), ("tion", "ción"),
           ("sions", "siones"), ("sion", "sión"), ("ities", "idades"), ("ity", "idad"),
           ("ment", "miento"), ("ive", "ivo"), ("ous", "oso"), ("ical", "ico"), ("ic", "ico"),
           ("ing", "ando"), ("ed", "ado"), ("ary", "ario"), ("al", "al"), ("y", "ía")],
}

WORD_RE = re.compile(r"[^\W\d_]+")  # letters, accented ones included
TRANSLATED_RE = re.compile(r"\.[a-z]{2}\.md$")
# Kept verbatim in a body: link targets (`](...)`, hugo's `{{< relref ... >}}` inside them),
# footnote markers, heading ids, wikilinks (whose label is translated separately), fenced code
# blocks (fence to fence: code is not prose) and shortcode tags (weft's `{% note(kind="gap") %}`,
# `{% end %}`, `{{ badge(...) }}`; Hugo's `{{< note kind="gap" >}}`, `{{< /note >}}`: a
# translated name or argument would call another shortcode; the body between is prose).
PROTECTED_RE = re.compile(r"\]\([^)]*\)|\[\^\d+\]|\{#[^}]*\}|\[\[[^\]]*\]\]"
                          r"|(?ms:^```.*?^```[ \t]*$)|\{%[^\n]*?%\}|\{\{[^\n]*?\}\}")


def translate_word(word: str, lang: str) -> str:
    if len(word) > 1 and word.isupper():
        return word                      # acronyms: IPEC, ILO, USD
    low = word.lower()
    i = LANGS.index(lang)
    if low in DICT:
        out = DICT[low][i]
    else:
        out = low
        if len(low) > 4:
            for old, new in SUFFIXES[lang]:
                if low.endswith(old):
                    out = low[: -len(old)] + new
                    break
    return out[0].upper() + out[1:] if word[0].isupper() else out


def translate_text(text: str, lang: str) -> str:
    """Words translated; everything else (figures, punctuation, Markdown) kept."""
    return WORD_RE.sub(lambda m: translate_word(m.group(0), lang), text)


def translate_wikilink(link: str, lang: str) -> str:
    target, _, label = link[2:-2].partition("|")
    label = translate_text(label or target, lang)
    return f"[[{target}]]" if label == target else f"[[{target}|{label}]]"


# Hugo 0.111 does not find a section by its `_index.md` file from a page of another language
# (`relref "/programme/ipec/_index.md"` in a .fr.md page: REF_NOT_FOUND, while the English pages
# find it); the section's path names the same page in every language.
HUGO_SECTION_REF_RE = re.compile(r'(relref ")(/[^"]*?)/?_index\.md"')


def hugo_section_ref(m: re.Match) -> str:
    return f'{m.group(1)}{m.group(2) or "/"}"'


def translate_body(body: str, lang: str, flavor: str) -> str:
    out, pos = [], 0
    for m in PROTECTED_RE.finditer(body):
        out.append(translate_text(body[pos:m.start()], lang))
        kept = m.group(0)
        if kept.startswith("[["):
            kept = translate_wikilink(kept, lang)
        elif flavor == "hugo":
            kept = HUGO_SECTION_REF_RE.sub(hugo_section_ref, kept)
        out.append(kept)
        pos = m.end()
    out.append(translate_text(body[pos:], lang))
    return "".join(out)


def toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def split_page(text: str, path: Path) -> tuple[list[str], str]:
    """(front-matter lines, body): body is the text after the closing `+++` line."""
    lines = text.split("\n")
    if lines[0] != "+++" or "+++" not in lines[1:]:
        sys.exit(f"{path}: no +++ front matter")
    close = lines.index("+++", 1)
    return lines[1:close], "\n".join(lines[close + 1:])


def source_hash(title: str, description: str, body: str) -> str:
    """The contract's `translates`: SHA-1 of title NUL description NUL body, 10 hex digits."""
    data = f"{title}\0{description}\0{body}".encode("utf-8")
    return hashlib.sha1(data).hexdigest()[:10]


def translation(path: Path, flavor: str, lang: str) -> str:
    fm_lines, body = split_page(path.read_text(encoding="utf-8"), path)
    fm = tomllib.loads("\n".join(fm_lines))
    title, description = fm["title"], fm.get("description", "")
    own = {"title": toml_str(translate_text(title, lang))}
    if "description" in fm:
        own["description"] = toml_str(translate_text(description, lang))
    if flavor == "weft":
        lines = [f"{k} = {v}" for k, v in own.items()]
        lines.append(f'translates = "{source_hash(title, description, body)}"')
    else:
        # Hugo inherits nothing: the source's lines, with the title and description translated.
        lines = [f"{key} = {own[key]}" if (key := line.split(" = ", 1)[0]) in own else line
                 for line in fm_lines]
    return "+++\n" + "\n".join(lines) + "\n+++\n" + translate_body(body, lang, flavor)


def fold(name: str) -> str:
    s = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in s if not unicodedata.combining(c))


def entities(content: Path) -> list[Path]:
    """The pages that are named by references: a collection folder's pages (countries, donors)
    and its sub-sections (the programmes, `programmes/ipec/_index.md`)."""
    found = []
    for collection in sorted(p for p in content.iterdir() if p.is_dir()):
        found += sorted(p for p in collection.glob("*.md")
                        if p.name != "_index.md" and not TRANSLATED_RE.search(p.name))
        found += sorted(collection.glob("*/_index.md"))
    return found


def check_entity_names(content: Path) -> None:
    """A translated entity title must not be another entity's name in any language: weft
    resolves references and wikilinks by name, so a collision would change the site's graph."""
    owner: dict[str, Path] = {}
    for src in entities(content):
        fm = tomllib.loads("\n".join(split_page(src.read_text(encoding="utf-8"), src)[0]))
        names = {fm["title"], *fm.get("also_known_as", [])}
        names |= {translate_text(fm["title"], lang) for lang in LANGS}
        for name in names:
            other = owner.setdefault(fold(name), src)
            if other != src:
                sys.exit(f"{src}: the name {name!r} is also {other}'s; extend WORDS or SUFFIXES")


def weft_config(text: str, title: str, description: str) -> str:
    head, sep, tables = text.partition("\n[")
    langs = ['\n[languages.en]', f'name = "{LANGUAGE_NAMES["en"]}"']
    for lang in LANGS:
        langs += ["", f"[languages.{lang}]", f"name = {toml_str(LANGUAGE_NAMES[lang])}",
                  f"title = {toml_str(translate_text(title, lang))}",
                  f"description = {toml_str(translate_text(description, lang))}"]
    return head.rstrip("\n") + '\nlanguage = "en"\n' + sep + tables.rstrip("\n") + "\n" + \
        "\n".join(langs) + "\n"


def hugo_config(text: str, title: str) -> str:
    langs = ["", "[languages]", "  [languages.en]", '    languageName = "English"',
             '    languageCode = "en"', "    weight = 1"]
    for i, lang in enumerate(LANGS, start=2):
        langs += [f"  [languages.{lang}]", f"    languageName = {toml_str(LANGUAGE_NAMES[lang])}",
                  f'    languageCode = "{lang}"',
                  f"    title = {toml_str(translate_text(title, lang))}", f"    weight = {i}"]
    root = ('defaultContentLanguage = "en"\n'
            "defaultContentLanguageInSubdir = false\n")
    return root + text.rstrip("\n") + "\n" + "\n".join(langs) + "\n"


def main(argv: list[str]) -> None:
    if len(argv) != 1 or argv[0].startswith("-"):
        sys.exit(__doc__)
    corpus = Path(argv[0])
    manifest = json.loads((corpus / "corpus-manifest.json").read_text(encoding="utf-8"))
    flavor = manifest["flavor"]
    if flavor not in ("weft", "hugo"):
        sys.exit(f"{corpus}: flavour {flavor!r}; only weft and hugo corpora are translated")
    if (corpus / "translations-manifest.json").exists():
        sys.exit(f"{corpus}: already translated (translations-manifest.json exists)")
    content = corpus / "content"
    check_entity_names(content)
    sources = sorted(p for p in content.rglob("*.md") if not TRANSLATED_RE.search(p.name))
    written, bytes_in, bytes_out = 0, 0, {lang: 0 for lang in LANGS}
    for src in sources:
        bytes_in += src.stat().st_size
        for lang in LANGS:
            text = translation(src, flavor, lang)
            dest = src.with_name(f"{src.name[:-3]}.{lang}.md")
            with open(dest, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
            written += 1
            bytes_out[lang] += len(text.encode("utf-8"))

    if flavor == "weft":
        site = corpus / "site.toml"
        cfg = tomllib.loads(site.read_text(encoding="utf-8"))
        site.write_text(weft_config(site.read_text(encoding="utf-8"), cfg["title"],
                                    cfg["description"]), encoding="utf-8")
    else:
        site = corpus / "hugo.toml"
        cfg = tomllib.loads(site.read_text(encoding="utf-8"))
        site.write_text(hugo_config(site.read_text(encoding="utf-8"), cfg["title"]),
                        encoding="utf-8")

    edit = manifest["edit_target"]          # gen_corpus's page rel (hugo-style folder names)
    summary = {"generator": "gen_translations.py", "languages": ["en", *LANGS],
               "sources": len(sources), "translations_written": written,
               "source_bytes": bytes_in, "translation_bytes": bytes_out,
               "edit_target_translation": {lang: edit[:-3] + f".{lang}.md" for lang in LANGS}}
    (corpus / "translations-manifest.json").write_text(
        json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
