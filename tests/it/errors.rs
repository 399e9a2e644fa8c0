//! Every kind of content error, as `weft build` prints it: the whole diagnostic (message,
//! `file:line:col`, source line, caret, label, help) is the tested output. Then: all errors of a
//! site in one run, a failed build leaving `public/` as it was, and a foreign `--output` refused.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;

use crate::support::{assert_text, page, tree, TestSite};

/// A site with countries Kenya and Uganda (collection `countries`) and a programmes section.
fn countries_site() -> TestSite {
    TestSite::new()
        .file(
            "site.toml",
            "title = \"Test\"\n[collections.countries]\n[collections.programmes]\n",
        )
        .file("content/countries/_index.md", page("Countries", "", ""))
        .file("content/countries/kenya.md", page("Kenya", "", ""))
        .file("content/countries/uganda.md", page("Uganda", "", ""))
        .file("content/programmes/_index.md", page("Programmes", "", ""))
        .file("content/programmes/ipec/_index.md", page("IPEC", "", ""))
}

#[test]
fn malformed_toml_points_at_the_bad_token() {
    let site = TestSite::new().file("content/a.md", "+++\ntitle = \"A\nweight = 1\n+++\n");
    assert_text(
        &site.build_err(),
        r#"error: invalid TOML in front matter
 --> content/a.md:2:11
  |
2 | title = "A
  |           ^ invalid basic string, expected `"`
  |
  = help: front matter is TOML: `key = "value"`, strings in quotes, arrays in [ ]

error: build failed with 1 error
"#,
        "malformed TOML",
    );
}

#[test]
fn an_impossible_date_points_at_its_value() {
    let site = TestSite::new().file(
        "content/a.md",
        "+++\ntitle = \"A\"\ndate = \"1999-13-45\"\n+++\nBody.\n",
    );
    assert_text(
        &site.build_err(),
        r#"error: invalid date for `date`
 --> content/a.md:3:8
  |
3 | date = "1999-13-45"
  |        ^^^^^^^^^^^^ not a date: failed to parse two digit integer as month: parameter 'month' is not in the required range of 1..=12
  |
  = help: `date` takes a date (1999-03-01) or a date-time

error: build failed with 1 error
"#,
        "impossible date",
    );
}

#[test]
fn missing_closing_delimiter_points_at_the_opening_one() {
    let site = TestSite::new().file("content/a.md", "+++\ntitle = \"A\"\n\nBody text.\n");
    assert_text(
        &site.build_err(),
        r#"error: front matter is not closed
 --> content/a.md:1:1
  |
1 | +++
  | ^^^ this `+++` has no closing `+++`
  |
  = help: end the front matter with a line holding only `+++`

error: build failed with 1 error
"#,
        "missing closing +++",
    );
}

#[test]
fn missing_title_points_at_the_front_matter_even_with_windows_line_ends() {
    let site = TestSite::new()
        .file(
            "content/a.md",
            "+++\ndescription = \"No title\"\n+++\nBody.\n",
        )
        .file("content/b.md", "+++\r\nweight = 2\r\n+++\r\nBody.\r\n");
    assert_text(
        &site.build_err(),
        r#"error: missing `title` in front matter
 --> content/a.md:1:1
  |
1 | +++
  | ^^^ every page needs a title
  |
  = help: add a line `title = "..."` between the `+++` lines

error: missing `title` in front matter
 --> content/b.md:1:1
  |
1 | +++
  | ^^^ every page needs a title
  |
  = help: add a line `title = "..."` between the `+++` lines

error: build failed with 2 errors
"#,
        "missing title",
    );
}

#[test]
fn unknown_front_matter_key_suggests_the_known_one() {
    let site = TestSite::new().file(
        "content/a.md",
        "+++\ntitle = \"A\"\ndescripton = \"typo\"\n+++\n",
    );
    assert_text(
        &site.build_err(),
        r#"error: unknown front matter key `descripton`
 --> content/a.md:3:1
  |
3 | descripton = "typo"
  | ^^^^^^^^^^ did you mean `description`?
  |
  = help: custom data goes under [extra]; references use a collection's name as key

error: build failed with 1 error
"#,
        "unknown key",
    );
}

#[test]
fn unknown_key_close_to_a_collection_name_suggests_the_collection() {
    let site = countries_site().file(
        "content/a.md",
        "+++\ntitle = \"A\"\ncountry = [\"Kenya\"]\n+++\n",
    );
    let err = site.build_err();
    assert!(
        err.starts_with(
            "error: unknown front matter key `country`\n --> content/a.md:3:1\n  |\n\
             3 | country = [\"Kenya\"]\n  | ^^^^^^^ did you mean `countries`?\n"
        ),
        "{err}"
    );
}

#[test]
fn unknown_reference_suggests_a_name_of_the_collection() {
    let site = countries_site().file(
        "content/programmes/ipec/coverage.md",
        "+++\ntitle = \"Coverage\"\ndescription = \"Where IPEC works.\"\ndate = 1999-03-01\nweight = 1\n\ncountries = [\"Keyna\", \"Uganda\"]\n+++\n",
    );
    assert_text(
        &site.build_err(),
        r#"error: unknown country "Keyna"
 --> content/programmes/ipec/coverage.md:7:14
  |
7 | countries = ["Keyna", "Uganda"]
  |              ^^^^^^^ did you mean "Kenya"?
  |
  = help: each country is a page in content/countries/; add one, or add this name to an existing one's `also_known_as`

error: build failed with 1 error
"#,
        "unknown reference",
    );
}

#[test]
fn unknown_reference_in_an_inline_table_points_at_its_ref() {
    let site = countries_site().file(
        "content/a.md",
        "+++\ntitle = \"A\"\ncountries = [{ ref = \"Ugnada\", status = \"MOU\" }]\n+++\n",
    );
    let err = site.build_err();
    assert!(
        err.starts_with(
            "error: unknown country \"Ugnada\"\n --> content/a.md:3:22\n  |\n\
             3 | countries = [{ ref = \"Ugnada\", status = \"MOU\" }]\n\
             \x20 |                      ^^^^^^^^ did you mean \"Uganda\"?\n"
        ),
        "{err}"
    );
}

#[test]
fn unknown_wikilink_suggests_an_entity() {
    let site = countries_site().file("content/a.md", page("A", "", "We work in [[Kenia]].\n"));
    assert_text(
        &site.build_err(),
        r#"error: unknown link target [[Kenia]]
 --> content/a.md:4:12
  |
4 | We work in [[Kenia]].
  |            ^^^^^^^^^ did you mean [[Kenya]]?
  |

error: build failed with 1 error
"#,
        "unknown wikilink",
    );
}

#[test]
fn broken_at_link_suggests_an_existing_file() {
    let site = TestSite::new()
        .file("content/about.md", page("About", "", ""))
        .file(
            "content/b.md",
            page("B", "", "Intro line.\n\nSee [about](@/abuot.md) here.\n"),
        );
    assert_text(
        &site.build_err(),
        r#"error: broken link @/abuot.md
 --> content/b.md:6:5
  |
6 | See [about](@/abuot.md) here.
  |     ^^^^^^^^^^^^^^^^^^^ did you mean @/about.md?
  |

error: build failed with 1 error
"#,
        "broken @/ link",
    );
}

#[test]
fn broken_anchor_suggests_an_existing_heading() {
    let site = TestSite::new()
        .file("content/a.md", page("A", "", "## Labour law\n"))
        .file(
            "content/b.md",
            page("B", "", "Même [the law](@/a.md#labor-law).\n"),
        );
    assert_text(
        &site.build_err(),
        r#"error: no heading #labor-law in content/a.md
 --> content/b.md:4:6
  |
4 | Même [the law](@/a.md#labor-law).
  |      ^^^^^^^^^^^^^^^^^^^^^^^^^^^ did you mean #labour-law?
  |

error: build failed with 1 error
"#,
        "broken #anchor",
    );
}

#[test]
fn two_files_claiming_one_url_are_both_named() {
    let site = TestSite::new()
        .file("content/guide/setup.md", page("Setup", "", ""))
        .file("content/guide/setup/index.md", page("Setup bundle", "", ""));
    assert_text(
        &site.build_err(),
        r#"error: two files claim the URL /guide/setup/: content/guide/setup.md and content/guide/setup/index.md
 --> content/guide/setup/index.md:1:1
  |
1 | +++
  | ^
  |
 ::: content/guide/setup.md:1:1
  |
1 | +++
  | ^ also defined here
  |
  = help: rename one of the files or give one a different `slug`

error: build failed with 1 error
"#,
        "duplicate URL",
    );
}

#[test]
fn a_slug_claiming_another_page_url_is_reported() {
    let site = TestSite::new()
        .file("content/b.md", page("B", "", ""))
        .file("content/c.md", page("C", "slug = \"B\"\n", ""));
    let err = site.build_err();
    assert!(
        err.starts_with(
            "error: two files claim the URL /b/: content/b.md and content/c.md\n --> content/c.md:1:1\n"
        ),
        "{err}"
    );
}

#[test]
fn a_slug_cannot_climb_out_of_its_section() {
    // `slug = ".."` once wrote the page over the home page.
    let site = TestSite::new()
        .file("templates/page.html", "{{ page.title }}")
        .file("content/g/_index.md", page("G", "", ""))
        .file("content/g/b.md", page("B", "slug = \"..\"\n", ""));
    site.build();
    assert_eq!(site.read("g/b/index.html"), "B");
    assert!(site.read("index.html").contains("<title>Test</title>"));
}

#[test]
fn an_alias_claiming_a_page_url_is_reported() {
    let site = TestSite::new()
        .file("content/a.md", page("A", "", ""))
        .file("content/b.md", page("B", "aliases = [\"/a/\"]\n", ""));
    assert_text(
        &site.build_err(),
        r#"error: alias "/a/" of content/b.md claims a/index.html, already written for content/a.md
 --> content/b.md:3:13
  |
3 | aliases = ["/a/"]
  |             ^^^ this alias
  |
 ::: content/a.md:1:1
  |
1 | +++
  | ^ also defined here
  |
  = help: remove the alias, or move the page that has this URL

error: build failed with 1 error
"#,
        "alias collision",
    );
}

#[test]
fn an_alias_outside_the_site_is_refused() {
    let site = TestSite::new().file(
        "content/b.md",
        page("B", "aliases = [\"../../escaped/\"]\n", ""),
    );
    assert_text(
        &site.build_err(),
        r#"error: invalid alias "../../escaped/"
 --> content/b.md:3:13
  |
3 | aliases = ["../../escaped/"]
  |             ^^^^^^^^^^^^^^ an alias must stay inside the site: no `.`, `..` or hidden (`.name`) segments
  |
  = help: write the old URL's path, e.g. aliases = ["/old/path/"]

error: build failed with 1 error
"#,
        "alias escaping the output",
    );
    assert!(!site.root().parent().unwrap().join("escaped").exists());
}

#[test]
fn template_syntax_error_names_the_template_file_and_line() {
    let site = TestSite::new()
        .file("content/a.md", page("A", "", ""))
        .file(
            "templates/page.html",
            "<main>\n<h1>{{ page.title }}</h1>\n{% for x in %}{% endfor %}\n</main>\n",
        );
    assert_text(
        &site.build_err(),
        r#"error: template error in page.html: unexpected end of block
 --> templates/page.html:3:13
  |
3 | {% for x in %}{% endfor %}
  |             ^^ syntax error
  |

error: build failed with 1 error
"#,
        "template syntax error",
    );
}

#[test]
fn template_runtime_error_names_the_template_file_and_line() {
    let site = TestSite::new()
        .file("content/a.md", page("A", "", ""))
        .file(
        "templates/page.html",
        "<main>\n<h1>{{ page.title }}</h1>\n<a href=\"{{ url('@/nowhere.md') }}\">x</a>\n</main>\n",
    );
    assert_text(
        &site.build_err(),
        r#"error: template error in page.html: url(): no page at @/nowhere.md
 --> templates/page.html:3:13
  |
3 | <a href="{{ url('@/nowhere.md') }}">x</a>
  |             ^^^^^^^^^^^^^^^^^^^ invalid operation
  |

error: build failed with 1 error
"#,
        "template runtime error",
    );
}

#[test]
fn template_runtime_error_in_an_imported_macro_names_the_macro_file() {
    let site = TestSite::new()
        .file("content/a.md", page("A", "", ""))
        .file(
            "templates/page.html",
            "{% import \"m.html\" as m %}\n{{ m.f(1) }}\n",
        )
        .file(
            "templates/m.html",
            "{% macro f(x) %}\n{{ x + \"s\" }}\n{% endmacro %}\n",
        );
    assert_text(
        &site.build_err(),
        r#"error: template error in m.html: tried to use + operator on unsupported types number and string
 --> templates/m.html:2:4
  |
2 | {{ x + "s" }}
  |    ^^^^^^^ invalid operation
  |

error: build failed with 1 error
"#,
        "runtime error in a macro",
    );
}

#[test]
fn a_file_that_is_not_utf8_is_reported_at_the_bad_byte() {
    let site = TestSite::new().file(
        "content/a.md",
        b"+++\ntitle = \"A\"\n+++\nCaf\xe9 au lait\n",
    );
    assert_text(
        &site.build_err(),
        "error: content/a.md is not valid UTF-8
 --> content/a.md:4:4
  |
4 | Caf\u{fffd} au lait
  |    ^ invalid byte at offset 23
  |
  = help: save the file as UTF-8

error: build failed with 1 error
",
        "non-UTF-8 file",
    );
}

/// Tests run as root, where `chmod 000` does not stop reading (and neither does a folder's
/// permissions). A symbolic link to nothing, and one to itself, are unreadable for anyone.
#[test]
fn an_unreadable_file_is_reported_with_its_path() {
    let site = TestSite::new()
        .file("content/ok.md", page("Ok", "", ""))
        .symlink("content/gone.md", "nowhere.md")
        .symlink("content/loop.md", "loop.md");
    let run = site.weft(&["build"]);
    assert_eq!(
        run.code,
        Some(1),
        "an unreadable content file is a content error (exit 1):\n{}",
        run.stderr
    );
    assert_text(
        &run.stderr,
        "error: cannot read content/gone.md: No such file or directory (os error 2)
--> content/gone.md

error: cannot read content/loop.md: Too many levels of symbolic links (os error 40)
--> content/loop.md

error: build failed with 2 errors
",
        "unreadable files",
    );
}

#[test]
fn a_symlinked_page_is_content() {
    let site = TestSite::new()
        .file("shared/a.md", page("Shared", "", "From elsewhere.\n"))
        .file("templates/page.html", "{{ page.content }}")
        .symlink("content/a.md", "../shared/a.md");
    site.build();
    assert_eq!(site.read("a/index.html"), "<p>From elsewhere.</p>\n");
}

#[test]
fn every_error_of_a_site_is_reported_in_one_run() {
    let site = countries_site()
        .file("content/a.md", "+++\ntitle = \"A\nweight = 1\n+++\n")
        .file("content/b.md", "+++\ntitle = \"B\"\n")
        .file("content/c.md", "+++\ndraft = false\n+++\n")
        .file(
            "content/d.md",
            "+++\ntitle = \"D\"\ndescripton = \"x\"\n+++\n",
        )
        .file(
            "content/e.md",
            page(
                "E",
                "countries = [\"Keyna\"]\n",
                "See [[Kenia]], [x](@/nope.md) and [y](@/countries/kenya.md#nope).\n",
            ),
        )
        .file("content/f.md", b"+++\ntitle = \"F\"\n+++\n\xff\n")
        .file("content/g.md", page("G", "", ""))
        .file("content/g/index.md", page("G2", "", ""));
    let err = site.build_err();
    let headlines: Vec<&str> = err.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(
        headlines,
        [
            "error: invalid TOML in front matter",
            "error: front matter is not closed",
            "error: missing `title` in front matter",
            "error: unknown front matter key `descripton`",
            "error: content/f.md is not valid UTF-8",
            "error: unknown country \"Keyna\"",
            "error: unknown link target [[Kenia]]",
            "error: broken link @/nope.md",
            "error: no heading #nope in content/countries/kenya.md",
            "error: two files claim the URL /g/: content/g.md and content/g/index.md",
            "error: build failed with 10 errors",
        ]
    );
    assert!(!site.path("public").exists(), "nothing is written");
}

/// A file whose front matter has errors, or that cannot be read, is reported once: the links
/// and references to it (by path, or by the names its front matter still tells) are not
/// reported as broken, and the cause comes first even when the linking file sorts before it.
#[test]
fn a_bad_front_matter_is_reported_without_its_echoes() {
    let site = TestSite::new()
        .file("site.toml", "title = \"Test\"\n[collections.countries]\n")
        .file("content/countries/_index.md", page("Countries", "", ""))
        .file(
            "content/countries/kenya.md",
            "+++\ntitle = \"Kenya\"\nweight = \n+++\nKenya.\n",
        )
        .file(
            "content/countries/uganda.md",
            b"+++\ntitle = \"Uganda\"\n+++\n\xff\n",
        )
        .file(
            "content/about.md",
            page(
                "About",
                "countries = [\"Kenya\"]\n",
                "See [[Kenya]], [it](@/countries/kenya.md) and [Uganda](@/countries/uganda.md).\n",
            ),
        );
    assert_text(
        &site.build_err(),
        r#"error: invalid TOML in front matter
 --> content/countries/kenya.md:3:10
  |
3 | weight = 
  |          ^ string values must be quoted, expected literal string
  |
  = help: front matter is TOML: `key = "value"`, strings in quotes, arrays in [ ]

error: content/countries/uganda.md is not valid UTF-8
 --> content/countries/uganda.md:4:1
  |
4 | �
  | ^ invalid byte at offset 25
  |
  = help: save the file as UTF-8

error: build failed with 2 errors
"#,
        "a bad front matter and an unreadable file, linked from another page",
    );
}

#[test]
fn a_footnote_without_its_note_points_at_the_reference() {
    let site = TestSite::new().file(
        "content/a.md",
        page(
            "A",
            "",
            "IPEC began in 1992[^start].\n\n[^begin]: Para. 3.\n",
        ),
    );
    assert_text(
        &site.build_err(),
        r#"error: footnote [^start] has no note
 --> content/a.md:4:19
  |
4 | IPEC began in 1992[^start].
  |                   ^^^^^^^^ add its note on a line of its own: [^start]: The note.
  |

error: build failed with 1 error
"#,
        "undefined footnote",
    );
}

#[test]
fn the_same_template_error_on_many_pages_is_reported_once() {
    let site = TestSite::new()
        .file("content/a.md", page("A", "", ""))
        .file("content/b.md", page("B", "", ""))
        .file("templates/page.html", "{{ 1 + \"a\" }}\n");
    let err = site.build_err();
    assert_eq!(err.matches("error: template error").count(), 1, "{err}");
    assert!(err.ends_with("error: build failed with 1 error\n"), "{err}");
}

fn snapshot(dir: &std::path::Path) -> BTreeMap<String, (Vec<u8>, u64)> {
    tree(dir)
        .into_iter()
        .map(|(p, bytes)| {
            let ino = std::fs::metadata(dir.join(&p)).unwrap().ino();
            (p, (bytes, ino))
        })
        .collect()
}

#[test]
fn a_failed_build_leaves_the_previous_output_exactly_as_it_was() {
    let site = TestSite::fixture("tree");
    site.build();
    let public = site.path("public");
    let before = snapshot(&public);
    let marker = std::fs::read(public.join(weft::write::MARKER)).unwrap();

    site.write("content/about.md", page("About", "", "Now [[broken]].\n"));
    site.write("content/news/new.md", "+++\ntitle = \"New\"\n");
    site.remove("content/guides/install.md");
    site.build_err();

    assert_eq!(
        snapshot(&public),
        before,
        "same files, same bytes, not rewritten"
    );
    assert_eq!(
        std::fs::read(public.join(weft::write::MARKER)).unwrap(),
        marker
    );
}

/// Pages are staged as they render: a page failing late must take the staged ones with it.
#[test]
fn a_build_failing_while_pages_render_leaves_no_file_behind() {
    let site = TestSite::fixture("tree");
    site.build();
    let public = site.path("public");
    let before = snapshot(&public);
    // Valid at load; fails only when the page renders (after others were staged).
    site.write("templates/broken.html", "{{ url('@/nowhere.md') }}\n");
    site.write(
        "content/about.md",
        page("About", "template = \"broken.html\"\n", "Changed.\n"),
    );
    site.write("content/news/new.md", page("New", "", "New page.\n"));
    let errors = site.build_err();
    assert!(
        errors.contains("url(): no page at @/nowhere.md"),
        "{errors}"
    );
    assert_eq!(snapshot(&public), before, "the previous output, untouched");

    let fresh = site.path("fresh");
    let run = site.weft(&["build", "--output", fresh.to_str().unwrap()]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(!fresh.exists(), "a folder the build made is removed again");
}

#[test]
fn output_into_a_folder_weft_did_not_make_is_refused_and_left_untouched() {
    let site = TestSite::new().file("content/a.md", page("A", "", ""));
    let elsewhere = tempfile::tempdir().unwrap();
    let folder = elsewhere.path().join("documents");
    std::fs::create_dir_all(folder.join("sub")).unwrap();
    std::fs::write(folder.join("precious.txt"), "keep me").unwrap();
    std::fs::write(folder.join("sub/index.html"), "mine").unwrap();
    let before = snapshot(&folder);

    let run = site.weft(&["build", "--output", folder.to_str().unwrap()]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert_text(
        &run.stderr.replace(folder.to_str().unwrap(), "DIR"),
        "error: refusing to write into DIR: it is not empty and weft did not make it
 = help: choose an empty or new folder with --output (weft replaces and removes files in its output folder, so it only writes where it wrote before)

error: build failed with 1 error
",
        "foreign output folder",
    );
    assert_eq!(snapshot(&folder), before);
}

#[test]
fn output_into_an_empty_or_new_folder_is_allowed() {
    let site = TestSite::new().file("content/a.md", page("A", "", ""));
    let elsewhere = tempfile::tempdir().unwrap();
    let empty = elsewhere.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    for dir in [empty, elsewhere.path().join("new/deeper")] {
        let run = site.weft(&["build", "--output", dir.to_str().unwrap()]);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        assert!(dir.join("a/index.html").is_file());
    }
}

#[test]
fn an_unreadable_static_file_is_reported_too() {
    let site = TestSite::new()
        .file("content/a.md", page("A", "", ""))
        .file("static/real.txt", "x")
        .symlink("static/dangling.txt", "nowhere.txt");
    let run = site.weft(&["build"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_text(
        &run.stderr,
        "error: cannot read static/dangling.txt: No such file or directory (os error 2)
--> static/dangling.txt

error: build failed with 1 error
",
        "dangling static link",
    );
}

#[test]
fn an_ambiguous_wikilink_names_every_candidate() {
    let site = TestSite::new()
        .file(
            "site.toml",
            "title = \"Test\"\n[collections.countries]\n[collections.donors]\n",
        )
        .file("content/countries/_index.md", page("Countries", "", ""))
        .file("content/donors/_index.md", page("Donors", "", ""))
        .file("content/countries/georgia.md", page("Georgia", "", ""))
        .file("content/donors/georgia.md", page("Georgia", "", ""))
        .file("content/a.md", page("A", "", "See [[Georgia]].\n"));
    assert_text(
        &site.build_err(),
        r#"error: ambiguous link [[Georgia]]
 --> content/a.md:4:5
  |
4 | See [[Georgia]].
  |     ^^^^^^^^^^^ could be countries/georgia.md or donors/georgia.md
  |

error: build failed with 1 error
"#,
        "ambiguous wikilink",
    );
}

#[test]
fn two_entities_of_a_collection_sharing_a_name_are_reported() {
    let site = countries_site().file(
        "content/countries/kenya-republic.md",
        page("Republic of Kenya", "also_known_as = [\"kenya\"]\n", ""),
    );
    assert_text(
        &site.build_err(),
        r#"error: the name "kenya" is used by two entities: content/countries/kenya.md and content/countries/kenya-republic.md
 --> content/countries/kenya-republic.md:1:1
  |
1 | +++
  | ^
  |
  = help: references must name one entity: rename one or drop the name from `also_known_as`

error: build failed with 1 error
"#,
        "duplicate entity name",
    );
}

#[test]
fn a_missing_template_points_at_the_page_that_names_it() {
    let site = TestSite::new().file("content/a.md", page("A", "template = \"nope.html\"\n", ""));
    assert_text(
        &site.build_err(),
        r#"error: template nope.html not found
 --> content/a.md:3:12
  |
3 | template = "nope.html"
  |            ^^^^^^^^^^^ no such template; did you mean "page.html"?
  |
  = help: add templates/nope.html to the site (or to the theme), or name an existing template

error: build failed with 1 error
"#,
        "missing template",
    );
}

#[test]
fn a_missing_collection_template_points_at_site_toml_with_the_closest_name() {
    // No entity uses it yet: it is reported all the same, where it is written.
    let site = TestSite::new()
        .file(
            "site.toml",
            "title = \"Test\"\n\n[collections.countries]\ntemplate = \"contry.html\"\n",
        )
        .file("content/countries/_index.md", page("Countries", "", ""))
        .file("templates/country.html", "{{ page.title }}\n");
    assert_text(
        &site.build_err(),
        r#"error: template contry.html of collection countries not found
 --> site.toml:4:12
  |
4 | template = "contry.html"
  |            ^^^^^^^^^^^^^ no such template; did you mean "country.html"?
  |
  = help: add templates/contry.html to the site (or to the theme), or name an existing template

error: build failed with 1 error
"#,
        "missing collection template",
    );
}

#[test]
fn an_undefined_attribute_names_the_template_line_and_the_closest_key() {
    let site = TestSite::new()
        .file("content/a.md", page("A", "", ""))
        .file(
            "templates/page.html",
            "<main>\n<h1>{{ page.titel }}</h1>\n</main>\n",
        );
    assert_text(
        &site.build_err(),
        r#"error: template error in page.html: `page.titel` is undefined
 --> templates/page.html:2:8
  |
2 | <h1>{{ page.titel }}</h1>
  |        ^^^^^^^^^^ did you mean `page.title`?
  |
  = help: if it may be missing, test it (`{% if page.titel %}`, `page.titel is defined`) or give a default (`page.titel | default("")`)

error: build failed with 1 error
"#,
        "undefined attribute",
    );
}

#[test]
fn an_undefined_key_of_extra_suggests_the_closest_key() {
    let site = TestSite::new()
        .file("content/a.md", page("A", "[extra]\ncolor = \"red\"\n", ""))
        .file("templates/page.html", "<p>{{ page.extra.colour }}</p>\n");
    assert_text(
        &site.build_err(),
        r#"error: template error in page.html: `page.extra.colour` is undefined
 --> templates/page.html:1:7
  |
1 | <p>{{ page.extra.colour }}</p>
  |       ^^^^^^^^^^^^^^^^^ did you mean `page.extra.color`?
  |
  = help: if it may be missing, test it (`{% if page.extra.colour %}`, `page.extra.colour is defined`) or give a default (`page.extra.colour | default("")`)

error: build failed with 1 error
"#,
        "undefined extra key",
    );
}

#[test]
fn an_undefined_key_of_a_macro_argument_suggests_the_closest_key() {
    // `x` is known only to the macro: the suggestion comes from the page it was given.
    let site = TestSite::new()
        .file("content/a.md", page("A", "", ""))
        .file(
            "templates/page.html",
            "{% import \"m.html\" as m %}{{ m.card(page) }}\n",
        )
        .file(
            "templates/m.html",
            "{% macro card(x) %}\n<p>{{ x.descripton }}</p>\n{% endmacro %}\n",
        );
    assert_text(
        &site.build_err(),
        r#"error: template error in m.html: `x.descripton` is undefined
 --> templates/m.html:2:7
  |
2 | <p>{{ x.descripton }}</p>
  |       ^^^^^^^^^^^^ did you mean `x.description`?
  |
  = help: if it may be missing, test it (`{% if x.descripton %}`, `x.descripton is defined`) or give a default (`x.descripton | default("")`)

error: build failed with 1 error
"#,
        "undefined key of a macro argument",
    );
}

#[test]
fn a_misspelt_variable_suggests_the_closest_variable() {
    let site = TestSite::new()
        .file("content/a.md", page("A", "", ""))
        .file(
            "templates/page.html",
            "{% for s in pgae.backlinks %}{{ s }}{% endfor %}\n",
        );
    assert_text(
        &site.build_err(),
        r#"error: template error in page.html: `pgae` is undefined
 --> templates/page.html:1:13
  |
1 | {% for s in pgae.backlinks %}{{ s }}{% endfor %}
  |             ^^^^^^^^^^^^^^ did you mean `page`?
  |
  = help: if it may be missing, test it (`{% if pgae %}`, `pgae is defined`) or give a default (`pgae | default("")`)

error: build failed with 1 error
"#,
        "misspelt variable",
    );
}

#[test]
fn missing_values_that_are_tested_or_defaulted_are_no_error() {
    let site = TestSite::new()
        .file("content/a.md", page("A", "[extra]\nshort = \"a\"\n", ""))
        .file("content/b.md", page("B", "", ""))
        .file(
            "templates/page.html",
            "{% if page.extra.short %}[{{ page.extra.short }}]{% endif %}\
             {{ page.extra.short or page.title }}|{{ page.extra.short | default(\"-\") }}|\
             {{ page.extra.short is defined }}|{{ page.entity.title is defined }}\n",
        );
    site.build();
    assert_eq!(site.read("a/index.html"), "[a]a|a|True|False\n");
    assert_eq!(site.read("b/index.html"), "B|-|False|False\n");
}
