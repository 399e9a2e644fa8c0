//! The Global Programmes site as the validators see it: every built page is valid HTML5 for the
//! Nu Html Checker and has no WCAG 2.1 A/AA violation (nor any of axe's best-practice findings)
//! for axe-core in headless Chromium, in the light and the dark colour scheme, the main pages
//! also at 320 px without sideways scrolling; and no page asks another host for anything or
//! throws.
//!
//! The validators come from npm through `.ci/install-validators.sh` (run here when they are
//! missing); a missing tool (Java, npm, Chromium) fails the test with how to install it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::chromium::Chromium;
use crate::support::{page, real_site, TestServer, TestSite, REAL_SITE_PATH};

/// `node_modules` of the validators, installed by `.ci/install-validators.sh` if needed: once
/// per test run (tests run side by side, and two installs at once replace the files a third
/// test is reading: "corrupt jarfile").
fn validators() -> PathBuf {
    static INSTALLED: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    INSTALLED.get_or_init(install_validators).clone()
}

fn install_validators() -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::var_os("WEFT_VALIDATORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("target/validators"));
    let status = Command::new(repo.join(".ci/install-validators.sh"))
        .env("WEFT_VALIDATORS", &dir)
        .status()
        .unwrap_or_else(|e| panic!("cannot run .ci/install-validators.sh: {e}"));
    assert!(
        status.success(),
        ".ci/install-validators.sh failed ({status}): it needs node and npm \
         (`apt-get install -y nodejs npm`) and access to the npm registry"
    );
    dir.join("node_modules")
}

/// Every `.html` file of the built site, as `/`-separated paths relative to its root.
fn html_pages(out: &Path) -> Vec<String> {
    let pages: Vec<String> = crate::support::tree(out)
        .into_keys()
        .filter(|p| p.ends_with(".html"))
        .collect();
    assert!(pages.len() > 100, "too few pages built: {pages:?}");
    pages
}

/// The Nu Html Checker's errors for every HTML file under `dir` (paths relative to it); empty
/// when all are valid.
fn nu_html_errors(dir: &Path) -> String {
    let jar = validators().join("vnu-jar/build/dist/vnu.jar");
    let run = Command::new("java")
        .arg("-jar")
        .arg(&jar)
        .args(["--errors-only", "--skip-non-html"])
        .arg(dir)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run java: {e}; install it with `apt-get install -y default-jre-headless`"
            )
        });
    let report =
        String::from_utf8_lossy(&run.stderr).replace(&format!("file:{}/", dir.display()), "");
    if run.status.success() && report.trim().is_empty() {
        return String::new();
    }
    format!(
        "({}):\n{report}{}",
        run.status,
        String::from_utf8_lossy(&run.stdout)
    )
}

#[test]
fn every_page_is_valid_html5_for_the_nu_html_checker() {
    let errors = nu_html_errors(real_site());
    assert!(
        errors.is_empty(),
        "the Nu Html Checker found errors {errors}"
    );
}

/// Runs axe-core on the page open in `browser` with `options` (a JavaScript object literal);
/// returns one line per violation and node.
fn axe(browser: &mut Chromium, page: &str, scheme: &str, options: &str) -> Vec<String> {
    let violations = browser.eval(&format!(
        "axe.run(document, {options}).then(r => r.violations.map(v => ({{
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.failureSummary.replace(/\\s+/g, ' '))
        }})))"
    ));
    let mut lines = Vec::new();
    for v in violations.as_array().expect("axe returns a list") {
        for node in v["nodes"].as_array().unwrap() {
            lines.push(format!(
                "{page} ({scheme}): {} [{}] {}\n    {}",
                v["id"].as_str().unwrap(),
                v["impact"].as_str().unwrap_or("?"),
                v["help"].as_str().unwrap(),
                node.as_str().unwrap()
            ));
        }
    }
    lines
}

/// The elements of the page open in `browser` that stick out of a 320 px wide screen (none when
/// the page is no wider than that), outside the boxes made to scroll sideways.
fn overflow_at_320(browser: &mut Chromium, page: &str) -> Option<String> {
    // Compared with 320, not `innerWidth`: a phone zooms out to show a page that overflows.
    let wide = browser.eval(
        "document.documentElement.scrollWidth <= 320 ? null : \
         [...document.querySelectorAll('body *')] \
           .filter(e => e.getBoundingClientRect().right > 320 && !e.closest('.table-scroll')) \
           .map(e => `${e.tagName.toLowerCase()}.${e.className} ends at ${e.getBoundingClientRect().right}`) \
           .join(', ')",
    );
    let wide = wide.as_str()?;
    Some(format!("{page} (320 px): wider than the screen: {wide}"))
}

/// axe options: WCAG 2.1 A and AA, plus axe's best practices (ordered headings, unique
/// landmarks, ...).
const WCAG: &str = "{runOnly: {type: 'tag', \
                    values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}, \
                    resultTypes: ['violations']}";
/// axe options: colour contrast only (for the dark scheme).
const CONTRAST: &str =
    "{runOnly: {type: 'rule', values: ['color-contrast']}, resultTypes: ['violations']}";

/// Chromium with axe-core loaded into every document before its own scripts, so each page
/// gets `axe` for free.
fn chromium_with_axe(axe_source: &str) -> Chromium {
    let mut browser = Chromium::launch();
    browser.call(
        "Page.addScriptToEvaluateOnNewDocument",
        serde_json::json!({ "source": axe_source }),
    );
    browser
}

#[test]
fn every_page_passes_axe_core_wcag_2_1_aa_in_light_and_dark_mode_and_stays_on_its_host() {
    let out = real_site();
    let axe_source = std::fs::read_to_string(validators().join("axe-core/axe.min.js"))
        .expect("axe-core/axe.min.js");
    let server = TestServer::static_files(out, REAL_SITE_PATH);
    let origin = server.url("");

    let mut browser = chromium_with_axe(&axe_source);
    let (wcag, contrast) = (WCAG, CONTRAST);

    // A canary first: axe must see what it is asked to see, and the dark scheme must apply.
    browser.navigate(
        "data:text/html,<!DOCTYPE html><html lang=en><title>canary</title>\
         <main><img src=x.png><p style='color:%23777;background:%23888'>faint</p></main>",
    );
    let canary = axe(&mut browser, "canary", "light", wcag).join("\n");
    assert!(
        canary.contains("image-alt") && canary.contains("color-contrast"),
        "axe-core did not flag a missing alt text and a faint text: {canary:?}"
    );
    browser.color_scheme("dark");
    let dark = browser.eval("matchMedia('(prefers-color-scheme: dark)').matches");
    assert_eq!(
        dark,
        serde_json::json!(true),
        "the dark scheme is not emulated"
    );

    browser.viewport(320, 640, true);
    browser.navigate(
        "data:text/html,<!DOCTYPE html><meta name=viewport content='width=device-width'>\
         <title>canary</title><p style='width:400px'>wide</p>",
    );
    assert!(
        overflow_at_320(&mut browser, "canary").is_some_and(|o| o.contains("p. ends at")),
        "a 400 px wide paragraph was not seen sticking out at 320 px"
    );

    // Every page at a desktop's width in both schemes, then narrowed to 320 CSS px, the width
    // WCAG's reflow criterion (1.4.10) asks for: nothing may scroll sideways there but the wide
    // tables in their own scrolling box.
    let mut failures = Vec::new();
    let mut foreign = BTreeSet::new();
    let pages = html_pages(out);
    for page in &pages {
        let url = server.url(&format!("{REAL_SITE_PATH}{page}"));
        browser.viewport(1280, 900, false);
        browser.color_scheme("light");
        browser.navigate(&url);
        failures.extend(axe(&mut browser, page, "light", wcag));
        browser.color_scheme("dark");
        failures.extend(axe(&mut browser, page, "dark", contrast));
        browser.viewport(320, 640, true);
        failures.extend(overflow_at_320(&mut browser, page));

        for request in browser.take_events("Network.requestWillBeSent") {
            let asked = request["params"]["request"]["url"]
                .as_str()
                .unwrap_or_default();
            if !(asked.starts_with(&origin) || asked.starts_with("data:")) {
                foreign.insert(format!("{page}: {asked}"));
            }
        }
        for thrown in browser.take_events("Runtime.exceptionThrown") {
            failures.push(format!(
                "{page}: script exception: {}",
                thrown["params"]["exceptionDetails"]["exception"]["description"]
            ));
        }
    }
    // The pages people reach first, loaded at 320 px too (the layout differs there).
    browser.color_scheme("light");
    browser.viewport(320, 640, true);
    for page in [
        "",
        "programmes/ipec/",
        "countries/",
        "countries/kenya/",
        "donors/",
        "donors/united-states/",
    ] {
        browser.navigate(&server.url(&format!("{REAL_SITE_PATH}{page}")));
        failures.extend(axe(
            &mut browser,
            &format!("{page}index.html"),
            "light, 320 px",
            wcag,
        ));
    }

    assert!(
        failures.is_empty(),
        "axe-core found {} WCAG 2.1 A/AA violations (or scripts failed) on {} pages:\n{}",
        failures.len(),
        pages.len(),
        failures.join("\n")
    );
    assert!(
        foreign.is_empty(),
        "pages asked other hosts for resources:\n{}",
        foreign.into_iter().collect::<Vec<_>>().join("\n")
    );
}

/// Checks every page under `out` with the Nu Html Checker (none may have an error), then serves
/// `out` to a Chromium with axe-core loaded, for a test's own pages and checks.
fn valid_html_then_axe(out: &Path) -> (TestServer, Chromium) {
    let errors = nu_html_errors(out);
    assert!(
        errors.is_empty(),
        "the Nu Html Checker found errors {errors}"
    );
    let axe_source = std::fs::read_to_string(validators().join("axe-core/axe.min.js"))
        .expect("axe-core/axe.min.js");
    (
        TestServer::static_files(out, "/"),
        chromium_with_axe(&axe_source),
    )
}

/// axe-core on the page shown: WCAG 2.1 AA in the light scheme, contrast in the dark one.
fn axe_light_and_dark(browser: &mut Chromium, page: &str) -> Vec<String> {
    browser.color_scheme("light");
    let mut failures = axe(browser, page, "light", WCAG);
    browser.color_scheme("dark");
    failures.extend(axe(browser, page, "dark", CONTRAST));
    failures
}

/// Footnotes as the default theme shows them (prefixed ids, back-links with an accessible
/// label, the highlighted note a link leads to): valid HTML, and no axe finding in either
/// colour scheme, with the page scrolled to a note and to a reference.
#[test]
fn a_page_with_footnotes_passes_both_validators() {
    let site = TestSite::new()
        .file(
            "content/_index.md",
            page("Home", "", "Read [the notes](@/notes.md).\n"),
        )
        .file(
            "content/notes.md",
            page(
                "Notes",
                "",
                "## 1\n\nIPEC began in 1992[^1] with one donor[^donor]; see note 1[^1] again.\n\n\
                 [^1]: Para. 3 of the paper.\n\n    A second paragraph.\n\
                 [^donor]: - Germany\n",
            ),
        );
    site.build();
    let out = site.path("public");
    let (server, mut browser) = valid_html_then_axe(&out);
    let mut failures = Vec::new();
    browser.navigate(&server.url("/notes/"));
    for target in ["", "fn-1", "fnref-1-2"] {
        // A fragment within the page: no load event, the target is highlighted at once.
        browser.eval(&format!("location.hash = '{target}'"));
        let page = format!("notes/#{target}");
        failures.extend(axe_light_and_dark(&mut browser, &page));
    }
    let back_links = browser.eval(
        "[...document.querySelectorAll('.footnote-backref')].map(a => a.getAttribute('aria-label') + ' -> ' + a.hash).join(', ')",
    );
    assert_eq!(
        back_links,
        serde_json::json!(
            "Back to reference 1 -> #fnref-1, Back to reference 1 (2) -> #fnref-1-2, \
             Back to reference 2 -> #fnref-donor"
        )
    );
    assert!(
        failures.is_empty(),
        "axe-core found:\n{}",
        failures.join("\n")
    );
}

/// Highlighted code in each language the build highlights (with line numbers and marked lines)
/// and the theme's `note` shortcode: valid HTML, and every token's colour passes axe's contrast
/// check in both colour schemes.
#[test]
fn highlighted_code_and_notes_pass_both_validators() {
    let blocks = [
        ("rust,linenos,hl_lines=2", "/// Docs.\nfn main() {\n    let s = \"x\"; // note\n    println!(\"{s} {}\", 1 + 2);\n}\n"),
        ("toml", "[collections.countries]\ntitle = \"T\" # c\nweight = 3\nok = true\n"),
        ("json", "{\"a\": [1, 2.5, null, true], \"b\": \"s\"}\n"),
        ("bash,hl_lines=1", "# comment\nweft build --base-url \"$URL\" && echo ok | grep -c o\n"),
        ("html", "<!-- c -->\n<p class=\"x\">Hi &amp; <b>bye</b></p>\n<style>p { color: red; }</style>\n<script>let a = 1;</script>\n"),
        ("css", "@media (prefers-color-scheme: dark) {\n  .a:hover > b { color: #fff; margin: 0 1px; }\n}\n"),
        ("javascript", "// c\nconst f = async (a) => { return `t${a}` + /re/g.test('x'); };\nclass A extends B {}\n"),
        ("python", "@dataclass\nclass A:\n    \"\"\"Doc.\"\"\"\n    def f(self, x: int = 3) -> None:\n        return None  # c\n"),
        ("yaml", "key: value # c\nlist:\n  - 1\n  - \"two\"\n  - true\n"),
        ("markdown", "# Title\n\n*em* **strong** [link](https://x.org) `code`\n"),
        ("klingon", "Qapla'\n"),
    ];
    let mut body = String::from(
        "{% note(kind=\"inconsistency\") %}\nParagraph 44 and paragraph 38 differ.\n{% end %}\n\n",
    );
    for (info, code) in blocks {
        body.push_str(&format!("```{info}\n{code}```\n\n"));
    }
    let site = TestSite::new()
        .file(
            "content/_index.md",
            page("Home", "", "Read [the code](@/code.md).\n"),
        )
        .file("content/code.md", page("Code", "", &body));
    site.build();
    let out = site.path("public");
    assert!(site.read("code/index.html").contains("hl-keyword"));
    let (server, mut browser) = valid_html_then_axe(&out);
    browser.navigate(&server.url("/code/"));
    let failures = axe_light_and_dark(&mut browser, "code/");
    assert!(
        failures.is_empty(),
        "axe-core found:\n{}",
        failures.join("\n")
    );
}

/// A paginated listing as the default theme shows it (numbers near the current page, gaps,
/// previous and next): valid HTML, and no axe finding in either colour scheme, on the first,
/// a middle and the last listing page.
#[test]
fn paginated_listings_pass_both_validators() {
    let mut site = TestSite::new()
        .file(
            "site.toml",
            "title = \"T\"\nbase_url = \"https://example.org/\"\n",
        )
        .file(
            "content/news/_index.md",
            page("News", "paginate_by = 2\n", ""),
        );
    for i in 0..15 {
        site = site.file(
            &format!("content/news/n{i:02}.md"),
            page(&format!("Item {i}"), &format!("weight = {i}\n"), ""),
        );
    }
    site.build();
    let out = site.path("public");
    let (server, mut browser) = valid_html_then_axe(&out);
    let mut failures = Vec::new();
    for path in ["news/", "news/page/4/", "news/page/8/"] {
        browser.navigate(&server.url(&format!("/{path}")));
        failures.extend(axe_light_and_dark(&mut browser, path));
    }
    let numbers = browser.eval(
        "[...document.querySelectorAll('.pagination li')].map(li => li.textContent.trim()).join(' ')",
    );
    assert_eq!(
        numbers,
        serde_json::json!("Previous page Page 1 … Page 6 Page 7 8")
    );
    assert!(
        failures.is_empty(),
        "axe-core found:\n{}",
        failures.join("\n")
    );
}

/// The default theme's multilingual parts (language switcher, the notices of an untranslated
/// and a stale page, text marked in the default language), rendered with the context the core
/// gives a French page: valid HTML, and no axe finding in either colour scheme.
#[test]
fn the_language_switcher_and_translation_notices_pass_both_validators() {
    let out = tempfile::tempdir().unwrap();
    let theme = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/static");
    std::fs::create_dir_all(out.path().join("css")).unwrap();
    std::fs::copy(theme.join("css/site.css"), out.path().join("css/site.css")).unwrap();
    std::fs::copy(theme.join("favicon.svg"), out.path().join("favicon.svg")).unwrap();
    let pages = [
        ("translated", (false, false)),
        ("untranslated", (true, false)),
        ("stale", (false, true)),
    ];
    for (name, (untranslated, stale)) in pages {
        let html = crate::ui_strings::multilingual_page(untranslated, stale);
        std::fs::create_dir_all(out.path().join(name)).unwrap();
        std::fs::write(out.path().join(name).join("index.html"), html).unwrap();
    }
    let (server, mut browser) = valid_html_then_axe(out.path());
    let mut failures = Vec::new();
    for (name, _) in pages {
        browser.navigate(&server.url(&format!("/{name}/")));
        failures.extend(axe_light_and_dark(&mut browser, name));
    }
    assert!(
        failures.is_empty(),
        "axe-core found:\n{}",
        failures.join("\n")
    );
}
