#!/usr/bin/env python3
"""Checks that weft and Hugo both did the features' work on a FEATURES=1 corpus (issue 14).

  benches/check_features.py WEFT_CORPUS HUGO_CORPUS WEFT_OUTPUT HUGO_OUTPUT

The corpora are benches/add_features.py's (translated or not); the outputs, each tool's build of
its flavour. For each output, independently of the generators:
  - every regular page of every language carries the rendered note (div.source-note-KIND, its
    title, the body's Markdown as <em>/<strong>/<code>) and a highlighted code block (weft:
    <pre class="code" data-lang=L> with hl-* token spans; Hugo: Chroma's <pre class="chroma">
    with its token classes): the count of pages with both equals the corpus's regular pages x
    languages, in each output;
  - the listing pages page/2/ ... of every programme section exist, in every language, and no
    others (a section of N pages has ceil(N / 100) listing pages; weft's folders are
    programmes/, Hugo's programme/);
  - the pages carrying the data paragraph (`8 budget lines, USD 77800000`, summed from
    data/budgets.toml): at least the regular pages, in each output.
Prints one line per output and exits 1 on any difference.
"""

import json
import math
import os
import re
import sys
from pathlib import Path

NOTE_RE = re.compile(r'<div class="notice source-note source-note-(inconsistency|gap|remark)" '
                     r'role="note">\s*<p class="source-note-title">[^<]+</p>\s*'
                     r"<p><em>[^<]+</em>.*?<strong>[^<]+</strong>.*?<code>", re.S)
CODE_RE = {
    "weft": re.compile(r'<pre class="code"[^>]* data-lang="(rust|toml|json|bash|python)">'
                       r'<code class="language-\1">.*?<span class="hl-[a-z-]+">', re.S),
    "hugo": re.compile(r'<pre[^>]* class="chroma"><code class="language-'
                       r'(rust|toml|json|bash|python)" data-lang="\1">.*?'
                       r'<span class="(?!line"|cl")[a-z0-9]+">', re.S),
}
LISTING_RE = re.compile(r"^((?:[a-z]{2}/)?)programmes?/([^/]+)/page/(\d+)/index\.html$")


def expected(corpus: Path) -> tuple[int, set[str]]:
    """(regular pages x languages, the listing pages after the first, hugo-style paths)."""
    manifest = json.loads((corpus / "corpus-manifest.json").read_text(encoding="utf-8"))
    langs = [""]
    tr = corpus / "translations-manifest.json"
    if tr.exists():
        langs += [f"{lang}/" for lang in json.loads(tr.read_text("utf-8"))["languages"][1:]]
    listings = {f"{prefix}programme/{prog}/page/{k}/index.html"
                for prefix in langs
                for prog, n in manifest["programme_pages_per_programme"].items()
                for k in range(2, math.ceil(n / 100) + 1)}
    return manifest["regular_pages"] * len(langs), listings


def scan(out: Path, tool: str) -> dict:
    found = {"html": 0, "note_and_code": 0, "data": 0, "listings": set()}
    data = '<p class="budgets">8 budget lines, USD 77800000</p>'
    for root, _, files in os.walk(out):
        for name in files:
            if not name.endswith(".html"):
                continue
            path = Path(root, name)
            rel = path.relative_to(out).as_posix()
            m = LISTING_RE.match(rel)
            text = path.read_text(encoding="utf-8", errors="replace")
            if m and int(m.group(3)) >= 2 and "<ul" in text:   # page/1/ is a redirect
                found["listings"].add(f"{m.group(1)}programme/{m.group(2)}/page/{m.group(3)}/"
                                      "index.html")
            found["html"] += 1
            found["data"] += data in text
            found["note_and_code"] += bool(NOTE_RE.search(text) and CODE_RE[tool].search(text))
    return found


def main(argv: list[str]) -> None:
    if len(argv) != 4:
        sys.exit(__doc__)
    wc, hc, wo, ho = map(Path, argv)
    pages, listings = expected(hc)
    if expected(wc) != (pages, listings):
        sys.exit("check_features.py: the two corpora differ in pages or sections")
    problems = 0
    for tool, out in (("weft", wo), ("hugo", ho)):
        f = scan(out, tool)
        ok = f["note_and_code"] == pages and f["listings"] == listings and f["data"] >= pages
        problems += not ok
        missing, extra = sorted(listings - f["listings"]), sorted(f["listings"] - listings)
        print(f"{tool}: {f['html']} HTML files; {f['note_and_code']} of {pages} regular pages "
              f"with the note and highlighted code; {len(f['listings'])} of {len(listings)} "
              f"listing pages page/2+ (missing {missing[:3]}, extra {extra[:3]}); "
              f"{f['data']} with the data paragraph{'' if ok else ' -- NOT OK'}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main(sys.argv[1:])
