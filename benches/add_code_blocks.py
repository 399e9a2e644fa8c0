#!/usr/bin/env python3
"""Copies a weft corpus and appends one fenced code block per page (five languages in turn,
the page's own path in the code so every block differs). With --plain the fences name no
language (same Markdown, nothing to highlight)."""
import os, shutil, sys
src, dst, plain = sys.argv[1], sys.argv[2], "--plain" in sys.argv
shutil.rmtree(dst, ignore_errors=True)
shutil.copytree(src, dst)
blocks = [
    ("rust", 'fn funding(page: &str) -> u64 {{\n    // {p}\n    let amounts = [29_500_000, 8_200_000];\n    amounts.iter().sum::<u64>() + page.len() as u64\n}}\n'),
    ("toml", '[extra]\npage = "{p}"\nweight = 10\ndonors = ["Belgium", "Norway"]  # checked\n'),
    ("json", '{{"page": "{p}", "amount_usd": 29500000, "year": 1999, "tags": ["ipec", null, true]}}\n'),
    ("bash", '# rebuild {p}\nweft build --base-url "https://example.org/" && echo "ok" | grep -c ok\n'),
    ("python", 'def total(page="{p}"):\n    """Sum the figures."""\n    return sum([29.5, 8.2]) + len(page)  # USD m\n'),
]
n = 0
for root, _, files in os.walk(os.path.join(dst, "content")):
    for f in sorted(files):
        if not f.endswith(".md"):
            continue
        path = os.path.join(root, f)
        lang, code = blocks[n % len(blocks)]
        n += 1
        with open(path, "a") as out:
            out.write("\n```" + ("" if plain else lang) + "\n" + code.format(p=path) + "```\n")
print(n, "blocks")
