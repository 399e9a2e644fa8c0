#!/usr/bin/env python3
"""Adds issue 14's features to a gen_corpus.py corpus, the same on its weft and hugo flavours.

  benches/add_features.py CORPUS     # CORPUS made by ../shared/bench/gen_corpus.py, flavour
                                     # weft or hugo, not yet translated; changed in place

What each tool is given to do, page for page the same (benches/compare.sh FEATURES=1):
  - code: every regular page (not the _index.md files) gets one fenced code block, rust, toml,
    json, bash and python in turn (in the order of the pages' paths, which both flavours share),
    3-5 lines holding the page's file name, so no two blocks are the same (the idea of
    add_code_blocks.py). weft highlights with arborium into CSS classes (always on); Hugo is
    configured to do the same with Chroma: `codeFences = true`, `noClasses = false`.
  - shortcode: every regular page calls the `note` shortcode once, with a Markdown body (emphasis,
    strong, a code span; kind inconsistency, gap and remark in turn, no title, so the title is
    the kind's UI string in the page's language). weft: the default theme's
    `{% note(kind="gap") %} ... {% end %}`; Hugo: `{{< note kind="gap" >}} ... {{< /note >}}`
    and layouts/shortcodes/note.html written here, the same HTML as the theme's (div.notice
    .source-note.source-note-KIND, p.source-note-title, the body rendered as block Markdown with
    .Page.RenderString) and the title from i18n/LANG.toml, whose strings are copied from weft's
    themes/default/i18n (en, fr, es: ready for gen_translations.py).
  - pagination: a section listing more than 100 pages is paginated by 100, first page at the
    section's URL, the others at page/N/. weft does it by default (site.toml's paginate_by, 100;
    a collection's index, /countries/ and /donors/, is listed whole): nothing to change. Hugo:
    `paginate = 100`, and its list template (.Paginate, Hugo's internal pagination links; the
    country and donor listings whole, like weft's collection indexes; listing pages after the
    first show the list only, as weft's theme does).
  - data: data/budgets.toml (one row per programme: name, year, amount_usd) read on every page
    the base template renders, which sums amount_usd and counts the rows into
    `<p class="budgets">8 budget lines, USD N</p>` after <main>. weft: templates/base.html, the
    default theme's base.html (read from this repository at generation time) with that paragraph
    added; Hugo: its baseof.html with the same paragraph.

The page text appended is the same in both flavours but for the shortcode's tags; it goes at the
end of the body, before a closing footnote definition if the page ends with one. Run before
gen_translations.py, which keeps code blocks and shortcode tags verbatim. Deterministic; writes
features-manifest.json and refuses a corpus that already has one, or one already translated.
Python 3.11 stdlib.
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
THEME = REPO / "themes" / "default"
LANGS = ("en", "fr", "es")
KINDS = ("inconsistency", "gap", "remark")
WEFT_FOLDERS = {"countries": "country", "donors": "donor", "programmes": "programme"}

CODE = [
    ("rust", 'fn funding(page: &str) -> u64 {{\n    // {p}\n    let amounts = [29_500_000, '
             '8_200_000];\n    amounts.iter().sum::<u64>() + page.len() as u64\n}}\n'),
    ("toml", '[extra]\npage = "{p}"\nweight = 10\ndonors = ["Belgium", "Norway"]  # checked\n'),
    ("json", '{{"page": "{p}", "amount_usd": 29500000, "year": 1999,\n "tags": ["ipec", null, '
             'true],\n "ok": false}}\n'),
    ("bash", '# rebuild {p}\nweft build --base-url "https://example.org/" && echo "ok" | '
             'grep -c ok\nexit 0\n'),
    ("python", 'def total(page="{p}"):\n    """Sum the figures."""\n    return sum([29.5, 8.2])'
               ' + len(page)  # USD m\n'),
]

NOTE_BODY = ("*Figures for {p}* are in US dollars of the year; the paper rounds them to the\n"
             "nearest **thousand** and gives no source for `{lang}` entries.")

BUDGETS = [("IPEC", 1999, 29_500_000), ("WOMEMP", 1998, 3_100_000), ("STEP", 1999, 8_200_000),
           ("ISEP", 1997, 4_750_000), ("SIMPOC", 1999, 6_400_000),
           ("Social Dialogue", 1998, 5_300_000), ("EIIP", 1999, 12_900_000),
           ("Skills", 1998, 7_650_000)]

# The paragraph the base template adds to every page, reading data/budgets.toml.
WEFT_DATA = """\
{%- set budget = namespace(total=0) %}
{%- for row in data.budgets.rows %}{% set budget.total = budget.total + row.amount_usd %}{% endfor %}
<p class="budgets">{{ data.budgets.rows|length }} budget lines, USD {{ budget.total }}</p>
"""
HUGO_DATA = """\
{{- $total := 0 }}
{{- range site.Data.budgets.rows }}{{ $total = add $total .amount_usd }}{{ end }}
<p class="budgets">{{ len site.Data.budgets.rows }} budget lines, USD {{ $total }}</p>
"""
MAIN_END = "</main>\n"   # the paragraph goes right after it, in both base templates

HUGO_NOTE = """\
{{- $kind := .Get "kind" -}}
<div class="notice source-note source-note-{{ $kind }}" role="note">
<p class="source-note-title">{{ with .Get "title" }}{{ . }}{{ else }}{{ if in (slice "inconsistency" "gap" "remark") $kind }}{{ i18n (printf "note_%s" $kind) }}{{ else }}{{ i18n "note_remark" }}{{ end }}{{ end }}</p>
{{ .Page.RenderString (dict "display" "block") .Inner }}</div>
{{- /* the same HTML as weft's themes/default/templates/shortcodes/note.html */ -}}
"""

HUGO_LIST = """\
{{ define "title" }}{{ .Title }} | {{ .Site.Title }}{{ end }}
{{ define "main" }}
{{- /* Like weft's default theme: a section listing more than `paginate` (100) pages is
       paginated, but for the collection indexes (country, donor), listed whole; listing
       pages after the first show the list only. */ -}}
{{ $list := .RegularPages.ByDate.Reverse }}
{{ $whole := in (slice "country" "donor") .Section }}
{{ $first := true }}
{{ if not $whole }}{{ $pager := .Paginate $list }}{{ $list = $pager.Pages }}{{ $first = eq $pager.PageNumber 1 }}{{ end }}
<h1>{{ .Title }}</h1>
<p class="lead">{{ .Description }}</p>
{{ if $first }}{{ .Content }}{{ end }}
{{ with .Sections }}{{ if $first }}
<ul class="sections">
{{ range . }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a>: {{ .Description }}</li>
{{ end }}
</ul>
{{ end }}{{ end }}
<ul class="pages">
{{ range $list }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2006-01-02" }}</time> {{ .Description }}</li>
{{ end }}
</ul>
{{ if not $whole }}{{ template "_internal/pagination.html" . }}{{ end }}
{{ end }}
"""


def regular_pages(content: Path, flavor: str) -> list[Path]:
    """Every page but the _index.md files, in the order of their hugo-style content paths (the
    same order in both flavours: weft names the collection folders countries/, donors/...)."""
    def key(p: Path) -> str:
        head, *rest = p.relative_to(content).parts
        if flavor == "weft":
            head = WEFT_FOLDERS.get(head, head)
        return "/".join([head, *rest])
    return sorted((p for p in content.rglob("*.md") if p.name != "_index.md"), key=key)


def feature_text(n: int, name: str, flavor: str) -> str:
    lang, code = CODE[n % len(CODE)]
    kind = KINDS[n % len(KINDS)]
    body = NOTE_BODY.format(p=name, lang=lang)
    if flavor == "weft":
        note = f'{{% note(kind="{kind}") %}}\n{body}\n{{% end %}}'
    else:
        note = f'{{{{< note kind="{kind}" >}}}}\n{body}\n{{{{< /note >}}}}'
    return f"{note}\n\n```{lang}\n{code.format(p=name)}```\n"


FOOTNOTE_DEF_RE = re.compile(r"\n\n(\[\^\d+\]: [^\n]*\n)\Z")


def add_to_page(path: Path, text: str) -> None:
    page = path.read_text(encoding="utf-8")
    if not page.endswith("\n"):
        page += "\n"
    m = FOOTNOTE_DEF_RE.search(page)     # keep a closing footnote definition last
    if m:
        page = page[: m.start()] + "\n\n" + text + "\n" + m.group(1)
    else:
        page += "\n" + text
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(page)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def insert_after(text: str, anchor: str, addition: str, where: str) -> str:
    if text.count(anchor) != 1:
        sys.exit(f"{where}: expected one {anchor!r}; update benches/add_features.py")
    return text.replace(anchor, anchor + addition)


def budgets_toml() -> str:
    rows = [f'[[rows]]\nprogramme = "{p}"\nyear = {y}\namount_usd = {a}\n' for p, y, a in BUDGETS]
    return "# Programme budgets (benchmark data, benches/add_features.py)\n\n" + "\n".join(rows)


def note_strings() -> dict[str, dict[str, str]]:
    """weft's UI strings for the note titles, per language (themes/default/i18n/LANG.toml)."""
    return {lang: tomllib.loads((THEME / "i18n" / f"{lang}.toml").read_text("utf-8"))["note"]
            for lang in LANGS}


def weft_site(corpus: Path) -> None:
    base = (THEME / "templates" / "base.html").read_text(encoding="utf-8")
    base = insert_after(base, MAIN_END, WEFT_DATA, "themes/default/templates/base.html")
    write(corpus / "templates" / "base.html",
          "{#- The default theme's base.html with one paragraph from data/budgets.toml added "
          "(benches/add_features.py). -#}\n" + base)


def hugo_site(corpus: Path) -> None:
    strings = note_strings()
    for lang in LANGS:
        write(corpus / "i18n" / f"{lang}.toml",
              "".join(f'note_{k} = {json.dumps(strings[lang][k], ensure_ascii=False)}\n'
                      for k in KINDS))
    write(corpus / "layouts" / "shortcodes" / "note.html", HUGO_NOTE)
    write(corpus / "layouts" / "_default" / "list.html", HUGO_LIST)
    baseof = corpus / "layouts" / "_default" / "baseof.html"
    text = baseof.read_text(encoding="utf-8")
    write(baseof, insert_after(text, MAIN_END, HUGO_DATA, str(baseof)))
    config = corpus / "hugo.toml"
    text = config.read_text(encoding="utf-8")
    if text.count("    codeFences = false\n") != 1:
        sys.exit(f"{config}: no `codeFences = false` line to turn on; update add_features.py")
    text = text.replace("    codeFences = false\n", "    codeFences = true\n    noClasses = false\n")
    write(config, "paginate = 100\n" + text)


def main(argv: list[str]) -> None:
    if len(argv) != 1 or argv[0].startswith("-"):
        sys.exit(__doc__)
    corpus = Path(argv[0])
    flavor = json.loads((corpus / "corpus-manifest.json").read_text(encoding="utf-8"))["flavor"]
    if flavor not in ("weft", "hugo"):
        sys.exit(f"{corpus}: flavour {flavor!r}; only weft and hugo corpora get the features")
    for done in ("features-manifest.json", "translations-manifest.json"):
        if (corpus / done).exists():
            sys.exit(f"{corpus}: {done} exists; add the features to a fresh gen_corpus.py corpus")
    pages = regular_pages(corpus / "content", flavor)
    languages = {lang: 0 for lang, _ in CODE}
    for n, path in enumerate(pages):
        add_to_page(path, feature_text(n, path.stem, flavor))
        languages[CODE[n % len(CODE)][0]] += 1
    write(corpus / "data" / "budgets.toml", budgets_toml())
    (weft_site if flavor == "weft" else hugo_site)(corpus)
    summary = {"generator": "add_features.py", "flavor": flavor, "pages": len(pages),
               "code_blocks": languages, "shortcode_calls": len(pages),
               "budget_rows": len(BUDGETS), "budget_total": sum(a for _, _, a in BUDGETS),
               "paginate_by": 100}
    write(corpus / "features-manifest.json", json.dumps(summary, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
