//! The theme's words and their languages: the default theme in French and Spanish, a site's
//! `i18n/LANG.toml` overriding its words and translating content strings (`[terms]`), the
//! errors and warnings of `t()`, and amounts and dates in each language's conventions.

use crate::support::{assert_text, page, TestSite};

/// A small programme site in `language`: a programme that references Kenya (with a relation)
/// and the United States (USD 29.5 million), a dated page, and the collection indexes.
pub fn programme_site(language: &str) -> TestSite {
    TestSite::new()
        .file(
            "site.toml",
            format!(
                "title = \"Programmes\"\nlanguage = \"{language}\"\nbase_url = \"https://example.org/\"\n\
                 [collections.programmes]\ntemplate = \"programme.html\"\n\
                 [collections.countries]\ntemplate = \"country.html\"\n\
                 [collections.donors]\ntemplate = \"donor.html\"\n"
            ),
        )
        .file("content/_index.md", page("Home", "", ""))
        .file(
            "content/countries/_index.md",
            page("Countries", "template = \"countries.html\"\n", ""),
        )
        .file(
            "content/countries/kenya.md",
            page("Kenya", "[extra]\nregion = \"Africa\"\n", "Text."),
        )
        .file(
            "content/donors/_index.md",
            page("Donors", "template = \"donors.html\"\n", ""),
        )
        .file(
            "content/donors/united-states.md",
            page("United States", "[extra]\nkind = \"Government\"\n", ""),
        )
        .file("content/programmes/_index.md", page("Programmes", "", ""))
        .file(
            "content/programmes/ipec.md",
            page(
                "IPEC",
                "date = 1998-06-01\n\
                 countries = [{ ref = \"Kenya\", relation = \"MOU signed in 1998\" }]\n\
                 donors = [{ ref = \"United States\", relation = \"funds\", amount_usd = 29500000 }]\n",
                "{% note(kind=\"gap\") %}\nA line is missing.\n{% end %}\n",
            ),
        )
}

#[test]
fn a_french_site_shows_the_themes_french_words_amounts_and_dates() {
    let site = programme_site("fr");
    let run = site.build();
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    let ipec = site.read("programmes/ipec/index.html");
    for words in [
        "<html lang=\"fr\">",
        "<a class=\"skip-link\" href=\"#main\">Aller au contenu principal</a>",
        "<label class=\"visually-hidden\" for=\"site-search-q\">Rechercher sur le site</label>",
        "<nav class=\"breadcrumbs wrap\" aria-label=\"Fil d&#39;Ariane\">",
        "<p class=\"kicker\">Programme</p>",
        "<p class=\"source-note-title\">Absent de la source</p>",
        "<span class=\"amount\"><data value=\"29500000\">29,5 millions de dollars des États-Unis</data> \
         <span class=\"exact\">(29\u{202f}500\u{202f}000 dollars des États-Unis)</span></span>",
        "<li><a href=\"/\">Accueil</a></li>",
        "<p class=\"colophon\">Site réalisé avec weft.</p>",
    ] {
        assert!(ipec.contains(words), "{words} not in:\n{ipec}");
    }
    let donors = site.read("donors/index.html");
    for words in [
        "<h2 id=\"weft-chart-heading\">Contributions déclarées</h2>",
        "<th scope=\"col\" class=\"num\">Montant déclaré</th>",
        "29,5 millions de dollars des États-Unis",
    ] {
        assert!(donors.contains(words), "{words} not in:\n{donors}");
    }
    let countries = site.read("countries/index.html");
    assert!(countries.contains(">1 pays.</p>"), "{countries}");
    assert!(
        countries.contains("data-count='{\"one\":\"{count} pays.\",\"other\":\"{count} pays.\"}'")
    );
    let search = site.read("search/index.html");
    assert!(search.contains("<h1>Recherche</h1>"), "{search}");
    assert!(search.contains(
        "data-results='{\"one\":\"{count} résultat pour « {query} »\",\"other\":\"{count} résultats pour « {query} »\"}'"
    ), "{search}");
    let not_found = site.read("404.html");
    assert!(
        not_found.contains("<h1>Page introuvable</h1>"),
        "{not_found}"
    );
}

#[test]
fn a_spanish_site_shows_the_themes_spanish_words_amounts_and_dates() {
    let site = programme_site("es");
    site.build();
    let kenya = site.read("countries/kenya/index.html");
    assert!(
        kenya.contains("<p class=\"kicker\">País · Africa</p>"),
        "{kenya}"
    );
    assert!(
        kenya.contains("<h2 id=\"weft-backlinks-heading\">Citado por</h2>"),
        "{kenya}"
    );
    let donor = site.read("donors/united-states/index.html");
    assert!(
        donor.contains("<dt>Contribuciones declaradas</dt><dd><data value=\"29500000\">29,5 millones de dólares de los Estados Unidos</data> <span class=\"exact\">(29.500.000 dólares de los Estados Unidos)</span></dd>"),
        "{donor}"
    );
    let programmes = site.read("programmes/index.html");
    assert!(
        programmes.contains("<time datetime=\"1998-06-01\">1 de junio de 1998</time>"),
        "{programmes}"
    );
}

#[test]
fn an_english_site_keeps_its_words_and_formats_the_british_way() {
    let site = programme_site("en");
    site.build();
    let ipec = site.read("programmes/ipec/index.html");
    assert!(ipec.contains("<html lang=\"en\">"));
    assert!(ipec.contains("<data value=\"29500000\">USD 29.5 million</data> <span class=\"exact\">(USD 29,500,000)</span>"), "{ipec}");
    assert!(ipec.contains("<p class=\"source-note-title\">Missing from the source</p>"));
    let programmes = site.read("programmes/index.html");
    assert!(
        programmes.contains("<time datetime=\"1998-06-01\">1 June 1998</time>"),
        "{programmes}"
    );
    // A single-language site has no alternates, no switcher and no translation notices.
    for absent in ["hreflang", "language-switcher", "translation-notice"] {
        assert!(!ipec.contains(absent), "{absent} in:\n{ipec}");
    }
}

#[test]
fn a_site_overrides_the_themes_words_and_translates_content_strings_with_terms() {
    let site = programme_site("fr")
        .file(
            "i18n/fr.toml",
            "[page]\nskip_link = \"Passer au contenu\"\n\n[terms]\n\"MOU signed in 1998\" = \"protocole d'accord signé en 1998\"\nAfrica = \"Afrique\"\n",
        );
    site.build();
    let kenya = site.read("countries/kenya/index.html");
    for words in [
        "<a class=\"skip-link\" href=\"#main\">Passer au contenu</a>",
        // Keys the site does not override keep the theme's words.
        "<label class=\"visually-hidden\" for=\"site-search-q\">Rechercher sur le site</label>",
        "<p class=\"kicker\">Pays · Afrique</p>",
        "— protocole d&#39;accord signé en 1998",
    ] {
        assert!(kenya.contains(words), "{words} not in:\n{kenya}");
    }
}

#[test]
fn a_key_in_no_file_is_an_error_with_the_closest_key() {
    let site = TestSite::new()
        .file("content/a.md", page("A", "", ""))
        .file(
            "templates/page.html",
            "<p>{{ page.title }}</p>\n<p>{{ t(\"page.skip_lnk\") }}</p>\n",
        );
    assert_text(
        &site.build_err(),
        r#"error: template error in page.html: t(): no UI string "page.skip_lnk" in any i18n file; did you mean "page.skip_link"? (a site adds its own in i18n/en.toml)
 --> templates/page.html:2:7
  |
2 | <p>{{ t("page.skip_lnk") }}</p>
  |       ^^^^^^^^^^^^^^^^^^ invalid operation
  |

error: build failed with 1 error
"#,
        "unknown UI string",
    );
}

#[test]
fn a_key_the_language_lacks_is_a_warning_naming_key_language_and_file() {
    let site = TestSite::new()
        .file(
            "site.toml",
            "title = \"Test\"\nlanguage = \"fr\"\nbase_url = \"https://example.org/\"\n",
        )
        .file("content/a.md", page("A", "", ""))
        .file("i18n/en.toml", "[custom]\nhello = \"Hello\"\n")
        .file("templates/page.html", "<p>{{ t(\"custom.hello\") }}</p>\n");
    let run = site.build();
    assert_text(
        &run.stderr
            .lines()
            .filter(|l| !l.starts_with("built ") && !l.starts_with("search index"))
            .collect::<Vec<_>>()
            .join("\n"),
        r#"warning: UI string "custom.hello" has no fr text: it is shown in en
 = help: add custom.hello = "..." to i18n/fr.toml"#,
        "missing key warning",
    );
    assert!(site.read("a/index.html").contains("<p>Hello</p>"));
}

#[test]
fn a_file_that_is_not_toml_of_strings_is_an_error_at_its_value() {
    let site = TestSite::new()
        .file("content/a.md", page("A", "", ""))
        .file("i18n/en.toml", "[page]\nskip_link = 3\n");
    assert_text(
        &site.build_err(),
        r#"error: UI string "page.skip_link" in i18n/en.toml is integer, not a string
 --> i18n/en.toml:2:1
  |
2 | skip_link = 3
  | ^^^^^^^^^
  |
  = help: write the text in quotes; plural forms are a table of zero, one, two, few, many and other

error: build failed with 1 error
"#,
        "a UI string that is a number",
    );
}

/// The default theme rendered with the multilingual context the core gives a page (see the
/// contract in docs/templates.md): a French page of a site in English, French and Spanish.
/// `untranslated` and `stale` as given.
pub fn multilingual_page(untranslated: bool, stale: bool) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("content")).unwrap();
    let config = weft::config::Config::parse("title = \"t\"").unwrap();
    let (files, errors) = weft::load::site(dir.path(), config);
    assert!(errors.is_empty(), "{errors:?}");
    let (strings, errors, _) =
        weft::i18n::Strings::new(&files.strings, "en", &["fr".into(), "es".into()]);
    assert!(errors.is_empty(), "{errors:?}");
    let (env, errors) =
        weft::templates::environment(&files.templates, Default::default(), "/", &strings);
    assert!(errors.is_empty(), "{errors:?}");
    let translation = |lang: &str, name: &str, url: &str, translated: bool| {
        minijinja::context! {
            lang, name, url, translated,
            permalink => format!("https://example.org{url}"),
            title => "Kenya",
        }
    };
    let home = minijinja::context! { kind => "home", url => "/fr/", title => "Accueil", extra => minijinja::context! {} };
    let page = minijinja::context! {
        kind => "page",
        lang => "fr",
        title => "Kenya",
        description => "A country of East Africa.",
        url => "/fr/pays/kenya/",
        permalink => "https://example.org/fr/pays/kenya/",
        path => "countries/kenya.md",
        content => minijinja::Value::from_safe_string("<p>Kenya signed an MOU with IPEC in 1992.</p>".into()),
        ancestors => vec![home],
        toc => Vec::<minijinja::Value>::new(),
        references => Vec::<minijinja::Value>::new(),
        backlinks => Vec::<minijinja::Value>::new(),
        translations => vec![
            translation("en", "English", "/countries/kenya/", true),
            translation("fr", "Français", "/fr/pays/kenya/", !untranslated),
            translation("es", "Español", "/es/paises/kenia/", true),
        ],
        untranslated,
        stale,
        original => minijinja::context! {
            url => "/countries/kenya/",
            permalink => "https://example.org/countries/kenya/",
            title => "Kenya",
        },
    };
    let languages = vec![
        minijinja::context! { code => "en", name => "English", url => "/" },
        minijinja::context! { code => "fr", name => "Français", url => "/fr/" },
        minijinja::context! { code => "es", name => "Español", url => "/es/" },
    ];
    let site = minijinja::context! {
        title => "Programmes mondiaux de l'OIT",
        description => "Les programmes mondiaux de l'OIT.",
        language => "fr",
        default_language => "en",
        languages,
        base_path => "/",
        lang_path => "/fr/",
        base_url => "https://example.org/",
        has_feeds => true,
        extra => minijinja::context! {},
        sections => Vec::<minijinja::Value>::new(),
        serve => false,
    };
    env.get_template("page.html")
        .unwrap()
        .render(minijinja::context! {
            lang => "fr",
            site,
            page,
            collections => minijinja::context! {},
            partial_cached => weft::templates::partial_cached(),
        })
        .unwrap_or_else(|e| panic!("{e:#}"))
}

#[test]
fn a_translated_page_has_alternates_a_language_switcher_and_its_languages_paths() {
    let html = multilingual_page(false, false);
    for expected in [
        "<html lang=\"fr\">",
        "<link rel=\"canonical\" href=\"https://example.org/fr/pays/kenya/\">",
        "<link rel=\"alternate\" hreflang=\"en\" href=\"https://example.org/countries/kenya/\">\n\
         <link rel=\"alternate\" hreflang=\"fr\" href=\"https://example.org/fr/pays/kenya/\">\n\
         <link rel=\"alternate\" hreflang=\"es\" href=\"https://example.org/es/paises/kenia/\">\n\
         <link rel=\"alternate\" hreflang=\"x-default\" href=\"https://example.org/countries/kenya/\">",
        "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Programmes mondiaux de l&#39;OIT (flux Atom)\" href=\"/fr/atom.xml\">",
        "<nav class=\"language-switcher\" aria-label=\"Langue\">\n  <ul class=\"wrap\">\n    \
         <li><a href=\"/countries/kenya/\" lang=\"en\" hreflang=\"en\">English</a></li>\n    \
         <li><a href=\"/fr/pays/kenya/\" lang=\"fr\" hreflang=\"fr\" aria-current=\"page\">Français</a></li>\n    \
         <li><a href=\"/es/paises/kenia/\" lang=\"es\" hreflang=\"es\">Español</a></li>\n  </ul>\n</nav>",
        "<a class=\"site-title\" href=\"/fr/\">",
        "action=\"/fr/search/\"",
        "<li><a href=\"/fr/\">Accueil</a></li>",
        "<li><a href=\"/fr/atom.xml\">Flux Atom</a></li>",
        "<h1>Kenya</h1>",
    ] {
        assert!(html.contains(expected), "{expected}\nnot in:\n{html}");
    }
    assert!(!html.contains("translation-notice"), "{html}");
}

#[test]
fn an_untranslated_page_says_so_in_its_language_and_points_to_the_original() {
    let html = multilingual_page(true, false);
    for expected in [
        "<link rel=\"canonical\" href=\"https://example.org/countries/kenya/\">",
        "<p class=\"notice translation-notice\" role=\"note\">Cette page n&#39;a pas encore été traduite : \
         elle est présentée dans sa langue d&#39;origine. \
         <a href=\"/countries/kenya/\" hreflang=\"en\">Consulter l&#39;original</a></p>",
        // The default language's text is marked as such, for screen readers.
        "<h1 lang=\"en\">Kenya</h1>",
        "<p class=\"lead\" lang=\"en\">A country of East Africa.</p>",
        "<div class=\"content\" lang=\"en\">",
    ] {
        assert!(html.contains(expected), "{expected}\nnot in:\n{html}");
    }
    assert_eq!(html.matches("rel=\"canonical\"").count(), 1);
}

#[test]
fn a_stale_translation_says_the_original_has_changed() {
    let html = multilingual_page(false, true);
    assert!(
        html.contains(
            "<p class=\"notice translation-notice\" role=\"note\">L&#39;original de cette page a été modifié \
             depuis sa traduction : la présente traduction n&#39;est peut-être plus à jour. \
             <a href=\"/countries/kenya/\" hreflang=\"en\">Consulter l&#39;original actuel</a></p>"
        ),
        "{html}"
    );
    assert!(html.contains("<h1>Kenya</h1>"));
}

#[test]
fn a_strings_file_linked_from_outside_the_site_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("fr.toml"), "[page]\nhome = \"x\"\n").unwrap();
    let site = TestSite::new()
        .file("content/a.md", page("A", "", ""))
        .symlink(
            "i18n/fr.toml",
            &outside.path().join("fr.toml").to_string_lossy(),
        );
    let err = site.build_err();
    assert!(
        err.contains("error: i18n/fr.toml is a symbolic link outside the site's folder"),
        "{err}"
    );
}

#[test]
fn a_file_under_i18n_not_named_by_its_language_is_an_error() {
    let site = TestSite::new()
        .file("content/a.md", page("A", "", ""))
        .file("i18n/french.txt", "x");
    assert_text(
        &site.build_err(),
        "error: i18n/french.txt is not a file of UI strings\n--> i18n/french.txt\n = help: files under i18n/ are named by their language: en.toml, fr.toml, es.toml\n\nerror: build failed with 1 error\n",
        "a stray file under i18n/",
    );
}
