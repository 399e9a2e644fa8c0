//! `weft serve` rebuilds incrementally and its result is exactly a fresh `weft build`: random
//! sequences of edits, creations, renames, deletions and broken-then-fixed files are applied to
//! a copy of the `serve-site` fixture, and after every step the session's outputs (or errors)
//! are compared with a full build of the same files. Data files are edited too: a value a
//! template or a shortcode reads changed, a file added or removed, broken and fixed.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use weft::load::AssetSource;
use weft::session::Session;
use weft::watch::ChangeSet;
use weft::Options;

use crate::support::TestSite;

fn options() -> Options {
    Options {
        drafts: false,
        base_url: Some("http://127.0.0.1:4000/".to_string()),
        serve: true,
    }
}

/// Every output of a full build (assets included), or its rendered errors.
fn full_build(root: &Path) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let build = weft::build(root, &options()).map_err(|e| e.render(false))?;
    let mut files = BTreeMap::new();
    for (dest, asset) in build.assets {
        files.insert(dest, asset_bytes(&asset.source));
    }
    for o in build.outputs {
        files.insert(o.path, o.bytes);
    }
    Ok(files)
}

fn asset_bytes(source: &AssetSource) -> Vec<u8> {
    match source {
        AssetSource::Disk(p) => fs::read(p).unwrap(),
        AssetSource::Embedded(b) => b.to_vec(),
    }
}

/// What the session serves, once its site-wide files are made.
fn served(session: &mut Session) -> BTreeMap<String, Vec<u8>> {
    session.complete();
    let snapshot = session.snapshot();
    assert!(snapshot.stale.is_empty(), "stale after complete()");
    let mut files = BTreeMap::new();
    for (dest, asset) in &snapshot.assets {
        files.insert(dest.clone(), asset_bytes(&asset.source));
    }
    for (path, bytes) in &snapshot.outputs {
        files.insert(path.clone(), bytes.to_vec());
    }
    files
}

/// A small deterministic random generator (xorshift), so failures replay by seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Markdown files under `content/`, as paths under it.
fn pages(site: &TestSite) -> Vec<String> {
    let dir = site.path("content");
    let mut out = Vec::new();
    for entry in walkdir(&dir) {
        let rel = entry
            .strip_prefix(&dir)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if rel.ends_with(".md") {
            out.push(rel);
        }
    }
    out.sort();
    out
}

fn walkdir(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walkdir(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Inserts a top-level front-matter line right after the opening `+++`.
fn insert_key(text: &str, line: &str) -> String {
    text.replacen("+++\n", &format!("+++\n{line}\n"), 1)
}

/// The random walk: one step changes some files and returns their paths under `content/`.
struct Walk {
    rng: Rng,
    created: Vec<String>,
    broken: BTreeMap<String, String>,
    step: usize,
    /// The site has French and Spanish translations ([`use_languages`]): steps also edit them.
    languages: bool,
}

impl Walk {
    fn step(&mut self, site: &TestSite) -> (String, BTreeSet<String>) {
        self.step += 1;
        let n = self.step;
        // Broken states are kept short, so most steps start from a good build.
        if self.rng.below(2) == 0 {
            if let Some((f, t)) = self.broken.pop_first() {
                site.write(&format!("content/{f}"), t);
                return ("fix a broken file".to_string(), BTreeSet::from([f]));
            }
            let f = "content/programmes/ipec/funding.md";
            let t = fs::read_to_string(site.path(f)).unwrap();
            if t.contains("## Particulars") {
                site.write(f, t.replace("## Particulars", "## Details"));
                let touched = BTreeSet::from(["programmes/ipec/funding.md".to_string()]);
                return ("restore a heading".to_string(), touched);
            }
        }
        let all = pages(site);
        let page = self.rng.pick(&all).clone();
        let file = format!("content/{page}");
        let text = fs::read_to_string(site.path(&file)).unwrap_or_default();
        let mut touched = BTreeSet::from([page.clone()]);
        let op = self.rng.below(if self.languages { 21 } else { 17 });
        if op >= 17 || (op == 9 && is_translation(&page)) {
            return self.translation_step(site);
        }
        let what = match op {
            0 | 1 => {
                site.write(&file, format!("{text}\nA new paragraph {n}.\n"));
                "append a paragraph"
            }
            2 => {
                // The first paragraph is the page's summary.
                let body_start = text.match_indices("+++\n").nth(1).map_or(0, |(i, _)| i + 4);
                let mut t = text.clone();
                t.insert_str(body_start, &format!("Edited {n}. "));
                site.write(&file, t);
                "edit the summary paragraph"
            }
            3 => {
                let target = self
                    .rng
                    .pick(&["Kenya", "Norway", "IPEC", "Republic of Uganda"]);
                site.write(&file, format!("{text}\nSee [[{target}]].\n"));
                "add a wikilink"
            }
            4 => {
                let link = self.rng.pick(&[
                    "@/countries/kenya.md#history",
                    "@/programmes/ipec/funding.md#details",
                    "@/news/b.md",
                ]);
                site.write(&file, format!("{text}\n[a link]({link})\n"));
                "add an @/ link"
            }
            5 => {
                // Breaks the #details anchor other pages link to; toggled back later.
                let f = "content/programmes/ipec/funding.md";
                let t = fs::read_to_string(site.path(f)).unwrap();
                let t = if t.contains("## Details") {
                    t.replace("## Details", "## Particulars")
                } else {
                    t.replace("## Particulars", "## Details")
                };
                site.write(f, t);
                touched = BTreeSet::from(["programmes/ipec/funding.md".to_string()]);
                "toggle a heading others link to"
            }
            6 => {
                let line = format!("description = \"Described at step {n}.\"");
                let t = match text.lines().find(|l| l.starts_with("description = ")) {
                    Some(old) => text.replacen(old, &line, 1),
                    None => insert_key(&text, &line),
                };
                site.write(&file, t);
                "set the description"
            }
            7 => {
                let line = format!("updated = 2001-01-{:02}", n % 28 + 1);
                let t = match text.lines().find(|l| l.starts_with("updated = ")) {
                    Some(old) => text.replacen(old, &line, 1),
                    None => insert_key(&text, &line),
                };
                site.write(&file, t);
                "set updated"
            }
            8 => {
                if text.contains("[extra]") {
                    site.write(
                        &file,
                        text.replacen("[extra]\n", &format!("[extra]\nn{n} = {n}\n"), 1),
                    );
                } else {
                    site.write(
                        &file,
                        text.replacen("+++\n", &format!("+++\nextra = {{ note = {n} }}\n"), 1),
                    );
                }
                "change extra"
            }
            9 => {
                let added = "donors = [\"Norway\"] # added";
                if text.contains(added) {
                    site.write(&file, text.replace(&format!("{added}\n"), ""));
                } else if !text.contains("donors = ") {
                    site.write(&file, insert_key(&text, added));
                }
                "add or remove a reference"
            }
            10 => {
                // Titles are part of the site's shape (listings sort by them).
                if !page.starts_with("countries/")
                    && !page.starts_with("donors/")
                    && page != "programmes/ipec/_index.md"
                {
                    if let Some(old) = text.lines().find(|l| l.starts_with("title = ")) {
                        let new = format!("title = \"Title {n}\"");
                        site.write(&file, text.replacen(old, &new, 1));
                    }
                }
                "change a title"
            }
            11 => {
                let line = format!("weight = {}", self.rng.below(5));
                let t = match text.lines().find(|l| l.starts_with("weight = ")) {
                    Some(old) => text.replacen(old, &line, 1),
                    None => insert_key(&text, &line),
                };
                site.write(&file, t);
                "change a weight"
            }
            12 => {
                let dir = self.rng.pick(&["news", "programmes/ipec", "countries", ""]);
                let rel = if dir.is_empty() {
                    format!("new{n}.md")
                } else {
                    format!("{dir}/new{n}.md")
                };
                let refs = self.rng.pick(&[
                    "",
                    "countries = [\"Kenya\"]\n",
                    "donors = [{ ref = \"Norway\", year = 1999 }]\n",
                ]);
                site.write(&format!("content/{rel}"), format!("+++\ntitle = \"New {n}\"\ndate = 1999-07-{:02}\n{refs}+++\nNew page {n}, about [[Benin]].\n", n % 28 + 1));
                self.created.push(rel.clone());
                touched = BTreeSet::from([rel]);
                "create a page"
            }
            13 if !self.created.is_empty() => {
                let i = self.rng.below(self.created.len());
                let rel = self.created.remove(i);
                site.remove(&format!("content/{rel}"));
                touched = BTreeSet::from([rel.clone()]);
                touched.extend(remove_translation(site, &rel));
                "delete a page"
            }
            14 if !self.created.is_empty() => {
                let i = self.rng.below(self.created.len());
                let old = self.created.remove(i);
                let new = format!("news/renamed{n}.md");
                fs::rename(
                    site.path(&format!("content/{old}")),
                    site.path(&format!("content/{new}")),
                )
                .unwrap();
                self.created.push(new.clone());
                touched = BTreeSet::from([old.clone(), new]);
                touched.extend(remove_translation(site, &old));
                "rename a page"
            }
            15 => {
                if let Some((f, t)) = self.broken.pop_first() {
                    site.write(&format!("content/{f}"), t);
                    touched = BTreeSet::from([f]);
                    "fix a broken file"
                } else {
                    self.broken.insert(page.clone(), text.clone());
                    site.write(&file, text.replacen("title = ", "title = \"unclosed\n", 1));
                    "break the front matter"
                }
            }
            _ => {
                if let Some(rel) = self.created.last() {
                    let f = format!("content/{rel}");
                    let t = fs::read_to_string(site.path(&f)).unwrap();
                    let t = if t.contains("draft = true\n") {
                        t.replace("draft = true\n", "")
                    } else {
                        insert_key(&t, "draft = true")
                    };
                    site.write(&f, t);
                    touched = BTreeSet::from([rel.clone()]);
                    "toggle draft"
                } else {
                    site.write(&file, format!("{text}\n- item {n}\n"));
                    "append a list item"
                }
            }
        };
        (
            format!(
                "{what} ({})",
                touched.iter().cloned().collect::<Vec<_>>().join(", ")
            ),
            touched,
        )
    }
}

impl Walk {
    /// A step only a site in several languages has: a translation marked current or stale,
    /// one naming a page by its Spanish name, a translation created or deleted.
    fn translation_step(&mut self, site: &TestSite) -> (String, BTreeSet<String>) {
        let n = self.step;
        let translations: Vec<String> = pages(site)
            .into_iter()
            .filter(|p| is_translation(p))
            .collect();
        let page = self.rng.pick(&translations).clone();
        let file = format!("content/{page}");
        let text = fs::read_to_string(site.path(&file)).unwrap();
        let mut touched = BTreeSet::from([page.clone()]);
        let what = match self.rng.below(4) {
            0 => {
                let source = page.replace(".fr.md", ".md").replace(".es.md", ".md");
                site.write(&file, with_translates(&text, &version(site, &source)));
                "mark a translation current"
            }
            1 => {
                site.write(&file, with_translates(&text, "0000000000"));
                "mark a translation stale"
            }
            2 if page.ends_with(".es.md") => {
                site.write(&file, format!("{text}\nVéase [[Kenia]] {n}.\n"));
                "name Kenya in Spanish"
            }
            _ => match self.created.iter().find(|p| !p.contains("renamed")) {
                Some(created) => {
                    let rel = created.replace(".md", ".fr.md");
                    let path = format!("content/{rel}");
                    if site.path(&path).exists() {
                        site.remove(&path);
                    } else {
                        let body = format!("Nouvelle page {n}, sur [[Benin]].\n");
                        site.write(&path, format!("+++\ntitle = \"Nouveau {n}\"\n+++\n{body}"));
                    }
                    touched = BTreeSet::from([rel]);
                    "create or delete a translation"
                }
                None => {
                    site.write(&file, format!("{text}\nUn paragraphe {n}.\n"));
                    "append a paragraph to a translation"
                }
            },
        };
        (
            format!(
                "{what} ({})",
                touched.iter().cloned().collect::<Vec<_>>().join(", ")
            ),
            touched,
        )
    }
}

/// Removes the French translation of `rel` if there is one (it would have no source).
fn remove_translation(site: &TestSite, rel: &str) -> Option<String> {
    let translation = rel.replace(".md", ".fr.md");
    let path = format!("content/{translation}");
    site.path(&path).exists().then(|| {
        site.remove(&path);
        translation
    })
}

fn is_translation(page: &str) -> bool {
    page.ends_with(".fr.md") || page.ends_with(".es.md")
}

/// The version of a source page its translations record (`translates`), as weft computes it.
fn version(site: &TestSite, source: &str) -> String {
    let text = fs::read_to_string(site.path(&format!("content/{source}"))).unwrap_or_default();
    let collections = ["countries", "donors", "programmes"]
        .map(String::from)
        .into();
    match weft::frontmatter::parse(source, &text, &collections) {
        Ok(p) => weft::languages::version_of(&p.front_matter, &text[p.body_offset..]),
        // A broken source: any version will do.
        Err(_) => "0000000000".to_string(),
    }
}

/// `text` with its `translates` line set to `version`.
fn with_translates(text: &str, version: &str) -> String {
    let line = format!("translates = \"{version}\"");
    match text.lines().find(|l| l.starts_with("translates = ")) {
        Some(old) => text.replacen(old, &line, 1),
        None => insert_key(text, &line),
    }
}

/// Declares French and Spanish and translates some pages: up to date (`translates` the
/// source's version), stale, or never marked; an entity (Kenya) in both, a section, the home
/// page, plain pages. The rest fall back to the English text.
fn use_languages(site: &TestSite) {
    let config = fs::read_to_string(site.path("site.toml")).unwrap();
    site.write(
        "site.toml",
        format!("{config}\n[languages.fr]\nname = \"Français\"\ntitle = \"Le site\"\n[languages.es]\nname = \"Español\"\n"),
    );
    let current = "CURRENT";
    let translations = [
        ("_index.fr.md", "title = \"Accueil\"\ntranslates = \"CURRENT\"\n", "Bienvenue. Voir [[IPEC]] et [l'histoire du Kenya](@/countries/kenya.md#history).\n"),
        ("countries/kenya.fr.md", "title = \"Kenya\"\ndescription = \"Un pays d'Afrique de l'Est.\"\ntranslates = \"CURRENT\"\n", "Le Kenya a rejoint l'IPEC tôt.\n\n## History\n\nUn MOU en 1992.\n\n## Today\n\nAvec [[Uganda]].\n"),
        ("countries/kenya.es.md", "title = \"Kenia\"\ntranslates = \"0000000000\"\n", "Kenia se unió pronto al IPEC.\n\n## History\n\nUn MOU en 1992.\n"),
        ("news/a.fr.md", "title = \"Première nouvelle\"\ntranslates = \"CURRENT\"\n", "Le premier article. Il renvoie à [[IPEC]].\n"),
        ("news/b.es.md", "title = \"Segunda noticia\"\n", "La segunda noticia.\n"),
        ("programmes/ipec/_index.es.md", "title = \"IPEC\"\ndescription = \"Programa Internacional.\"\ntranslates = \"CURRENT\"\n", "El IPEC trabaja en [[Kenia]] y [[Benin]].\n\n<!-- more -->\n\n## Funding\n\nVéase [la financiación](@/programmes/ipec/funding.md).\n"),
        ("about.es.md", "title = \"Acerca de\"\n", "Sobre este sitio. Menciona [[Benin]].\n"),
        ("donors/usa.fr.md", "title = \"États-Unis\"\ntranslates = \"CURRENT\"\n", "Le plus grand donateur.\n"),
    ];
    for (rel, front, body) in translations {
        let source = rel.replace(".fr.md", ".md").replace(".es.md", ".md");
        let front = front.replace(current, &version(site, &source));
        site.write(
            &format!("content/{rel}"),
            format!("+++\n{front}+++\n{body}"),
        );
    }
}

/// The contributions of the `serve-site` fixture, as `data/contributions.csv` (read by the
/// default theme's programme, donor and donors pages): `amount` for the United States.
fn contributions(amount: usize) -> String {
    format!(
        "source,donor,amount_usd\nprogrammes/ipec/funding.md,donors/usa.md,{amount}\n\
         programmes/step/_index.md,donors/norway.md,8200000\n"
    )
}

/// A shortcode that reads `data.contributions`, called at the end of `news/a.md` (in its
/// summary: the news listing shows it too).
fn use_data_shortcode(site: &TestSite) {
    site.write(
        "templates/shortcodes/given.html",
        "{{ label }}: {{ data.contributions|length if \"contributions\" in data else \"none\" }}\n",
    );
    let a = fs::read_to_string(site.path("content/news/a.md")).unwrap();
    site.write(
        "content/news/a.md",
        format!("{a}\n{{{{ given(label=\"Contributions\") }}}}\n"),
    );
}

/// One random change under `data/`; returns what it did. A broken file is fixed by the next
/// data step.
fn data_step(rng: &mut Rng, site: &TestSite, broken: &mut bool) -> String {
    let csv = "data/contributions.csv";
    if std::mem::take(broken) {
        site.write(csv, contributions(1000));
        return "fix the contributions".to_string();
    }
    match rng.below(5) {
        0 if site.path(csv).exists() => {
            site.remove(csv);
            "remove the contributions".to_string()
        }
        1 => {
            let extra = "data/unread.toml";
            if site.path(extra).exists() {
                site.remove(extra);
                "remove a file nothing reads".to_string()
            } else {
                site.write(extra, "note = \"unread\"\n");
                "add a file nothing reads".to_string()
            }
        }
        2 if site.path(csv).exists() => {
            let text = fs::read_to_string(site.path(csv)).unwrap();
            site.write(csv, format!("{text}a,b,c,d\n"));
            *broken = true;
            "break the contributions".to_string()
        }
        _ => {
            let amount = 1000 * (1 + rng.below(50));
            site.write(csv, contributions(amount));
            format!("contributions of {amount}")
        }
    }
}

/// Runs `steps` random steps from `seed` and compares every state with a full build.
/// Returns how many rebuilds took the fast path.
fn random_walk(site: &TestSite, seed: u64, steps: usize) -> usize {
    use_data_shortcode(site);
    let mut data_broken = false;
    let (mut data_steps, mut data_fast) = (0, 0);
    let mut session = Session::open(site.root(), options());
    session.rebuild_all().expect("the fixture builds");
    session.warm();
    let mut walk = Walk {
        rng: Rng(seed),
        created: Vec::new(),
        broken: BTreeMap::new(),
        step: 0,
        languages: fs::read_to_string(site.path("site.toml"))
            .unwrap()
            .contains("[languages."),
    };
    let mut history = Vec::new();
    let mut fast = 0;
    for _ in 0..steps {
        // One step in five changes data files (a broken one is fixed by the next data step).
        let data_step_now = walk.rng.below(5) == 0;
        data_steps += usize::from(data_step_now);
        let changes = if data_step_now {
            history.push(data_step(&mut walk.rng, site, &mut data_broken));
            ChangeSet {
                data: true,
                ..ChangeSet::default()
            }
        } else {
            let (what, touched) = walk.step(site);
            history.push(what);
            ChangeSet {
                content: touched,
                ..ChangeSet::default()
            }
        };
        // Pages served early (before the rest of the site is rendered) must already be final.
        let mut early = Vec::new();
        let result = session.apply(&changes, &mut |snapshot, update| {
            for path in &update.changed {
                early.push((path.clone(), snapshot.outputs[path].to_vec()));
            }
        });
        let expected = full_build(site.root());
        match (result, expected) {
            (Ok(update), Ok(expected)) => {
                fast += usize::from(!update.full);
                data_fast += usize::from(!update.full && changes.data);
                for (path, bytes) in &early {
                    assert!(
                        expected.get(path) == Some(bytes),
                        "seed {seed}: {path} was served early with other bytes than a full build's, after: {history:#?}"
                    );
                }
                let actual = served(&mut session);
                let names = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
                assert_eq!(
                    names(&actual),
                    names(&expected),
                    "seed {seed}, after: {history:#?}"
                );
                for (path, bytes) in &expected {
                    if actual[path] != *bytes {
                        crate::support::assert_text(
                            &String::from_utf8_lossy(&actual[path]),
                            &String::from_utf8_lossy(bytes),
                            &format!(
                                "seed {seed}: {path} differs from a full build after: {history:#?}"
                            ),
                        );
                    }
                }
            }
            (Err(errors), Err(expected)) => {
                assert_eq!(
                    errors.render(false),
                    expected,
                    "seed {seed}, after: {history:#?}"
                );
            }
            (Ok(_), Err(expected)) => {
                panic!("seed {seed}: the session built but a full build fails:\n{expected}\nafter: {history:#?}")
            }
            (Err(errors), Ok(_)) => panic!(
                "seed {seed}: the session failed but a full build works:\n{}\nafter: {history:#?}",
                errors.render(false)
            ),
        }
        session.warm();
    }
    eprintln!("seed {seed:x}: {fast} of {steps} rebuilds took the fast path ({data_fast} of {data_steps} data changes)");
    // Data changes must exercise their fast path, not only full builds.
    assert!(
        data_steps < 5 || data_fast > 0,
        "seed {seed:x}: no data change took the fast path"
    );
    fast
}

/// A theme whose templates read every kind of page data and, with `one_collection`, the
/// countries (with their backlinks) on every page; without, no collection: most edits then take
/// the fast path with a partial page selection.
fn use_plain_theme(site: &TestSite, one_collection: bool) {
    let countries = if one_collection {
        "<nav>{% for c in collections.countries %}<a href=\"{{ c.url }}\">{{ c.title }}</a> {% for g in c.backlinks %}{{ g.title }}:{% for i in g.items %}{{ i.source.title }} {{ i.source.description }};{% endfor %}{% endfor %}{% endfor %}</nav>"
    } else {
        ""
    };
    let config = fs::read_to_string(site.path("site.toml")).unwrap();
    site.write("site.toml", format!("theme = \"plain\"\n{config}"));
    site.write(
        "themes/plain/templates/page.html",
        r#"<!DOCTYPE html><html><head><title>{{ page.title }} — {{ site.title }}</title></head><body>
<nav>{% for s in site.sections %}<a href="{{ s.url }}">{{ s.title }} {{ s.backlink_count }}</a>{% endfor %}</nav>
COLLECTIONS
<ol>{% for a in page.ancestors %}<li>{{ a.title }} {{ a.description }}</li>{% endfor %}</ol>
<main><h1>{{ page.title }}</h1><p>{{ page.description }} {{ page.updated }} {{ page.word_count }}</p>{{ page.content }}
{% for t in page.toc %}{{ t.id }} {% endfor %}
<ul>{% for p in page.pages %}<li><a href="{{ p.url }}">{{ p.title }}</a> {{ p.summary }} {{ p.description }} {{ p.backlink_count }} {{ p.extra | tojson }} {{ p.parent.title }} {{ p.entity.extra | tojson }}</li>{% endfor %}</ul>
<ul>{% for p in page.subsections %}<li>{{ p.title }} {{ p.summary }} {{ p.backlink_count }}</li>{% endfor %}</ul>
{% for g in page.references %}<h2>{{ g.title }}</h2>{% for i in g.items %}{{ i.target.title }} {{ i.target.summary }} {{ i.relation }} {{ i.line }};{% endfor %}{% endfor %}
{% for g in page.backlinks %}<h2>{{ g.title }}</h2>{% for i in g.items %}{{ i.source.title }} {{ i.source.description }} {{ i.source.extra | tojson }} {{ i.relation }} {{ i.line }} {{ i.anchor }};{% endfor %}{% endfor %}
{{ lang }} {{ site.language }} {{ page.lang }} {{ page.stale }} {{ page.untranslated }} {% for t in page.translations %}{{ t.lang }}:{{ t.title }}:{{ t.url }}:{{ t.translated }};{% endfor %} {{ page.original.title if page.original }}
{{ page.backlink_count }} {% if page.entity %}{{ page.entity.title }} {{ page.entity.summary }}{% endif %} {% if page.parent %}{{ page.parent.title }} {{ page.parent.summary }}{% endif %}
</main></body></html>
"#
        .replace("COLLECTIONS", countries),
    );
    // Only sections read the contributions: a data edit renders them, not the other pages.
    site.write(
        "themes/plain/templates/section.html",
        "{{ data.contributions|length if \"contributions\" in data else 0 }}{% include \"page.html\" %}",
    );
    site.write(
        "themes/plain/templates/index.html",
        "{% include \"page.html\" %}",
    );
    site.write(
        "themes/plain/templates/404.html",
        "<!DOCTYPE html><title>Not found — {{ site.title }}</title><body>{% for s in site.sections %}{{ s.title }} {% endfor %}</body>",
    );
}

const STEPS: usize = 60;

#[test]
fn random_edits_with_the_default_theme_match_a_full_build() {
    for seed in [0x5eed_0001, 0x5eed_0002, 0x5eed_0003] {
        let site = TestSite::fixture("serve-site");
        random_walk(&site, seed, STEPS);
    }
}

/// Listings of two pages a page: a section's title, weight or date edit moves pages between
/// its listing pages (`news/page/2/`), which the fast path must render as a full build does.
#[test]
fn random_edits_of_paginated_listings_match_a_full_build() {
    for seed in [0x5eed_0011, 0x5eed_0012] {
        let site = TestSite::fixture("serve-site");
        let config = fs::read_to_string(site.path("site.toml")).unwrap();
        site.write("site.toml", format!("paginate_by = 2\n{config}"));
        let section = fs::read_to_string(site.path("content/news/_index.md")).unwrap();
        site.write(
            "content/news/_index.md",
            section.replacen("+++\n", "+++\nsort_by = \"title\"\n", 1),
        );
        random_walk(&site, seed, STEPS);
    }
}

#[test]
fn random_edits_with_a_theme_reading_one_collection_match_a_full_build() {
    let mut fast = 0;
    for seed in [0x5eed_0004, 0x5eed_0005, 0x5eed_0006] {
        let site = TestSite::fixture("serve-site");
        use_plain_theme(&site, true);
        fast += random_walk(&site, seed, STEPS);
    }
    // The walk must exercise the fast path, not only full builds.
    assert!(fast >= STEPS, "only {fast} fast rebuilds");
}

#[test]
fn random_edits_with_a_theme_reading_no_collection_match_a_full_build() {
    let mut fast = 0;
    for seed in [0x5eed_0007, 0x5eed_0008, 0x5eed_0009, 0x5eed_000a] {
        let site = TestSite::fixture("serve-site");
        use_plain_theme(&site, false);
        fast += random_walk(&site, seed, STEPS);
    }
    assert!(fast >= STEPS, "only {fast} fast rebuilds");
}

/// A late shortcode `reach` (the donors' backlinks and the calling page's), called in
/// `news/a.md` and `about.md`; with the default theme, `about.md` also draws its donor chart.
fn use_late_shortcodes(site: &TestSite, chart: bool) {
    site.write(
        "templates/shortcodes/reach.html",
        "{#- shortcode\nlate = true\n-#}\n<p id=\"reach-{{ nth }}\">{% for d in collections.donors %}{{ d.title }}: {% for i in d.backlink_items %}{{ i.source.title }} {% endfor %}{% endfor %} / {% for g in page.backlinks %}{% for i in g.items %}{{ i.source.title }} {% endfor %}{% endfor %}</p>\n",
    );
    let chart = if chart { "\n{{ donor_chart() }}\n" } else { "" };
    for (file, call) in [("content/news/a.md", ""), ("content/about.md", chart)] {
        let text = fs::read_to_string(site.path(file)).unwrap();
        site.write(file, format!("{text}\n{{{{ reach() }}}}\n{call}"));
    }
}

#[test]
fn random_edits_with_late_shortcodes_match_a_full_build() {
    for seed in [0x5eed_0021, 0x5eed_0022] {
        let site = TestSite::fixture("serve-site");
        use_late_shortcodes(&site, true);
        random_walk(&site, seed, STEPS);
    }
}

/// The theme reads no collection, the late shortcode does: an edit changing a donor's
/// backlinks must still render the pages calling it again.
#[test]
fn random_edits_with_late_shortcodes_and_a_theme_reading_no_collection_match_a_full_build() {
    let mut fast = 0;
    for seed in [0x5eed_0023, 0x5eed_0024] {
        let site = TestSite::fixture("serve-site");
        use_plain_theme(&site, false);
        use_late_shortcodes(&site, false);
        fast += random_walk(&site, seed, STEPS);
    }
    assert!(fast >= STEPS / 2, "only {fast} fast rebuilds");
}

#[test]
fn a_new_backlink_renders_the_pages_calling_a_late_shortcode() {
    let site = TestSite::fixture("serve-site");
    use_plain_theme(&site, false);
    use_late_shortcodes(&site, false);
    let mut session = Session::open(site.root(), options());
    session.rebuild_all().unwrap();
    session.warm();
    let before = served(&mut session)["about/index.html"].clone();
    let f = "content/news/b.md";
    let text = fs::read_to_string(site.path(f)).unwrap();
    site.write(f, format!("{text}\nFunded by [[Norway]].\n"));
    let update = session
        .apply(
            &ChangeSet {
                content: BTreeSet::from(["news/b.md".to_string()]),
                ..ChangeSet::default()
            },
            &mut |_, _| {},
        )
        .unwrap();
    assert!(!update.full);
    let after = served(&mut session);
    let about = String::from_utf8_lossy(&after["about/index.html"]).into_owned();
    assert_ne!(
        after["about/index.html"], before,
        "about/ was not rendered again"
    );
    assert!(
        about.contains("Norway: IPEC funding Second news "),
        "{about}"
    );
    assert_eq!(after, full_build(site.root()).unwrap());
}

#[test]
fn a_body_edit_renders_only_that_page() {
    let site = TestSite::fixture("serve-site");
    use_plain_theme(&site, true);
    let mut session = Session::open(site.root(), options());
    session.rebuild_all().unwrap();
    session.warm();
    let text = fs::read_to_string(site.path("content/news/b.md")).unwrap();
    site.write("content/news/b.md", format!("{text}\nA late addition.\n"));
    let update = session
        .apply(
            &ChangeSet {
                content: BTreeSet::from(["news/b.md".to_string()]),
                ..ChangeSet::default()
            },
            &mut |_, _| panic!("nothing to serve early"),
        )
        .unwrap();
    assert!(!update.full);
    assert_eq!(update.rendered, 1);
    assert_eq!(update.changed, ["news/b/index.html"]);
    assert_eq!(served(&mut session), full_build(site.root()).unwrap());
}

#[test]
fn a_description_change_renders_the_pages_that_show_it() {
    let site = TestSite::fixture("serve-site");
    use_plain_theme(&site, true);
    let mut session = Session::open(site.root(), options());
    session.rebuild_all().unwrap();
    session.warm();
    let f = "content/news/a.md";
    let text = fs::read_to_string(site.path(f)).unwrap();
    site.write(f, insert_key(&text, "description = \"Now described.\""));
    let mut first = Vec::new();
    let mut early_bytes = BTreeMap::new();
    let update = session
        .apply(
            &ChangeSet {
                content: BTreeSet::from(["news/a.md".to_string()]),
                ..ChangeSet::default()
            },
            &mut |snapshot, update| {
                first = update.changed.clone();
                for path in &update.changed {
                    early_bytes.insert(path.clone(), snapshot.outputs[path].to_vec());
                }
            },
        )
        .unwrap();
    assert!(!update.full);
    // Every page shows Kenya's backlinks (which show this page) through
    // `collections.countries`, so every page is rendered again; served first are only the
    // page and its section (listing it), then every page, Kenya and IPEC included.
    assert_eq!(first, ["news/a/index.html", "news/index.html"]);
    assert!(update
        .changed
        .contains(&"countries/kenya/index.html".to_string()));
    assert!(update.changed.contains(&"about/index.html".to_string()));
    // What is served first is already final: the bytes a full build gives.
    let full = full_build(site.root()).unwrap();
    for (path, bytes) in &early_bytes {
        assert!(
            &full[path] == bytes,
            "{path} was served early with stale content"
        );
    }
    assert_eq!(served(&mut session), full_build(site.root()).unwrap());
}

/// A change that moves no line (so no reference changes) still reaches the entities whose
/// backlinks show the page: what is served first is already what a full build gives.
#[test]
fn a_summary_change_on_the_same_line_is_served_final_first() {
    let site = TestSite::fixture("serve-site");
    use_plain_theme(&site, true);
    let f = "content/news/a.md";
    let text = fs::read_to_string(site.path(f)).unwrap();
    site.write(f, insert_key(&text, "description = \"Before.\""));
    let mut session = Session::open(site.root(), options());
    session.rebuild_all().unwrap();
    session.warm();
    let text = fs::read_to_string(site.path(f)).unwrap();
    site.write(f, text.replace("\"Before.\"", "\"After!\""));
    let mut early = BTreeMap::new();
    let changes = ChangeSet {
        content: BTreeSet::from(["news/a.md".to_string()]),
        ..ChangeSet::default()
    };
    let update = session
        .apply(&changes, &mut |snapshot, update| {
            for path in &update.changed {
                early.insert(path.clone(), snapshot.outputs[path].to_vec());
            }
        })
        .unwrap();
    assert!(!update.full);
    assert!(!early.is_empty());
    let full = full_build(site.root()).unwrap();
    for (path, bytes) in &early {
        assert!(
            &full[path] == bytes,
            "{path} was served early with stale content"
        );
    }
    assert_eq!(served(&mut session), full);
}

/// `news/b.md` calls the shortcode `flag`, `news/a.md` calls `note` (the theme's); the site's
/// `templates/shortcodes/flag.html` is then changed to `flag`.
fn site_with_shortcodes(flag: &str) -> (TestSite, Session) {
    let site = TestSite::fixture("serve-site");
    site.write("templates/shortcodes/flag.html", flag);
    let b = fs::read_to_string(site.path("content/news/b.md")).unwrap();
    site.write(
        "content/news/b.md",
        format!("{b}\nFlag: {{{{ flag(text=\"late\") }}}}\n"),
    );
    let a = fs::read_to_string(site.path("content/news/a.md")).unwrap();
    site.write(
        "content/news/a.md",
        format!("{a}\n{{% note(kind=\"remark\") %}}\nA remark.\n{{% end %}}\n"),
    );
    let mut session = Session::open(site.root(), options());
    session.rebuild_all().unwrap();
    session.warm();
    (site, session)
}

fn templates_changed(session: &mut Session) -> weft::session::Update {
    let changes = ChangeSet {
        templates: true,
        ..ChangeSet::default()
    };
    session.apply(&changes, &mut |_, _| {}).unwrap()
}

#[test]
fn a_shortcode_template_change_renders_only_the_pages_calling_it() {
    let (site, mut session) = site_with_shortcodes("<mark>{{ text }}</mark>\n");
    site.write(
        "templates/shortcodes/flag.html",
        "<strong>{{ text }}</strong>\n",
    );
    let update = templates_changed(&mut session);
    assert!(!update.full);
    assert_eq!(update.rendered, 1);
    assert!(update.changed.contains(&"news/b/index.html".to_string()));
    assert!(!update.changed.contains(&"news/a/index.html".to_string()));
    assert_eq!(served(&mut session), full_build(site.root()).unwrap());
    // A shortcode no page calls: nothing is rendered.
    site.write("templates/shortcodes/unused.html", "x\n");
    assert!(
        templates_changed(&mut session).full,
        "a new template rebuilds the site"
    );
    session.warm();
    site.write("templates/shortcodes/unused.html", "y\n");
    let update = templates_changed(&mut session);
    assert!(!update.full);
    assert_eq!(update.rendered, 0);
    assert_eq!(served(&mut session), full_build(site.root()).unwrap());
}

#[test]
fn other_template_changes_and_broken_shortcodes_rebuild_the_site() {
    let (site, mut session) = site_with_shortcodes("<mark>{{ text }}</mark>\n");
    // A template that is no shortcode.
    site.write(
        "templates/404.html",
        "<!DOCTYPE html><title>Gone</title><p>Gone.</p>\n",
    );
    assert!(templates_changed(&mut session).full);
    assert_eq!(served(&mut session), full_build(site.root()).unwrap());
    session.warm();
    // A shortcode whose new version needs an argument its callers do not pass: the full build
    // reports the error, as `weft build` does.
    site.write(
        "templates/shortcodes/flag.html",
        "{{ text }} {{ colour }}\n",
    );
    let changes = ChangeSet {
        templates: true,
        ..ChangeSet::default()
    };
    let errors = session.apply(&changes, &mut |_, _| {}).unwrap_err();
    assert!(
        errors
            .render(false)
            .contains("shortcode `flag` needs the argument `colour`"),
        "{}",
        errors.render(false)
    );
}

#[test]
fn random_edits_of_translations_with_the_default_theme_match_a_full_build() {
    let mut fast = 0;
    for seed in [0x5eed_0101, 0x5eed_0102] {
        let site = TestSite::fixture("serve-site");
        use_languages(&site);
        fast += random_walk(&site, seed, STEPS);
    }
    assert!(fast >= STEPS / 2, "only {fast} fast rebuilds");
}

#[test]
fn random_edits_of_translations_with_a_theme_reading_one_collection_match_a_full_build() {
    let mut fast = 0;
    for seed in [0x5eed_0103, 0x5eed_0104] {
        let site = TestSite::fixture("serve-site");
        use_plain_theme(&site, true);
        use_languages(&site);
        fast += random_walk(&site, seed, STEPS);
    }
    assert!(fast >= STEPS / 2, "only {fast} fast rebuilds");
}

#[test]
fn random_edits_of_translations_with_a_theme_reading_no_collection_match_a_full_build() {
    let mut fast = 0;
    for seed in [0x5eed_0105, 0x5eed_0106, 0x5eed_0107] {
        let site = TestSite::fixture("serve-site");
        use_plain_theme(&site, false);
        use_languages(&site);
        fast += random_walk(&site, seed, STEPS);
    }
    assert!(fast >= STEPS, "only {fast} fast rebuilds");
}

/// A site in three languages, served, with the plain theme showing every page's languages.
fn served_in_three_languages() -> (TestSite, Session) {
    let site = TestSite::fixture("serve-site");
    use_plain_theme(&site, false);
    use_languages(&site);
    let mut session = Session::open(site.root(), options());
    session.rebuild_all().unwrap();
    session.warm();
    (site, session)
}

fn edited(session: &mut Session, path: &str) -> weft::session::Update {
    let changes = ChangeSet {
        content: BTreeSet::from([path.to_string()]),
        ..ChangeSet::default()
    };
    session.apply(&changes, &mut |_, _| {}).unwrap()
}

fn page_text(session: &Session, path: &str) -> String {
    String::from_utf8(session.snapshot().outputs[path].to_vec()).unwrap()
}

#[test]
fn an_edit_of_a_translation_renders_only_its_page() {
    let (site, mut session) = served_in_three_languages();
    let f = "content/news/a.fr.md";
    let text = fs::read_to_string(site.path(f)).unwrap();
    site.write(f, format!("{text}\nUn ajout tardif.\n"));
    let update = edited(&mut session, "news/a.fr.md");
    assert!(!update.full);
    assert_eq!(update.rendered, 1);
    assert_eq!(update.changed, ["fr/news/a/index.html"]);
    assert_eq!(served(&mut session), full_build(site.root()).unwrap());
}

/// An edit of a source's text makes its up-to-date translation stale (and the French page
/// says so), through the fast path; marking the translation current again clears it.
#[test]
fn a_source_edit_makes_its_translations_stale_without_a_full_build() {
    let (site, mut session) = served_in_three_languages();
    let kenya = "fr/countries/kenya/index.html";
    assert!(page_text(&session, kenya).contains("fr fr fr False False"));
    let f = "content/countries/kenya.md";
    let text = fs::read_to_string(site.path(f)).unwrap();
    site.write(f, format!("{text}\nKenya ratified C182 in 2001.\n"));
    let update = edited(&mut session, "countries/kenya.md");
    assert!(!update.full);
    // Kenya is rendered again in every language: the English page changes, the French one
    // turns stale; the Spanish one was stale already, its bytes stay.
    assert_eq!(update.rendered, 3);
    assert_eq!(update.changed, ["countries/kenya/index.html", kenya]);
    assert!(page_text(&session, kenya).contains("fr fr fr True False"));
    assert_eq!(served(&mut session), full_build(site.root()).unwrap());

    let f = "content/countries/kenya.fr.md";
    let text = fs::read_to_string(site.path(f)).unwrap();
    let version = version(&site, "countries/kenya.md");
    site.write(f, with_translates(&text, &version));
    let update = edited(&mut session, "countries/kenya.fr.md");
    assert!(!update.full);
    assert_eq!(update.changed, [kenya]);
    assert!(page_text(&session, kenya).contains("fr fr fr False False"));
    assert_eq!(served(&mut session), full_build(site.root()).unwrap());
}

/// A page without a translation shows the English text in every language: an English edit
/// reaches them all, and a translation's new title reaches the page in every language (its
/// `page.translations`).
#[test]
fn an_edit_reaches_the_pages_falling_back_to_it_and_titles_reach_every_language() {
    let (site, mut session) = served_in_three_languages();
    let f = "content/news/c/index.md";
    let text = fs::read_to_string(site.path(f)).unwrap();
    site.write(f, format!("{text}\nA caption.\n"));
    let update = edited(&mut session, "news/c/index.md");
    assert!(!update.full);
    for lang in ["", "fr/", "es/"] {
        let path = format!("{lang}news/c/index.html");
        assert!(update.changed.contains(&path), "{path}: {update:?}");
    }
    assert!(page_text(&session, "es/news/c/index.html").contains("A caption."));
    assert_eq!(served(&mut session), full_build(site.root()).unwrap());

    let f = "content/news/b.es.md";
    let text = fs::read_to_string(site.path(f)).unwrap();
    site.write(f, text.replace("Segunda noticia", "La segunda noticia"));
    let update = edited(&mut session, "news/b.es.md");
    assert!(!update.full);
    for lang in ["", "fr/", "es/"] {
        let path = format!("{lang}news/b/index.html");
        assert!(update.changed.contains(&path), "{path}: {update:?}");
        assert!(page_text(&session, &path).contains("es:La segunda noticia:"));
    }
    assert_eq!(served(&mut session), full_build(site.root()).unwrap());
}

/// What the fast path cannot do, a full build does: a new translation, a removed one.
#[test]
fn a_new_or_removed_translation_rebuilds_the_site() {
    let (site, mut session) = served_in_three_languages();
    site.write(
        "content/news/c/index.es.md",
        "+++\ntitle = \"Reportaje\"\n+++\nUna historia.\n",
    );
    assert!(edited(&mut session, "news/c/index.es.md").full);
    assert_eq!(served(&mut session), full_build(site.root()).unwrap());
    session.warm();
    site.remove("content/news/c/index.es.md");
    assert!(edited(&mut session, "news/c/index.es.md").full);
    assert_eq!(served(&mut session), full_build(site.root()).unwrap());
}

/// A shortcode called only in a translation: a change of its template renders that page, in
/// its language, and nothing else.
#[test]
fn a_shortcode_called_in_a_translation_renders_only_that_page() {
    let site = TestSite::fixture("serve-site");
    use_languages(&site);
    site.write(
        "templates/shortcodes/flag.html",
        "<mark>{{ text }}</mark>\n",
    );
    let f = "content/news/a.fr.md";
    let text = fs::read_to_string(site.path(f)).unwrap();
    site.write(
        f,
        format!("{text}\nDrapeau : {{{{ flag(text=\"tard\") }}}}\n"),
    );
    let mut session = Session::open(site.root(), options());
    session.rebuild_all().unwrap();
    session.warm();
    site.write(
        "templates/shortcodes/flag.html",
        "<strong>{{ text }}</strong>\n",
    );
    let update = templates_changed(&mut session);
    assert!(!update.full);
    assert_eq!(update.rendered, 1);
    assert_eq!(update.changed, ["fr/news/a/index.html"]);
    assert_eq!(served(&mut session), full_build(site.root()).unwrap());
}

/// The environment made anew for a shortcode change has the globals a full build's has
/// (`data`, `lang`): pages whose templates read them still take the fast path.
#[test]
fn a_shortcode_change_keeps_the_data_and_lang_globals() {
    let site = TestSite::fixture("serve-site");
    use_plain_theme(&site, false);
    site.write("data/facts.toml", "motto = \"Decent work\"\n");
    let page = fs::read_to_string(site.path("themes/plain/templates/page.html")).unwrap();
    site.write(
        "themes/plain/templates/page.html",
        page.replace("<main>", "<main>{{ data.facts.motto }} {{ lang }}"),
    );
    site.write(
        "templates/shortcodes/flag.html",
        "<mark>{{ text }}</mark>\n",
    );
    let f = "content/news/b.md";
    let text = fs::read_to_string(site.path(f)).unwrap();
    site.write(f, format!("{text}\nFlag: {{{{ flag(text=\"late\") }}}}\n"));
    let mut session = Session::open(site.root(), options());
    session.rebuild_all().unwrap();
    session.warm();
    site.write(
        "templates/shortcodes/flag.html",
        "<strong>{{ text }}</strong>\n",
    );
    let update = templates_changed(&mut session);
    assert!(!update.full);
    assert_eq!(update.changed, ["news/b/index.html"]);
    assert_eq!(served(&mut session), full_build(site.root()).unwrap());
}

fn data_changed(session: &mut Session) -> Result<weft::session::Update, String> {
    let changes = ChangeSet {
        data: true,
        ..ChangeSet::default()
    };
    session
        .apply(&changes, &mut |_, _| {})
        .map_err(|e| e.render(false))
}

/// The default theme's programme, donor and donors pages read `data.contributions`, and
/// `news/a.md` calls a shortcode reading it: a change of the file renders those pages (and the
/// news listing showing `news/a.md`'s summary) and no other; a file nothing reads renders
/// nothing; a broken file is reported, located, and fixing it serves the site again.
#[test]
fn a_data_change_renders_only_the_pages_reading_it() {
    let site = TestSite::fixture("serve-site");
    let config = fs::read_to_string(site.path("site.toml")).unwrap();
    site.write(
        "site.toml",
        config
            .replace(
                "[collections.donors]",
                "[collections.donors]\ntemplate = \"donor.html\"",
            )
            .replace(
                "[collections.programmes]",
                "[collections.programmes]\ntemplate = \"programme.html\"",
            ),
    );
    site.write("data/contributions.csv", contributions(1000));
    use_data_shortcode(&site);
    let mut session = Session::open(site.root(), options());
    session.rebuild_all().unwrap();
    session.warm();

    // One more contribution, from Norway to IPEC.
    let more = "programmes/ipec/funding.md,donors/norway.md,500\n";
    site.write(
        "data/contributions.csv",
        format!("{}{more}", contributions(2000)),
    );
    let update = data_changed(&mut session).unwrap();
    assert!(!update.full);
    // Rendered: the five pages whose templates read the file, and `news/a` (its shortcode);
    // `programmes/step/` read it too, but shows no IPEC contribution.
    assert_eq!(update.rendered, 6);
    assert_eq!(
        update.changed,
        [
            "donors/index.html",
            "donors/norway/index.html",
            "donors/usa/index.html",
            "news/a/index.html",
            "programmes/ipec/index.html",
        ]
    );
    assert_eq!(served(&mut session), full_build(site.root()).unwrap());

    site.write("data/unread.toml", "note = \"unread\"\n");
    let update = data_changed(&mut session).unwrap();
    assert!(!update.full);
    assert_eq!((update.rendered, update.changed.len()), (0, 0));
    assert_eq!(served(&mut session), full_build(site.root()).unwrap());

    site.write(
        "data/contributions.csv",
        format!("{}a,b\n", contributions(2000)),
    );
    let before = served(&mut session);
    assert_eq!(
        data_changed(&mut session).unwrap_err(),
        "error: invalid data file data/contributions.csv\n --> data/contributions.csv:4:1\n  |\n4 | a,b\n  | ^ this row has 2 cells; the header row has 3\n  |\n\nerror: build failed with 1 error"
    );
    assert_eq!(
        served(&mut session),
        before,
        "the last good build is still served"
    );
    site.write("data/contributions.csv", contributions(3000));
    let update = data_changed(&mut session).unwrap();
    assert!(update.full, "no fast path state after a failed build");
    assert_eq!(served(&mut session), full_build(site.root()).unwrap());
    session.warm();
    // The file removed: what tested for it shows its absence.
    site.remove("data/contributions.csv");
    let update = data_changed(&mut session).unwrap();
    assert!(!update.full);
    assert_eq!(served(&mut session), full_build(site.root()).unwrap());
}
