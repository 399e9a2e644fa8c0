//! Data files (`data/*.toml`, `*.json`, `*.csv`) as `data.NAME` in templates: what templates
//! read, every error (whole message), the link rule, and `weft serve` rebuilding on a change.

use std::collections::BTreeSet;
use std::path::Path;

use weft::session::Session;
use weft::watch::{classify, ChangeKind, ChangeSet};
use weft::Options;

use crate::support::{assert_text, page, TestSite};

/// A site whose page template shows a CSV table and a TOML value.
fn data_site(template: &str) -> TestSite {
    TestSite::new()
        .file("content/_index.md", page("Home", "", ""))
        .file("templates/index.html", template)
        .file(
            "data/donors.csv",
            "donor,amount_usd\nBelgium,8200000\n\"United States\",29500000\n",
        )
        .file(
            "data/chart.toml",
            "title = \"Stated contributions\"\nmax = 30\n",
        )
        .file("data/years.json", "[1998, 1999]")
}

#[test]
fn templates_read_csv_records_toml_tables_and_json_values() {
    let site = data_site(
        "<h1>{{ data.chart.title }}</h1>{% for d in data.donors %}<p>{{ d.donor }}: {{ d.amount_usd|int|thousands }}</p>{% endfor %}{{ data.years|join('–') }} {{ 'chart' in data }} {{ 'nope' in data }}\n",
    );
    site.build();
    assert_eq!(
        site.read("index.html"),
        "<h1>Stated contributions</h1><p>Belgium: 8,200,000</p><p>United States: 29,500,000</p>1998–1999 True False\n"
    );
}

#[test]
fn a_missing_data_file_is_a_template_error_with_did_you_mean() {
    let site = data_site("<h1>Home</h1>\n{{ data.donrs|length }}\n");
    assert_text(
        &site.build_err(),
        r#"error: template error in index.html: there is no data file "donrs" (data/donrs.toml, .json or .csv); did you mean data.donors?
 --> templates/index.html:2:4
  |
2 | {{ data.donrs|length }}
  |    ^^^^^^^^^^ undefined value
  |

error: build failed with 1 error
"#,
        "missing data file",
    );
}

#[test]
fn a_missing_column_is_a_template_error_with_did_you_mean() {
    let site = data_site("{% for d in data.donors %}\n{{ d.amount }}\n{% endfor %}\n");
    assert_text(
        &site.build_err(),
        r#"error: template error in index.html: a row of data.donors has no column "amount"; did you mean "amount_usd"?
 --> templates/index.html:2:4
  |
2 | {{ d.amount }}
  |    ^^^^^^^^ undefined value
  |

error: build failed with 1 error
"#,
        "missing column",
    );
}

#[test]
fn parse_errors_of_every_format_are_located_and_reported_together() {
    let site = TestSite::new()
        .file("content/_index.md", page("Home", "", ""))
        .file("data/a.toml", "title = \"A\"\nmax = \n")
        .file("data/b.json", "{\n  \"rows\": [1, 2,]\n}\n")
        .file("data/c.csv", "donor,amount\nBelgium,1,2\n")
        .file("data/d.yaml", "a: 1\n");
    assert_text(
        &site.build_err(),
        r#"error: invalid data file data/a.toml
 --> data/a.toml:2:7
  |
2 | max = 
  |       ^ string values must be quoted, expected literal string
  |

error: invalid data file data/b.json
 --> data/b.json:2:17
  |
2 |   "rows": [1, 2,]
  |                 ^ trailing comma
  |

error: invalid data file data/c.csv
 --> data/c.csv:2:1
  |
2 | Belgium,1,2
  | ^ this row has 3 cells; the header row has 2
  |

error: data/d.yaml is not a data file weft reads
--> data/d.yaml
 = help: data/ holds TOML (.toml), JSON (.json) and CSV (.csv) files; move anything else out of it

error: build failed with 4 errors
"#,
        "data parse errors",
    );
}

#[test]
fn a_data_file_linked_from_outside_the_site_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.toml");
    std::fs::write(&secret, "token = \"s3cret\"\n").unwrap();
    let site = TestSite::new()
        .file("content/_index.md", page("Home", "", ""))
        .symlink("data/secret.toml", secret.to_str().unwrap());
    let err = site.build_err();
    assert!(
        err.starts_with(&format!(
            "error: data/secret.toml is a symbolic link outside the site's folder (to {}), so weft will not publish it\n--> data/secret.toml\n",
            secret.display()
        )),
        "{err}"
    );
}

#[test]
fn changes_under_data_are_classified_as_data() {
    let root = Path::new("/site");
    assert_eq!(
        classify(root, Path::new("/site/data/donors.csv")),
        Some(ChangeKind::Data)
    );
    assert_eq!(
        classify(root, Path::new("/site/data/.donors.csv.swp")),
        None
    );
    let mut set = ChangeSet::default();
    set.add(
        root,
        &notify_kind(),
        &[Path::new("/site/data/donors.csv").to_path_buf()],
    );
    assert!(set.data && set.needs_build() && !set.is_css_only());
}

fn notify_kind() -> notify_debouncer_full::notify::EventKind {
    notify_debouncer_full::notify::EventKind::Modify(
        notify_debouncer_full::notify::event::ModifyKind::Any,
    )
}

#[test]
fn weft_serve_rebuilds_with_the_new_data_and_reports_a_bad_file() {
    let site =
        data_site("{% for d in data.donors %}{{ d.donor }}={{ d.amount_usd }};{% endfor %}\n");
    let options = Options {
        serve: true,
        ..Options::default()
    };
    let mut session = Session::open(site.root(), options);
    session.rebuild_all().unwrap();
    session.warm();
    let home =
        |s: &Session| String::from_utf8(s.snapshot().outputs["index.html"].to_vec()).unwrap();
    assert_eq!(home(&session), "Belgium=8200000;United States=29500000;\n");
    let data_changed = ChangeSet {
        data: true,
        ..ChangeSet::default()
    };
    site.write("data/donors.csv", "donor,amount_usd\nBelgium,8300000\n");
    let update = session.apply(&data_changed, &mut |_, _| {}).unwrap();
    assert_eq!(update.changed, ["index.html"]);
    assert_eq!(home(&session), "Belgium=8300000;\n");
    // A page edit after the data change takes the fast path with the new data, not the old.
    site.write("content/_index.md", page("Home again", "", ""));
    let edit = ChangeSet {
        content: BTreeSet::from(["_index.md".to_string()]),
        ..ChangeSet::default()
    };
    session.apply(&edit, &mut |_, _| {}).unwrap();
    assert_eq!(home(&session), "Belgium=8300000;\n");
    // A broken file fails the rebuild; the last good site is kept.
    site.write("data/donors.csv", "donor,amount_usd\nBelgium\n");
    let errors = session.apply(&data_changed, &mut |_, _| {}).unwrap_err();
    assert_eq!(
        errors.0[0].message,
        "invalid data file data/donors.csv",
        "{}",
        errors.render(false)
    );
    assert_eq!(home(&session), "Belgium=8300000;\n");
}

/// The contribution figures of the Global Programmes site are typed once, in
/// data/contributions.csv; the donors chart and table, the donor's page and the programme read
/// them from there, and the pages that cite them state the same figure in words.
#[test]
fn the_sites_contribution_figures_are_typed_once_and_agree_with_the_pages_citing_them() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut rows = csv::Reader::from_path(root.join("data/contributions.csv")).unwrap();
    let out = crate::support::real_site();
    let read = |p: &Path| std::fs::read_to_string(p).unwrap();
    let every_page: Vec<String> = walkdir::WalkDir::new(root.join("content"))
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| read(e.path()))
        .collect();
    let mut seen = 0;
    for row in rows.deserialize::<(String, String, u64)>() {
        let (source, donor, amount) = row.unwrap();
        seen += 1;
        let cited = read(&root.join("content").join(&source));
        let donor_text = read(&root.join("content").join(&donor));
        let title = donor_text
            .lines()
            .find_map(|l| l.strip_prefix("title = \""))
            .and_then(|t| t.strip_suffix('"'))
            .unwrap_or_else(|| panic!("no title in {donor}"));
        // The citing page names the donor in its references and states the figure in words.
        assert!(
            cited.contains(&format!("{{ ref = \"{title}\"")),
            "{source} does not reference {title}"
        );
        let millions = format!("${} million", amount as f64 / 1_000_000.0);
        assert!(
            cited.contains(&millions),
            "{source} does not say {millions}"
        );
        // Typed once: no page carries the figure as a number.
        let digits = amount.to_string();
        let underscored = thousands(&digits, '_');
        for text in &every_page {
            assert!(
                !text.contains(&digits) && !text.contains(&underscored),
                "{amount} is typed in a page as well as in data/contributions.csv"
            );
        }
        // The chart, the donors table and the donor's own page all show it.
        let index = read(&out.join("donors/index.html"));
        let slug = donor.trim_start_matches("donors/").trim_end_matches(".md");
        let donor_page = read(&out.join(format!("donors/{slug}/index.html")));
        let value = format!("<data value=\"{amount}\">");
        assert!(donor_page.contains(&value), "{slug}'s page lacks {value}");
        assert!(index.contains(&value), "the donors table lacks {value}");
        let words = millions.replace('$', "USD ");
        assert!(
            index.contains(&format!(">{title}</text>"))
                && index.contains(&format!("\">{words}</text>")),
            "the donors chart has no bar {title}: {words}"
        );
    }
    assert_eq!(seen, 2, "the paper states two contribution figures");
    // The home page draws the donors index's chart (the shortcode donor_chart, in every
    // language): the same drawing from the same figures, under its own ids.
    for (home, donors) in [
        ("index.html", "donors/index.html"),
        ("fr/index.html", "fr/donateurs/index.html"),
        ("es/index.html", "es/donantes/index.html"),
    ] {
        let chart = |path: &str| {
            let html = scraper::Html::parse_document(&read(&out.join(path)));
            let svg = scraper::Selector::parse("svg.bar-chart").unwrap();
            let charts: Vec<String> = html.select(&svg).map(|e| e.html()).collect();
            assert_eq!(charts.len(), 1, "{path} has one chart");
            charts[0].clone()
        };
        assert_eq!(
            chart(home).replace("donor-chart-1-", "weft-chart-"),
            chart(donors),
            "the chart of {home} is not the one of {donors}"
        );
    }
}

/// The table of para. 43 (STEP's activities by region) is typed once, in
/// data/step_activities.toml: one row each, with its number, region and cells in English,
/// French and Spanish. The shortcode step_table writes a region's rows as Markdown, so every
/// link in a cell is a link of the built page in that language, and the page it leads to
/// lists the activities page among its backlinks, as when the table was typed in the page.
#[test]
fn the_step_table_of_para_43_is_typed_once_and_its_links_are_references() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("data/step_activities.toml")).unwrap();
    let table: toml::Table = toml::from_str(&text).unwrap();
    let rows = table["rows"].as_array().unwrap();
    let numbers: Vec<i64> = rows.iter().map(|r| r["n"].as_integer().unwrap()).collect();
    assert_eq!(
        numbers,
        (1..=25).collect::<Vec<_>>(),
        "rows 1 to 25, in order"
    );
    // The page's front matter states each place a row names, with its relation: the table
    // and the references agree.
    let front =
        std::fs::read_to_string(root.join("content/programmes/step/activities-by-region.md"))
            .unwrap();
    for row in rows {
        let place = row["en"]["where"].as_str().unwrap();
        for name in place
            .split("[[")
            .skip(1)
            .map(|l| l.split([']', '|']).next().unwrap())
        {
            assert!(
                front.contains(&format!("{{ ref = \"{name}\"")),
                "row {} names {name}, which the page's front matter does not reference",
                row["n"]
            );
        }
    }
    let out = crate::support::real_site();
    let base = "/global-programmes/";
    for (lang, page) in [
        ("en", "programmes/step/activities-by-region/index.html"),
        ("fr", "fr/programmes/step/activities-by-region/index.html"),
        ("es", "es/programas/step/activities-by-region/index.html"),
    ] {
        // Typed once: the page itself holds no table row.
        let source = match lang {
            "en" => "content/programmes/step/activities-by-region.md".to_string(),
            _ => format!("content/programmes/step/activities-by-region.{lang}.md"),
        };
        let written = std::fs::read_to_string(root.join(&source)).unwrap();
        assert!(!written.contains("|---|"), "{source} types a table");
        let html = std::fs::read_to_string(out.join(page)).unwrap();
        let doc = scraper::Html::parse_document(&html);
        let select = |s: &str| scraper::Selector::parse(s).unwrap();
        let shown: Vec<String> = doc
            .select(&select(".content table tbody tr td:first-child"))
            .map(|td| td.text().collect())
            .collect();
        let expected: Vec<String> = numbers.iter().map(i64::to_string).collect();
        assert_eq!(shown, expected, "{page} shows rows 1 to 25");
        // As many links in the tables as the rows' cells write in this language.
        let cells: String = rows
            .iter()
            .flat_map(|r| ["where", "activity", "partners"].map(|c| r[lang][c].as_str().unwrap()))
            .collect();
        let written_links = cells.matches("[[").count() + cells.matches("](@/").count();
        let links: Vec<String> = doc
            .select(&select(".content table a"))
            .map(|a| a.value().attr("href").unwrap().to_string())
            .collect();
        assert_eq!(
            links.len(),
            written_links,
            "{page}: a link per link written"
        );
        // Each is a reference: the page it leads to lists this one among its backlinks.
        let url = format!("{base}{}", page.trim_end_matches("index.html"));
        for link in &links {
            let target = link.strip_prefix(base).unwrap().split('#').next().unwrap();
            let target_html = std::fs::read_to_string(out.join(target).join("index.html")).unwrap();
            let panel = target_html
                .split("class=\"panel backlinks")
                .nth(1)
                .unwrap_or_else(|| panic!("{target} has no backlinks panel"));
            assert!(
                panel.contains(&format!("href=\"{url}")),
                "{target} does not list {url} among its backlinks"
            );
        }
    }
}

fn thousands(digits: &str, separator: char) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(c);
    }
    out
}
