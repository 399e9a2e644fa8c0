//! Shortcodes and highlighted code, through `weft build`: a call keeps its place in the
//! Markdown (list item, blockquote, no stray `<p>`), code is never expanded, a Markdown body
//! resolves its links, and each mistake is a located error (the whole message asserted).
//! Then fenced code: classes, line numbers and marked lines, and an unknown language as a
//! warning that `weft build` and `weft check` both report.

use crate::support::{assert_text, between, page, TestSite};

const NOTE: &str = "{#- shortcode\nbody = \"markdown\"\noptional = [\"title\"]\n-#}\n\
<aside class=\"note note-{{ kind }}\">{% if title %}<b>{{ title }}</b>{% endif %}{{ body }}</aside>\n";
const BADGE: &str = "<span class=\"badge\">{{ text }}</span>\n";
const RAW: &str = "{# shortcode\nbody = \"raw\"\n#}\n<pre class=\"raw\">{{ body }}</pre>\n";

/// A site with countries (Kenya) and the shortcodes `note`, `badge` and `raw`.
fn site(body: &str) -> TestSite {
    TestSite::new()
        .file(
            "site.toml",
            "title = \"T\"\nbase_url = \"/\"\n[collections.countries]\n",
        )
        .file("content/countries/_index.md", page("Countries", "", ""))
        .file("content/countries/kenya.md", page("Kenya", "", ""))
        .file("templates/shortcodes/note.html", NOTE)
        .file("templates/shortcodes/badge.html", BADGE)
        .file("templates/shortcodes/raw.html", RAW)
        .file("content/a.md", page("A", "", body))
}

fn content(site: &TestSite) -> String {
    let html = site.read("a/index.html");
    between(&html, "<div class=\"content\">", "</div>")
        .trim()
        .to_string()
}

#[test]
fn a_call_keeps_its_place_and_code_is_never_expanded() {
    let site = site(
        "Intro {{ badge(text=\"new\") }} and `{{ badge(text=\"code\") }}`, \\{{ badge() }}.\n\n\
         {{ badge(text=\"alone\") }}\n\n\
         - item {{ badge(text='in a list') }}\n\
         - {% note(kind=\"x\") %}\n  in an *item*\n  {% end %}\n\n\
         > {% note(kind=\"gap\", title=\"On the source\") %}\n\
         > The list of [[Kenya]] is missing.\n\
         >\n\
         > {% end %}\n\n\
         ```\n{{ badge(text=\"fenced\") }}\n```\n\n\
         \x20   {{ badge(text=\"indented\") }}\n",
    );
    site.build();
    assert_text(
        &content(&site),
        "<p>Intro <span class=\"badge\">new</span> and <code>{{ badge(text=\"code\") }}</code>, {{ badge() }}.</p>\n\
         <span class=\"badge\">alone</span>\n\
         <ul>\n\
         <li>item <span class=\"badge\">in a list</span></li>\n\
         <li><aside class=\"note note-x\"><p>in an <em>item</em></p>\n</aside>\n</li>\n\
         </ul>\n\
         <blockquote>\n\
         <aside class=\"note note-gap\"><b>On the source</b><p>The list of <a href=\"/countries/kenya/\">Kenya</a> is missing.</p>\n</aside>\n\
         </blockquote>\n\
         <pre class=\"code\" tabindex=\"0\"><code>{{ badge(text=&quot;fenced&quot;) }}\n</code></pre>\n\
         <pre><code>{{ badge(text=\"indented\") }}\n</code></pre>",
        "expanded shortcodes",
    );
    // The wikilink in the body is a reference like any other: Kenya lists the page.
    assert!(site
        .read("countries/kenya/index.html")
        .contains("href=\"/a/\""));
}

#[test]
fn a_raw_body_is_given_as_written_and_escaped() {
    let site = site("{% raw() %}\n<b>*x*</b> [[Nowhere]]\n{% end %}\n");
    site.build();
    assert_text(
        &content(&site),
        "<pre class=\"raw\">&lt;b&gt;*x*&lt;/b&gt; [[Nowhere]]</pre>",
        "raw body",
    );
}

#[test]
fn an_unknown_shortcode_suggests_the_nearest_name() {
    let site = site("Text.\n\n{{ bagde(text=\"x\") }}\n");
    assert_text(
        &site.build_err(),
        r#"error: unknown shortcode `bagde`
 --> content/a.md:6:4
  |
6 | {{ bagde(text="x") }}
  |    ^^^^^ did you mean `badge`?
  |
  = help: a shortcode is a template templates/shortcodes/NAME.html; this site has: badge, donor_chart, note, raw

error: build failed with 1 error
"#,
        "unknown shortcode",
    );
}

#[test]
fn an_unknown_or_missing_argument_names_the_template_arguments() {
    let site = site("{{ badge(txet=\"x\") }}\n\n{% note(title=\"t\") %}\nBody.\n{% end %}\n");
    assert_text(
        &site.build_err(),
        r#"error: unknown argument `txet` of shortcode `badge`
 --> content/a.md:4:10
  |
4 | {{ badge(txet="x") }}
  |          ^^^^ did you mean `text`?
  |
  = help: shortcode `badge` takes: text

error: shortcode `note` needs the argument `kind`
 --> content/a.md:6:1
  |
6 | {% note(title="t") %}
  | ^^^^^^^^^^^^^^^^^^^^^ missing kind
  |
  = help: pass it: note(kind=...), or list it in the template's header: {# shortcode optional = ["kind"] #}

error: build failed with 2 errors
"#,
        "arguments",
    );
}

#[test]
fn an_unclosed_body_points_at_its_opening_tag() {
    let site = site("Text.\n\n{% note(kind=\"x\") %}\nBody.\n\n```\n{% end %}\n```\n");
    assert_text(
        &site.build_err(),
        r#"error: the body of shortcode `note` is not closed
 --> content/a.md:6:1
  |
6 | {% note(kind="x") %}
  | ^^^^^^^^^^^^^^^^^^^^ opened here
  |
  = help: end the body with {% end %} on a line of its own

error: build failed with 1 error
"#,
        "unclosed body",
    );
}

#[test]
fn a_template_error_points_at_the_call_and_the_template_line() {
    let site = site("Text.\n\n{{ broken(n=1) }}\n").file(
        "templates/shortcodes/broken.html",
        "<span>\n{{ n | nosuchfilter }}</span>\n",
    );
    assert_text(
        &site.build_err(),
        r#"error: shortcode `broken` failed: filter nosuchfilter is unknown
 --> content/a.md:6:1
  |
6 | {{ broken(n=1) }}
  | ^^^^^^^^^^^^^^^^^ in this call
  |
 ::: templates/shortcodes/broken.html:2:8
  |
2 | {{ n | nosuchfilter }}</span>
  |        ^^^^^^^^^^^^ unknown filter
  |

error: build failed with 1 error
"#,
        "template error",
    );
}

#[test]
fn a_bad_header_is_located_in_the_template() {
    let site = site("{{ badge(text=\"x\") }}\n").file(
        "templates/shortcodes/odd.html",
        "{# shortcode\nbody = \"html\"\n#}\nx\n",
    );
    assert_text(
        &site.build_err(),
        r#"error: bad shortcode header: unknown variant `html`, expected one of `none`, `markdown`, `raw`
 --> templates/shortcodes/odd.html:2:8
  |
2 | body = "html"
  |        ^^^^^^
  |
  = help: a shortcode template may start with a comment `{# shortcode` followed by TOML lines: `body = "markdown"` (or "raw"), `optional = ["name"]`, `output = "markdown"`, `late = true`, then `#}`

error: build failed with 1 error
"#,
        "bad header",
    );
}

#[test]
fn fenced_code_is_highlighted_with_line_numbers_and_marked_lines() {
    let site = site("```toml,linenos,hl_lines=2\na = 1\nb = \"x\"\n```\n");
    site.build();
    assert_text(
        &content(&site),
        "<pre class=\"code linenos\" tabindex=\"0\" data-lang=\"toml\"><code class=\"language-toml\">\
         <span class=\"line\"><span class=\"hl-property\">a</span> <span class=\"hl-operator\">=</span> <span class=\"hl-number\">1</span>\n</span>\
         <span class=\"line hl\"><span class=\"hl-property\">b</span> <span class=\"hl-operator\">=</span> <span class=\"hl-string\">&quot;x&quot;</span></span>\
         </code></pre>",
        "highlighted toml",
    );
}

#[test]
fn an_unknown_language_is_a_warning_and_the_block_is_shown() {
    let site = site("Text.\n\n```klingon\nQapla'\n```\n");
    let run = site.build();
    let warning = r#"warning: no highlighting for the language `klingon`
 --> content/a.md:6:1
  |
6 | ```klingon
  | ---------- shown as plain text
  |
  = help: languages weft highlights: bash, css, html, javascript, json, markdown, python, rust, toml, yaml
"#;
    assert!(run.stderr.starts_with(warning), "{}", run.stderr);
    assert!(content(&site).contains("<code class=\"language-klingon\">Qapla'\n</code>"));
    let check = site.weft(&["check"]);
    assert_eq!(check.code, Some(0), "{}", check.stderr);
    assert!(check.stderr.contains(warning), "{}", check.stderr);
}

#[test]
fn an_end_tag_continuing_a_list_item_is_at_another_level() {
    let site = site("{% note(kind=\"x\") %}\n- one\n{% end %}\n");
    assert_text(
        &site.build_err(),
        r#"error: the call of shortcode `note` and its `{% end %}` must be at the same level (both in the same list item or blockquote)
 --> content/a.md:4:1
  |
4 | {% note(kind="x") %}
  | ^^^^^^^^^^^^^^^^^^^^ here
  |
  = help: a line right after a list item continues that item: leave a blank line before `{% end %}`

error: build failed with 1 error
"#,
        "end tag in a list item",
    );
}

/// A late shortcode: the countries' backlinks, the calling page's title and the call's number.
const REACH: &str = "{# shortcode\nlate = true\n-#}\n<p class=\"reach\">{% for c in collections.countries %}{{ c.title }}: {% for i in c.backlink_items %}{{ i.source.title }} {% endfor %}{% endfor %}on {{ page.title }}, {{ lang }}, call {{ nth }}</p>\n";
/// A shortcode writing Markdown: a table of wikilinks to the `names` given.
const NAMES: &str = "{# shortcode\noutput = \"markdown\"\n-#}\n| Country | Note |\n|---|---|\n{% for n in names %}| [[{{ n }}]] | {{ note }} |\n{% endfor %}";

#[test]
fn a_late_shortcode_sees_the_backlinks_of_the_whole_site() {
    let site = site("Before.\n\n{{ reach() }}\n\nBetween {{ reach() }} words.\n")
        .file("templates/shortcodes/reach.html", REACH)
        .file("content/b.md", page("B", "", "About [[Kenya]].\n"));
    site.build();
    // Kenya's backlink from B is made after the Markdown is rendered: a late call sees it,
    // and each call knows its number on the page (ids stay unique).
    assert_text(
        &content(&site),
        "<p>Before.</p>\n\
         <p class=\"reach\">Kenya: B on A, en, call 1</p>\n\
         <p>Between <p class=\"reach\">Kenya: B on A, en, call 2</p> words.</p>",
        "late calls",
    );
}

#[test]
fn a_late_shortcode_error_points_at_the_call_and_the_template_line() {
    let site = site("Text.\n\n{{ late_broken() }}\n").file(
        "templates/shortcodes/late_broken.html",
        "{# shortcode\nlate = true\n#}\n<p>{{ page.title | nosuchfilter }}</p>\n",
    );
    assert_text(
        &site.build_err(),
        r#"error: shortcode `late_broken` failed: filter nosuchfilter is unknown
 --> content/a.md:6:1
  |
6 | {{ late_broken() }}
  | ^^^^^^^^^^^^^^^^^^^ in this call
  |
 ::: templates/shortcodes/late_broken.html:4:20
  |
4 | <p>{{ page.title | nosuchfilter }}</p>
  |                    ^^^^^^^^^^^^ unknown filter
  |

error: build failed with 1 error
"#,
        "late template error",
    );
}

#[test]
fn a_late_shortcode_takes_no_body_and_writes_html() {
    let site = site("x\n").file(
        "templates/shortcodes/odd.html",
        "{# shortcode\nbody = \"markdown\"\nlate = true\n#}\nx\n",
    );
    assert_text(
        &site.build_err(),
        r#"error: bad shortcode header: a late shortcode takes no body and writes HTML
 --> templates/shortcodes/odd.html:3:1
  |
3 | late = true
  | ^^^^
  |
  = help: a shortcode template may start with a comment `{# shortcode` followed by TOML lines: `body = "markdown"` (or "raw"), `optional = ["name"]`, `output = "markdown"`, `late = true`, then `#}`

error: build failed with 1 error
"#,
        "late with a body",
    );
}

#[test]
fn markdown_written_by_a_shortcode_is_the_pages_own() {
    let site = site("{{ names(names=[\"Kenya\"], note=\"Côte d'Ivoire & \\\"co\\\"\") }}\n")
        .file("templates/shortcodes/names.html", NAMES);
    site.build();
    // Not escaped as HTML by the template (Markdown escapes what it shows), and parsed in place.
    assert_text(
        &content(&site),
        "<div class=\"table-scroll\" tabindex=\"0\" role=\"group\" aria-label=\"Table (scrolls sideways)\"><table><thead><tr><th>Country</th><th>Note</th></tr></thead><tbody>\n\
         <tr><td><a href=\"/countries/kenya/\">Kenya</a></td><td>Côte d’Ivoire &amp; “co”</td></tr>\n\
         </tbody></table>",
        "written Markdown",
    );
    // The wikilink it wrote is a reference of the page: Kenya lists it.
    let kenya = site.read("countries/kenya/index.html");
    assert!(kenya.contains("href=\"/a/\""), "no backlink on Kenya");
}

#[test]
fn a_broken_link_in_written_markdown_points_at_the_call() {
    let site = site("Text.\n\n{{ names(names=[\"Keyna\"], note=\"x\") }}\n\nSome {{ names(names=[], note=\"\") }} inline.\n")
        .file("templates/shortcodes/names.html", NAMES);
    assert_text(
        &site.build_err(),
        r#"error: unknown link target [[Keyna]]
 --> content/a.md:6:1
  |
6 | {{ names(names=["Keyna"], note="x") }}
  | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ did you mean [[Kenya]]?
  |

error: the call of shortcode `names` writes Markdown blocks: it must be a paragraph of its own (blank lines around it)
 --> content/a.md:8:6
  |
8 | Some {{ names(names=[], note="") }} inline.
  |      ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ here
  |

error: build failed with 2 errors
"#,
        "broken link in written Markdown",
    );
}

#[test]
fn late_calls_in_a_body_are_numbered_in_the_pages_order() {
    let site =
        site("{{ reach() }}\n\n{% note(kind=\"x\") %}\nIn a note: {{ reach() }}\n{% end %}\n")
            .file("templates/shortcodes/reach.html", REACH);
    site.build();
    let html = site.read("a/index.html");
    let at = |call: &str| html.find(call).unwrap_or_else(|| panic!("no {call}"));
    assert!(at("on A, en, call 1") < at("In a note: <p class=\"reach\">Kenya: on A, en, call 2"));
    assert!(!html.contains("weft:late"), "a placeholder is left");
}
