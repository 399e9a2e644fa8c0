#!/usr/bin/env python3
"""Checks a corpus translated by gen_translations.py, independently of it (issue 13).

  benches/check_translations.py CORPUS [CORPUS...]

For every English page: a French and a Spanish translation exist, and none without a source;
weft: a translation sets only title, description and `translates`, and `translates` is the
contract's hash of the source (/work/wt/I18N-CONTRACT.md: first 10 hex digits of SHA-1 over
title NUL description NUL body, body = the text after the closing `+++` line), recomputed here
from the files with its own parsing; hugo: the translation repeats every other front-matter line
of its source. Both: the same link targets, the same figures, the same code blocks and shortcode
tags (verbatim), the same Markdown block structure and a length within 20 % of the source's; the
configuration declares en (default), fr and es.
Prints one line per problem and a summary; exits 1 if there is any problem.
"""

import collections
import hashlib
import re
import sys
import tomllib
from pathlib import Path

LANGS = ("fr", "es")


def front_matter_and_body(text):
    assert text.startswith("+++\n"), "no front matter"
    fm, sep, body = text[4:].partition("\n+++\n")
    assert sep, "no closing +++ line"
    return fm, body


def contract_hash(src_text):
    fm, body = front_matter_and_body(src_text)
    meta = tomllib.loads(fm)
    joined = meta["title"] + "\x00" + meta.get("description", "") + "\x00" + body
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()[:10]


def link_targets(body):
    """@/ targets (weft), relref targets (hugo, a section as its folder), wikilink targets."""
    targets = re.findall(r"\]\((@/[^)]*)\)", body)
    targets += [re.sub(r"/?_index\.md$", "", t) or "/"
                for t in re.findall(r'relref "([^"]*)"', body)]
    targets += [t.split("|")[0] for t in re.findall(r"\[\[([^\]]*)\]\]", body)]
    return collections.Counter(targets)


def figures(body):
    body = re.sub(r"\]\([^)]*\)", "]", body)   # paths hold serial numbers, not figures
    return collections.Counter(re.findall(r"\d+", body))


def verbatim(body):
    """What a translation keeps as written: fenced code blocks and shortcode tags."""
    blocks = re.findall(r"^```.*?^```", body, flags=re.M | re.S)
    tags = re.findall(r"\{%.*?%\}|\{\{<.*?>\}\}|\{\{%.*?%\}\}", body)
    return collections.Counter(blocks + [t for t in tags if "relref" not in t])


def structure(body):
    """Each line's Markdown marker: heading level, list item, table row, footnote, text."""
    kinds = []
    for line in body.split("\n"):
        m = re.match(r"(#+ |- |\d+\. |\||\[\^\d+\]:)", line)
        kinds.append(m.group(1).strip() if m else ("text" if line else ""))
    return kinds


def check_config(corpus, flavor, bad):
    if flavor == "weft":
        cfg = tomllib.loads((corpus / "site.toml").read_text(encoding="utf-8"))
        if cfg.get("language") != "en":
            bad("site.toml", f"language = {cfg.get('language')!r}, expected 'en'")
        for lang in LANGS:
            decl = cfg.get("languages", {}).get(lang, {})
            if not {"name", "title", "description"} <= decl.keys():
                bad("site.toml", f"[languages.{lang}] lacks name, title or description: {decl}")
    else:
        cfg = tomllib.loads((corpus / "hugo.toml").read_text(encoding="utf-8"))
        if cfg.get("defaultContentLanguage") != "en" or cfg.get("defaultContentLanguageInSubdir"):
            bad("hugo.toml", "English is not the default language at the root")
        if set(cfg.get("languages", {})) != {"en", *LANGS}:
            bad("hugo.toml", f"languages {sorted(cfg.get('languages', {}))}")


def check(corpus):
    corpus = Path(corpus)
    flavor = "weft" if (corpus / "site.toml").exists() else "hugo"
    problems = []

    def bad(where, msg):
        problems.append(f"{corpus}/{where}: {msg}")

    check_config(corpus, flavor, bad)
    content = corpus / "content"
    files = {p.relative_to(content).as_posix() for p in content.rglob("*.md")}
    sources = {f for f in files if not re.search(r"\.[a-z]{2}\.md$", f)}
    for f in sorted(files - sources):
        if f[:-6] + ".md" not in sources or f[-5:-3] not in LANGS:
            bad(f, "a translation with no source, or of an undeclared language")
    ratios, same_titles = [], 0
    for rel in sorted(sources):
        src = (content / rel).read_text(encoding="utf-8")
        src_fm, src_body = front_matter_and_body(src)
        for lang in LANGS:
            trel = rel[:-3] + f".{lang}.md"
            if trel not in files:
                bad(trel, "missing")
                continue
            text = (content / trel).read_text(encoding="utf-8")
            fm_text, body = front_matter_and_body(text)
            fm = tomllib.loads(fm_text)
            src_meta = tomllib.loads(src_fm)
            if flavor == "weft":
                allowed = {"title", "description", "translates"}
                if set(fm) - allowed:
                    bad(trel, f"sets {sorted(set(fm) - allowed)}")
                if fm.get("translates") != contract_hash(src):
                    bad(trel, f"translates = {fm.get('translates')!r}, "
                              f"source hash {contract_hash(src)}")
            else:
                same = {k: v for k, v in src_meta.items() if k not in ("title", "description")}
                if {k: v for k, v in fm.items() if k not in ("title", "description")} != same:
                    bad(trel, "does not repeat its source's front matter")
            if fm["title"] == src_meta["title"]:
                same_titles += 1        # names: Kenya, Costa Rica, UNICEF, Programmes
                if len(fm["title"].split()) >= 3:
                    bad(trel, f"title not translated: {fm['title']!r}")
            if ("description" in fm) != ("description" in src_meta):
                bad(trel, "description missing or extra")
            if link_targets(body) != link_targets(src_body):
                bad(trel, "link targets differ from the source's")
            if figures(body) != figures(src_body):
                bad(trel, "figures differ from the source's")
            if verbatim(body) != verbatim(src_body):
                bad(trel, "code blocks or shortcode tags differ from the source's")
            if structure(body) != structure(src_body):
                bad(trel, "Markdown structure differs from the source's")
            ratio = len(text.encode()) / len(src.encode())
            ratios.append(ratio)
            if not 0.8 <= ratio <= 1.2:
                bad(trel, f"length {ratio:.2f} x the source's")
    for p in problems[:50]:
        print(p)
    n_tr = len(files) - len(sources)
    print(f"{corpus} ({flavor}): {len(sources)} sources, {n_tr} translations, length ratio "
          f"{min(ratios):.2f}-{max(ratios):.2f} (mean {sum(ratios) / len(ratios):.3f}), "
          f"{same_titles} titles the same as the source's, {len(problems)} problems")
    return not problems


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    ok = all([check(c) for c in sys.argv[1:]])
    sys.exit(0 if ok else 1)
