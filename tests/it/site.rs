//! The Global Programmes site read back from its built HTML: the facts of the seed paper
//! (GB.274/TC, March 1999) are on the pages that should state them, and every relation shows
//! on both of its ends — the page that states it and the entity it names.
//!
//! Pages are parsed with an HTML parser (scraper) and read through what the default theme
//! renders for people: the relation lists and tables of its panels (`section.panel`), the
//! facts list, the links. Prose is not matched, so the content can be reworded freely.

use std::collections::{BTreeMap, BTreeSet};

use scraper::{ElementRef, Html, Selector};

use crate::support::{real_site, TestSite, REAL_SITE_PATH};

/// The URL of a site path (`countries/kenya/`) as the pages link to it.
fn url(path: &str) -> String {
    format!("{REAL_SITE_PATH}{path}")
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css:?}: {e}"))
}

/// Text of an element with its whitespace collapsed.
fn text(element: ElementRef<'_>) -> String {
    let all: String = element.text().collect();
    all.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One built page, parsed.
struct Page {
    path: String,
    html: Html,
}

/// One item of a page's panels: the entity it names (its first link) and what it says.
#[derive(Debug)]
struct Relation {
    href: String,
    text: String,
}

impl Page {
    /// The built page at site path `path` (`countries/kenya/`, `404.html`).
    fn open(path: &str) -> Page {
        let file = if path.is_empty() || path.ends_with('/') {
            format!("{path}index.html")
        } else {
            path.to_string()
        };
        let source = std::fs::read_to_string(real_site().join(&file))
            .unwrap_or_else(|e| panic!("no built page {file}: {e}"));
        Page {
            path: path.to_string(),
            html: Html::parse_document(&source),
        }
    }

    fn select(&self, css: &str) -> Vec<ElementRef<'_>> {
        self.html.select(&selector(css)).collect()
    }

    /// The relation items of the panels matching `panels` (list items and table rows), each
    /// with the first link it holds.
    fn relations_in(&self, panels: &str) -> Vec<Relation> {
        let link = selector("a[href]");
        let items = format!("{panels} li, {panels} tbody tr");
        self.select(&items)
            .into_iter()
            .filter_map(|item| {
                let first = item.select(&link).next()?;
                Some(Relation {
                    href: first.value().attr("href").unwrap().to_string(),
                    text: text(item),
                })
            })
            .collect()
    }

    /// Asserts that one relation item of the panels names `target` (a site path) and says
    /// each of `words`.
    fn assert_relation(&self, target: &str, words: &[&str]) {
        self.assert_relation_in("main section.panel", target, words)
    }

    /// [`Page::assert_relation`] for the items of the sections matching `panels`.
    fn assert_relation_in(&self, panels: &str, target: &str, words: &[&str]) {
        let relations = self.relations_in(panels);
        let href = url(target);
        let found = relations
            .iter()
            .any(|r| r.href == href && words.iter().all(|w| r.text.contains(w)));
        assert!(
            found,
            "{}: no relation to {href} saying {words:?}; its relations:\n{}",
            self.path,
            list(&relations)
        );
    }

    /// `(href, text)` of every link in the page's `main` to another page.
    fn links(&self) -> Vec<(String, String)> {
        self.select("main a[href]:not([href^='#'])")
            .into_iter()
            .map(|a| (a.value().attr("href").unwrap().to_string(), text(a)))
            .collect()
    }

    /// The `dd` of the facts list entry whose `dt` is `term`.
    fn fact(&self, term: &str) -> String {
        let dt = selector("dt");
        let dd = selector("dd");
        for entry in self.select("main dl.facts > div") {
            if entry.select(&dt).next().map(text).as_deref() == Some(term) {
                return entry.select(&dd).next().map(text).unwrap_or_default();
            }
        }
        panic!("{}: no fact {term:?} in its facts list", self.path)
    }
}

fn list(relations: &[Relation]) -> String {
    relations
        .iter()
        .map(|r| format!("  {} :: {}", r.href, r.text))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Site paths (`countries/kenya/`) of every built HTML page, mapped to the file.
fn all_pages() -> BTreeMap<String, String> {
    all_pages_in("en")
}

/// [`all_pages`] of one language: `"en"` at the root, `"fr"` and `"es"` under their folders.
fn all_pages_in(lang: &str) -> BTreeMap<String, String> {
    let in_lang = |f: &str| match lang {
        "en" => !f.starts_with("fr/") && !f.starts_with("es/"),
        other => f.starts_with(&format!("{other}/")),
    };
    crate::support::tree(real_site())
        .into_keys()
        .filter(|f| f.ends_with(".html") && in_lang(f))
        .map(|f| {
            let path = f.strip_suffix("index.html").unwrap_or(&f).to_string();
            (path, f)
        })
        .collect()
}

/// Whether a URL is an entity page: `/global-programmes/<collection>/<name>/`.
fn entity_path(href: &str) -> Option<&str> {
    let path = href.strip_prefix(REAL_SITE_PATH)?;
    let mut parts = path.trim_end_matches('/').split('/');
    let collection = parts.next()?;
    let name = parts.next()?;
    let is_entity = ["countries", "donors", "partners", "programmes"].contains(&collection)
        && !name.is_empty()
        && parts.next().is_none()
        && path.ends_with('/');
    is_entity.then_some(path)
}

#[test]
fn kenya_lists_ipec_with_its_mou_and_ipec_lists_kenya() {
    Page::open("countries/kenya/").assert_relation("programmes/ipec/", &["MOU"]);
    Page::open("programmes/ipec/").assert_relation("countries/kenya/", &["MOU"]);
    Page::open("programmes/ipec/coverage/").assert_relation("countries/kenya/", &["MOU"]);
}

#[test]
fn the_united_states_page_shows_usd_29_5_million_for_1999_from_ipec() {
    let us = Page::open("donors/united-states/");
    us.assert_relation("programmes/ipec/", &["1999", "USD 29.5 million"]);
    assert!(
        !us.select("main data[value='29500000']").is_empty(),
        "the amount is not machine-readable on the United States' page"
    );
    // The other ends: the funding page that states it, the programme, the donors index.
    Page::open("programmes/ipec/funding/")
        .assert_relation("donors/united-states/", &["$29.5 million", "1999"]);
    Page::open("programmes/ipec/").assert_relation("donors/united-states/", &["USD 29.5 million"]);
    let donors = Page::open("donors/");
    donors.assert_relation_in(
        "main section.donor-index",
        "donors/united-states/",
        &["IPEC", "USD 29.5 million"],
    );
    assert_chart_bar(&donors, "United States", "USD 29.5 million");
}

#[test]
fn belgium_gives_step_its_8_2_million_on_both_ends() {
    let belgium = Page::open("donors/belgium/");
    belgium.assert_relation("programmes/step/", &["core donor", "USD 8.2 million"]);
    Page::open("programmes/step/funding/").assert_relation("donors/belgium/", &["$8.2 million"]);
    Page::open("programmes/step/").assert_relation("donors/belgium/", &["USD 8.2 million"]);
    let donors = Page::open("donors/");
    donors.assert_relation_in(
        "main section.donor-index",
        "donors/belgium/",
        &["STEP", "USD 8.2 million"],
    );
    assert_chart_bar(&donors, "Belgium", "USD 8.2 million");
}

/// The donors index's bar chart (inline SVG) has a bar labelled `donor` showing `value`.
fn assert_chart_bar(donors: &Page, donor: &str, value: &str) {
    let label = selector(".bar-label");
    let amount = selector(".bar-value");
    let bars: Vec<(String, String)> = donors
        .select("main svg.bar-chart g.bar")
        .into_iter()
        .map(|g| {
            let get = |s: &Selector| g.select(s).next().map(text).unwrap_or_default();
            (get(&label), get(&amount))
        })
        .collect();
    assert!(
        bars.contains(&(donor.to_string(), value.to_string())),
        "the donors chart has no bar {donor}: {value}; its bars: {bars:?}"
    );
}

#[test]
fn pakistan_links_to_ipec_and_womemp_and_both_list_pakistan() {
    let pakistan = Page::open("countries/pakistan/");
    pakistan.assert_relation("programmes/ipec/", &["MOU"]);
    pakistan.assert_relation("programmes/womemp/", &["national action plan"]);
    Page::open("programmes/ipec/").assert_relation("countries/pakistan/", &["MOU"]);
    Page::open("programmes/womemp/")
        .assert_relation("countries/pakistan/", &["national action plan"]);
    Page::open("programmes/womemp/national-action-plans/")
        .assert_relation("countries/pakistan/", &["completed by March 1998"]);
}

#[test]
fn the_five_1998_mou_signatories_are_those_of_para_2_on_both_ends() {
    let coverage = Page::open("programmes/ipec/coverage/");
    let signed_1998: BTreeSet<String> = coverage
        .relations_in("main section.panel.references")
        .into_iter()
        .filter(|r| r.text.contains("MOU") && r.text.contains("1998"))
        .map(|r| r.href)
        .collect();
    let para_2 = ["madagascar", "mali", "paraguay", "south-africa", "uganda"];
    let expected: BTreeSet<String> = para_2
        .iter()
        .map(|c| url(&format!("countries/{c}/")))
        .collect();
    assert_eq!(
        signed_1998, expected,
        "the 1998 MOU signatories on the coverage page"
    );
    for country in para_2 {
        Page::open(&format!("countries/{country}/"))
            .assert_relation("programmes/ipec/", &["MOU signed in 1998"]);
    }
}

#[test]
fn tanzania_always_leads_to_the_united_republic_of_tanzania() {
    let urt = url("countries/united-republic-of-tanzania/");
    let mut seen = 0;
    for path in all_pages().into_keys() {
        for (href, label) in Page::open(&path).links() {
            if label.contains("Tanzania") {
                assert_eq!(href, urt, "{path}: the link {label:?} goes elsewhere");
                seen += 1;
            }
        }
    }
    assert!(seen >= 5, "only {seen} links named Tanzania");
    assert!(
        !all_pages().keys().any(|p| p.contains("countries/tanzania")),
        "Tanzania has a page of its own"
    );
    let page = Page::open("countries/united-republic-of-tanzania/");
    assert!(page.fact("Also called").contains("Tanzania"));
}

#[test]
fn a_new_page_citing_tanzania_by_its_short_name_reaches_the_united_republic() {
    // The repository's site plus one page that uses the short name in front matter and body.
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut site = TestSite::new();
    for folder in ["content", "data", "i18n", "themes", "static", "templates"] {
        for (rel, bytes) in crate::support::tree(&repo.join(folder)) {
            site = site.file(&format!("{folder}/{rel}"), bytes);
        }
    }
    let site = site
        .file("site.toml", std::fs::read(repo.join("site.toml")).unwrap())
        .file(
            "content/probe.md",
            "+++\ntitle = \"Probe\"\ncountries = [{ ref = \"Tanzania\", relation = \"probed\" }]\n+++\nSee [[Tanzania]].\n",
        );
    site.build();

    let probe = Html::parse_document(&site.read("probe/index.html"));
    let body_link = probe
        .select(&selector("main .content a"))
        .find(|a| text(*a) == "Tanzania")
        .expect("the [[Tanzania]] link");
    assert_eq!(
        body_link.value().attr("href"),
        Some(url("countries/united-republic-of-tanzania/").as_str())
    );
    let urt = Html::parse_document(&site.read("countries/united-republic-of-tanzania/index.html"));
    let backlinks: Vec<String> = urt
        .select(&selector("main section.panel.backlinks li"))
        .map(text)
        .collect();
    assert!(
        backlinks
            .iter()
            .any(|b| b.starts_with("Probe") && b.contains("probed")),
        "the United Republic of Tanzania does not list the probe: {backlinks:#?}"
    );
}

#[test]
fn west_bank_and_gaza_strip_is_the_west_bank_and_gaza_page() {
    let page = Page::open("countries/west-bank-and-gaza/");
    assert!(page
        .fact("Also called")
        .contains("West Bank and Gaza Strip"));
    page.assert_relation("programmes/ipec/", &["preparatory"]);
    page.assert_relation("programmes/womemp/", &["national action plan"]);
    let plans = Page::open("programmes/womemp/national-action-plans/");
    plans.assert_relation("countries/west-bank-and-gaza/", &["under completion"]);
    let named: Vec<(String, String)> = plans
        .links()
        .into_iter()
        .filter(|(_, label)| label == "West Bank and Gaza Strip")
        .collect();
    assert!(!named.is_empty(), "no link named West Bank and Gaza Strip");
    for (href, _) in named {
        assert_eq!(href, url("countries/west-bank-and-gaza/"));
    }
    assert!(!all_pages().keys().any(|p| p.contains("gaza-strip")));
}

#[test]
fn the_countries_index_groups_kenya_under_africa_and_shades_it_on_the_map() {
    let index = Page::open("countries/");
    let heading = selector("h3");
    let link = selector("a");
    let africa = index
        .select("main section.region")
        .into_iter()
        .find(|r| {
            r.select(&heading)
                .next()
                .map(text)
                .is_some_and(|h| h.starts_with("Africa"))
        })
        .expect("an Africa group");
    assert!(africa
        .select(&link)
        .any(|a| a.value().attr("href") == Some(url("countries/kenya/").as_str())));

    // Every listed country is on the map (a shape, or a dot when small) and shaded (a style
    // rule for its ISO code).
    let styles: String = index.select("style").into_iter().map(text).collect();
    let listed: Vec<&str> = index
        .select("main #country-list li[data-iso]")
        .into_iter()
        .map(|li| li.value().attr("data-iso").unwrap())
        .collect();
    assert!(listed.len() >= 70, "only {} countries listed", listed.len());
    for iso in &listed {
        assert_eq!(
            index
                .select(&format!("svg.world-map [data-iso='{iso}']"))
                .len(),
            1,
            "country {iso} is not on the map"
        );
        assert!(
            styles.contains(&format!("[data-iso=\"{iso}\"]")),
            "country {iso} is not shaded"
        );
    }
    assert!(
        listed.contains(&"404"),
        "Kenya (404) is not listed with its ISO code"
    );
}

#[test]
fn every_reference_shows_on_both_ends_and_every_entity_has_a_referenced_by_panel() {
    let pages = all_pages();
    let mut checked = 0;
    let mut missing = Vec::new();
    for path in pages.keys() {
        let page = Page::open(path);
        if entity_path(&url(path)).is_some()
            && page.select("main section.panel.backlinks").is_empty()
        {
            missing.push(format!("{path}: no \"Referenced by\" panel"));
        }
        for r in page.relations_in("main section.panel.references") {
            let Some(target) = entity_path(&r.href) else {
                continue;
            };
            checked += 1;
            let back = Page::open(target);
            let here = url(path);
            let panels = back.select("main section.panel:not(.references) a[href]");
            if !panels
                .iter()
                .any(|a| a.value().attr("href") == Some(here.as_str()))
            {
                missing.push(format!("{path} -> {target} ({}) has no link back", r.text));
            }
        }
    }
    assert!(checked > 200, "only {checked} references checked");
    assert!(
        missing.is_empty(),
        "one-way relations:\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_page_has_a_search_box_that_leads_to_the_search_page() {
    let search = url("search/");
    assert!(
        all_pages().contains_key("search/"),
        "no search page was built"
    );
    for path in all_pages().into_keys() {
        let page = Page::open(&path);
        let forms = page.select("header form[role='search']");
        let [form] = forms.as_slice() else {
            panic!("{path}: {} search forms in the header", forms.len());
        };
        assert_eq!(form.value().attr("action"), Some(search.as_str()), "{path}");
        assert_eq!(form.value().attr("method"), Some("get"), "{path}");
        let input = selector("input[type='search'][name='q']");
        assert!(form.select(&input).next().is_some(), "{path}: no ?q= field");
    }
}

/// The donors each programme has according to the paper, by the slug of their page.
const DONORS_IN_THE_PAPER: [(&str, &[&str]); 4] = [
    // Para. 3: the 1998 first-time contributors, Sweden, and the older donors' new commitments.
    // WHO, an observer in IPEC's steering committee (para. 17), is not among them.
    (
        "ipec",
        &[
            "austria",
            "finland",
            "france",
            "italy",
            "japan",
            "japanese-trade-union-confederation",
            "netherlands",
            "norway",
            "poland",
            "sweden",
            "switzerland",
            "united-states",
        ],
    ),
    // Paras 23 and 35: the United Kingdom's secondment through DFID, Finland's funding for Estonia.
    ("womemp", &["dfid", "finland", "united-kingdom"]),
    // Para. 44 (the core donor, associate experts, donors in discussion, co-financiers) and the
    // table of para. 43 (Canada co-financed a seminar).
    (
        "step",
        &[
            "belgium",
            "canada",
            "flemish-government",
            "france",
            "germany",
            "ihco",
            "italy",
            "netherlands",
            "portugal",
            "switzerland",
            "uncdf",
            "undp",
            "unfpa",
            "usaid",
            "who",
        ],
    ),
    // Para. 50: about $7 million sourced from 1998, no donor named.
    ("isep", &[]),
];

#[test]
fn the_donors_table_credits_each_programme_with_exactly_the_donors_of_the_paper() {
    let donors = Page::open("donors/");
    let badge = selector("a.badge");
    let name = selector("th a[href]");
    let mut table: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in donors.select("main section.donor-index tbody tr") {
        let donor = row.select(&name).next().expect("a donor link in each row");
        let donor = donor.value().attr("href").unwrap().to_string();
        for b in row.select(&badge) {
            let programme = b.value().attr("href").unwrap().to_string();
            table.entry(programme).or_default().insert(donor.clone());
        }
    }
    for (programme, slugs) in DONORS_IN_THE_PAPER {
        let expected: BTreeSet<String> =
            slugs.iter().map(|s| url(&format!("donors/{s}/"))).collect();
        let programme_url = url(&format!("programmes/{programme}/"));
        let credited = table.remove(&programme_url).unwrap_or_default();
        assert_eq!(
            credited, expected,
            "the donors index credits {programme} with other donors than the paper"
        );
        // The programme's own page lists the same donors in its Donors panel.
        let panel: BTreeSet<String> = Page::open(&format!("programmes/{programme}/"))
            .relations_in("main section.panel.programme-donors")
            .into_iter()
            .map(|r| r.href)
            .collect();
        assert_eq!(
            panel, expected,
            "{programme}'s donors panel lists other donors than the paper"
        );
    }
    assert!(table.is_empty(), "badges for unknown programmes: {table:?}");
}

#[test]
fn ipec_partners_are_those_of_paras_6_10_and_17_not_the_bureaux_norway_funds() {
    // Para. 6: the Global March, Education International, the IOE; para. 10: the Bureau of
    // Statistics (SIMPOC); para. 17: area offices, multidisciplinary teams, UNICEF and UNESCO.
    let expected: BTreeSet<String> = [
        "global-march",
        "education-international",
        "ioe",
        "bureau-of-statistics",
        "ilo-area-offices",
        "ilo-multidisciplinary-teams",
        "unicef",
        "unesco",
    ]
    .iter()
    .map(|s| url(&format!("partners/{s}/")))
    .collect();
    let panel: BTreeSet<String> = Page::open("programmes/ipec/")
        .relations_in("main section.panel.programme-partners")
        .into_iter()
        .map(|r| r.href)
        .collect();
    assert_eq!(panel, expected, "IPEC's partners panel");

    // Norway pays for the bureaux' child labour projects apart from IPEC (para. 3): the relation
    // is on Norway's page and the bureaux', and neither bureau carries an IPEC badge.
    let norway = Page::open("donors/norway/");
    let partners = Page::open("partners/");
    let badge = selector("a.badge");
    for bureau in ["partners/actrav/", "partners/act-emp/"] {
        norway.assert_relation(bureau, &["apart from its contribution to IPEC"]);
        Page::open(bureau).assert_relation("donors/norway/", &["apart from its contribution"]);
        let entry = partners
            .select("main section.partner-index li")
            .into_iter()
            .find(|li| {
                li.select(&selector("a"))
                    .next()
                    .and_then(|a| a.value().attr("href"))
                    == Some(url(bureau).as_str())
            })
            .unwrap_or_else(|| panic!("{bureau} is not on the partners index"));
        let programmes: Vec<String> = entry.select(&badge).map(text).collect();
        assert!(
            !programmes.contains(&"IPEC".to_string()),
            "{bureau} carries an IPEC badge on the partners index"
        );
    }
}

#[test]
fn aim_is_the_association_internationale_and_the_papers_alliance_is_its_slip() {
    let aim = Page::open("partners/aim/");
    let title = aim.select("main h1").into_iter().map(text).next();
    assert_eq!(
        title.as_deref(),
        Some("Association Internationale de la Mutualité")
    );
    let also = aim.fact("Also called");
    assert!(
        also.contains("Alliance International de la Mutualité"),
        "{also}"
    );
    // Every link to the page names it by its name or its acronym, never by the paper's slip.
    let target = url("partners/aim/");
    let mut seen = 0;
    for path in all_pages().into_keys() {
        for (href, label) in Page::open(&path).links() {
            if href == target {
                seen += 1;
                assert!(
                    ["AIM", "Association Internationale de la Mutualité"].contains(&label.as_str()),
                    "{path}: a link to AIM labelled {label:?}"
                );
            }
        }
    }
    assert!(seen >= 2, "only {seen} links to AIM");
}

#[test]
fn the_sites_own_static_files_are_published_and_win_over_the_themes() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let theme = crate::support::tree(&repo.join("themes/default/static"));
    let own = crate::support::tree(&repo.join("static"));
    let built = crate::support::tree(real_site());

    // A file at the same path as a theme file wins: the site's favicon, not the theme's.
    assert_ne!(
        theme.get("favicon.svg"),
        own.get("favicon.svg"),
        "the site's favicon must differ from the theme's for this check to mean anything"
    );
    // Every file of static/ is published as it is, whether or not the theme has one there.
    let only_in_static = own.keys().filter(|f| !theme.contains_key(*f)).count();
    assert!(
        only_in_static >= 2,
        "only {only_in_static} files only in static/"
    );
    for (file, bytes) in &own {
        assert!(
            built.get(file) == Some(bytes),
            "static/{file} is not published as it is"
        );
    }

    // The home page offers the paper's text and the card image, and its links lead to them.
    let links: Vec<String> = Page::open("")
        .links()
        .into_iter()
        .map(|(href, _)| href)
        .collect();
    for file in [
        "source/gb274-tc-global-programmes-1999.txt",
        "social-card.png",
    ] {
        assert!(own.contains_key(file), "no static/{file}");
        assert!(
            links.contains(&url(file)),
            "the home page does not link to {file}"
        );
    }
}

/// Row 10 of the STEP table (para. 43, Latin America) names two universities with the label
/// form of wikilinks, `[[University of Heidelberg|Heidelberg]]`, inside a table cell: the row
/// keeps its four cells and both names link to their partner pages.
#[test]
fn the_step_table_links_the_universities_of_row_10_in_their_cell() {
    let page = Page::open("programmes/step/activities-by-region/");
    let td = selector("td");
    let a = selector("a[href]");
    let row = page
        .select("main tbody tr")
        .into_iter()
        .find(|tr| tr.select(&td).next().map(text).as_deref() == Some("10"))
        .expect("row 10 of the STEP table");
    let cells: Vec<String> = row.select(&td).map(text).collect();
    assert_eq!(cells.len(), 4, "{cells:#?}");
    assert!(
        !text(row).contains("[[") && !text(row).contains("]]"),
        "{cells:#?}"
    );
    let links: Vec<(String, String)> = row
        .select(&a)
        .map(|l| (l.value().attr("href").unwrap().to_string(), text(l)))
        .collect();
    for (target, label) in [
        ("partners/university-of-heidelberg/", "Heidelberg"),
        ("partners/university-of-granada/", "Granada"),
    ] {
        assert!(
            links.contains(&(url(target), label.to_string())),
            "row 10 has no link \"{label}\" to {target}: {links:#?}"
        );
    }
    assert_eq!(
        cells[3],
        "ILO Regional Office, PAHO, Universities of Heidelberg and Granada"
    );
}

/// The editors' notes on the paper are the theme's `note` shortcode: one kind of box, whose
/// kind says why (the paper disagrees with itself, text is missing from the copy, a remark).
#[test]
fn the_notes_on_the_source_are_note_shortcodes_with_their_kind() {
    for (lang, title) in [("en", "Note on"), ("fr", "Note sur"), ("es", "Nota sobre")] {
        notes_are_note_shortcodes(lang, title);
    }
}

fn notes_are_note_shortcodes(lang: &str, title_start: &str) {
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for file in all_pages_in(lang).into_values() {
        let source = std::fs::read_to_string(real_site().join(&file)).unwrap();
        assert!(!source.contains("{% note"), "{file} shows a shortcode call");
        let html = Html::parse_document(&source);
        for note in html.select(&selector("div.source-note[role=note]")) {
            let class = note.value().attr("class").unwrap_or_default();
            let kind = class
                .split(' ')
                .find_map(|c| c.strip_prefix("source-note-"))
                .unwrap_or("?");
            let title = note.select(&selector(".source-note-title")).next();
            assert!(
                title.is_some_and(|t| text(t).starts_with(title_start)),
                "{file}"
            );
            *kinds.entry(kind.to_string()).or_default() += 1;
        }
    }
    let expected: BTreeMap<String, usize> = [("gap", 6), ("inconsistency", 4), ("remark", 1)]
        .into_iter()
        .map(|(k, n)| (k.to_string(), n))
        .collect();
    assert_eq!(kinds, expected, "{lang}");
}

/// A site path of the English site (`countries/kenya/`) in language `lang`: under `fr/` or
/// `es/`, with the sections' translated names.
fn in_lang(lang: &str, path: &str) -> String {
    let sections: &[(&str, &str)] = match lang {
        "fr" => &[
            ("countries/", "pays/"),
            ("donors/", "donateurs/"),
            ("partners/", "partenaires/"),
            ("programmes/", "programmes/"),
        ],
        "es" => &[
            ("countries/", "paises/"),
            ("donors/", "donantes/"),
            ("partners/", "socios/"),
            ("programmes/", "programas/"),
        ],
        _ => return path.to_string(),
    };
    let translated = sections
        .iter()
        .find_map(|(en, other)| path.strip_prefix(en).map(|rest| format!("{other}{rest}")))
        .unwrap_or_else(|| path.to_string());
    format!("{lang}/{translated}")
}

/// The words each language's pages use for the facts the issue names.
struct Words {
    lang: &'static str,
    usd_29_5: &'static str,
    usd_8_2: &'static str,
    mou: &'static str,
    mou_1998: &'static str,
}

const WORDS: [Words; 3] = [
    Words {
        lang: "en",
        usd_29_5: "USD 29.5 million",
        usd_8_2: "USD 8.2 million",
        mou: "MOU",
        mou_1998: "MOU signed in 1998",
    },
    Words {
        lang: "fr",
        usd_29_5: "29,5 millions de dollars des États-Unis",
        usd_8_2: "8,2 millions de dollars des États-Unis",
        mou: "protocole d'accord",
        mou_1998: "protocole d'accord signé en 1998",
    },
    Words {
        lang: "es",
        usd_29_5: "29,5 millones de dólares de los Estados Unidos",
        usd_8_2: "8,2 millones de dólares de los Estados Unidos",
        mou: "memorando de entendimiento",
        mou_1998: "memorando de entendimiento firmado en 1998",
    },
];

/// Issue 13: the paper's key facts stand on both ends of their relation in all three
/// languages — typed once, on the English source, and shown in each language's words.
#[test]
fn the_key_facts_show_on_both_ends_in_english_french_and_spanish() {
    for w in &WORDS {
        let at = |path: &str| in_lang(w.lang, path);
        // USD 29.5 million from the United States for 1999.
        Page::open(&at("donors/united-states/"))
            .assert_relation(&at("programmes/ipec/"), &["1999", w.usd_29_5]);
        Page::open(&at("programmes/ipec/"))
            .assert_relation(&at("donors/united-states/"), &[w.usd_29_5]);
        // Kenya's MOU with IPEC.
        Page::open(&at("countries/kenya/")).assert_relation(&at("programmes/ipec/"), &[w.mou]);
        Page::open(&at("programmes/ipec/coverage/"))
            .assert_relation(&at("countries/kenya/"), &[w.mou]);
        // Belgium's 8.2 million for STEP.
        Page::open(&at("donors/belgium/")).assert_relation(&at("programmes/step/"), &[w.usd_8_2]);
        Page::open(&at("programmes/step/")).assert_relation(&at("donors/belgium/"), &[w.usd_8_2]);
        // The five 1998 MOU signatories, on the coverage page and on each country's page.
        let para_2 = ["madagascar", "mali", "paraguay", "south-africa", "uganda"];
        let signed: BTreeSet<String> = Page::open(&at("programmes/ipec/coverage/"))
            .relations_in("main section.panel.references")
            .into_iter()
            .filter(|r| r.text.contains(w.mou_1998))
            .map(|r| r.href)
            .collect();
        let expected: BTreeSet<String> = para_2
            .iter()
            .map(|c| url(&at(&format!("countries/{c}/"))))
            .collect();
        assert_eq!(signed, expected, "{}: the 1998 MOU signatories", w.lang);
        for country in para_2 {
            Page::open(&at(&format!("countries/{country}/")))
                .assert_relation(&at("programmes/ipec/"), &[w.mou_1998]);
        }
    }
}

/// Every page of every language names its language and links to itself in the other two
/// (and the default language's as `x-default`), and each of those links leads to a built page.
#[test]
fn every_page_has_its_language_and_its_two_alternates() {
    let link = selector("link[rel=alternate][hreflang]");
    let mut pages = 0;
    for lang in ["en", "fr", "es"] {
        for (path, file) in all_pages_in(lang) {
            let source = std::fs::read_to_string(real_site().join(&file)).unwrap();
            let html = Html::parse_document(&source);
            // Pages without content of their own: the search and 404 pages, pager redirects.
            if html
                .select(&selector("link[rel=canonical]"))
                .next()
                .is_none()
                || path.contains("/page/")
            {
                continue;
            }
            pages += 1;
            let root = html.select(&selector("html")).next().unwrap();
            assert_eq!(root.value().attr("lang"), Some(lang), "{file}");
            let alternates: BTreeMap<String, String> = html
                .select(&link)
                .map(|l| {
                    let attr = |a| l.value().attr(a).unwrap_or_default().to_string();
                    (attr("hreflang"), attr("href"))
                })
                .collect();
            let langs: Vec<&str> = alternates.keys().map(String::as_str).collect();
            assert_eq!(langs, ["en", "es", "fr", "x-default"], "{file}");
            for href in alternates.values() {
                let local = href
                    .strip_prefix("https://example.org/global-programmes/")
                    .unwrap_or_else(|| panic!("{file}: alternate {href} is not on the site"));
                let target = format!("{local}index.html");
                assert!(
                    real_site().join(&target).is_file(),
                    "{file}: {href} is not built"
                );
            }
        }
    }
    assert_eq!(pages, 3 * 173, "pages checked");
}

/// The world map's tooltips name the site's countries in the page's language.
#[test]
fn the_map_names_the_countries_in_each_language() {
    for (lang, tanzania) in [
        ("en", "United Republic of Tanzania"),
        ("fr", "République-Unie de Tanzanie"),
        ("es", "República Unida de Tanzanía"),
    ] {
        let countries = Page::open(&in_lang(lang, "countries/"));
        let title = countries
            .select("svg.world-map [data-iso='834'] > title")
            .first()
            .map(|t| text(*t));
        assert_eq!(title.as_deref(), Some(tanzania), "{lang}");
    }
}
