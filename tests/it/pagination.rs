//! Paginated section listings: `paginate_by` in a section's front matter, a collection's
//! settings or site.toml; `/section/page/N/` pages with a `paginator`, `page/1/` redirecting to
//! the section, and the whole list still given to templates (issue 14).

use crate::support::{assert_text, page, TestSite};

/// A section `news` of five dated pages, A (oldest) to E (newest).
fn news_site(front: &str) -> TestSite {
    let mut site = TestSite::new().file("content/news/_index.md", page("News", front, ""));
    for (i, title) in ["A", "B", "C", "D", "E"].into_iter().enumerate() {
        site = site.file(
            &format!("content/news/{}.md", title.to_lowercase()),
            page(title, &format!("date = 2026-01-0{}\n", i + 1), ""),
        );
    }
    site
}

/// Prints what a listing page's template sees, one fact a line.
const LISTING: &str = "{% if paginator %}{{ paginator.number }}/{{ paginator.total_pages }} of {{ paginator.total_items }} by {{ paginator.per_page }}: {% for p in paginator.items %}{{ p.title }} {% endfor %}\nfirst {{ paginator.first }} last {{ paginator.last }} previous {{ paginator.previous }} next {{ paginator.next }}\npages {% for p in paginator.pages %}{{ p.number }}={{ p.url }} {% endfor %}\n{% endif %}all: {% for p in page.pages %}{{ p.title }} {% endfor %}\n";

#[test]
fn a_section_is_listed_over_pages_with_a_paginator_and_keeps_its_whole_list() {
    let site = news_site("paginate_by = 2\n").file("templates/section.html", LISTING);
    site.build();
    assert_text(
        &site.read("news/index.html"),
        "1/3 of 5 by 2: E D \nfirst /news/ last /news/page/3/ previous None next /news/page/2/\npages 1=/news/ 2=/news/page/2/ 3=/news/page/3/ \nall: E D C B A \n",
        "page 1",
    );
    assert_text(
        &site.read("news/page/2/index.html"),
        "2/3 of 5 by 2: C B \nfirst /news/ last /news/page/3/ previous /news/ next /news/page/3/\npages 1=/news/ 2=/news/page/2/ 3=/news/page/3/ \nall: E D C B A \n",
        "page 2",
    );
    assert!(site
        .read("news/page/3/index.html")
        .starts_with("3/3 of 5 by 2: A \n"));
    let first = site.read("news/page/1/index.html");
    assert!(
        first.contains("<meta http-equiv=\"refresh\" content=\"0; url=/news/\">"),
        "{first}"
    );
    assert!(!site.path("public/news/page/4").exists());
}

#[test]
fn a_listing_is_sorted_as_its_section_says() {
    let site = news_site("paginate_by = 3\nsort_by = \"title\"\nsort_reverse = true\n")
        .file("templates/section.html", LISTING);
    site.build();
    assert!(site
        .read("news/index.html")
        .starts_with("1/2 of 5 by 3: E D C \n"));
    assert!(site
        .read("news/page/2/index.html")
        .starts_with("2/2 of 5 by 3: B A \n"));
}

#[test]
fn the_site_default_paginates_long_listings_and_collections_are_listed_whole() {
    let mut site = TestSite::new()
        .file(
            "site.toml",
            "title = \"T\"\npaginate_by = 4\n[collections.countries]\n",
        )
        .file("content/news/_index.md", page("News", "", ""))
        .file("content/countries/_index.md", page("Countries", "", ""));
    for i in 0..5 {
        site = site
            .file(
                &format!("content/news/n{i}.md"),
                page(&format!("N{i}"), "", ""),
            )
            .file(
                &format!("content/countries/c{i}.md"),
                page(&format!("C{i}"), "", ""),
            );
    }
    site.build();
    let news = site.read("news/index.html");
    assert!(
        news.contains("<link rel=\"next\" href=\"/news/page/2/\">"),
        "{news}"
    );
    assert!(
        news.contains("<nav class=\"pagination\" aria-label=\"Pages of this list\">"),
        "{news}"
    );
    let second = site.read("news/page/2/index.html");
    assert!(
        second.contains("<link rel=\"prev\" href=\"/news/\">"),
        "{second}"
    );
    assert!(
        second.contains("<title>News, page 2 — T</title>"),
        "{second}"
    );
    assert!(
        !site.path("public/countries/page").exists(),
        "a collection is listed whole"
    );

    site.write(
        "site.toml",
        "title = \"T\"\npaginate_by = 0\n[collections.countries]\n",
    );
    site.build();
    assert!(
        !site.path("public/news/page").exists(),
        "0 turns pagination off"
    );
}

#[test]
fn listing_keys_are_checked_where_they_are_written() {
    let site = news_site("sort_by = \"titel\"\n")
        .file("content/news/f.md", page("F", "paginate_by = 2\n", ""));
    assert_text(
        &site.build_err(),
        r#"error: invalid value for `sort_by`: "titel"
 --> content/news/_index.md:3:11
  |
3 | sort_by = "titel"
  |           ^^^^^^^ did you mean `title`?
  |
  = help: `sort_by` takes one of "weight", "date" or "title"

error: `paginate_by` in content/news/f.md, which is not a section
 --> content/news/f.md:3:1
  |
3 | paginate_by = 2
  | ^^^^^^^^^^^ only a section's _index.md lists pages
  |
  = help: move it to the _index.md of the section whose listing it shapes

error: build failed with 2 errors
"#,
        "listing keys",
    );
}

#[test]
fn an_alias_may_not_claim_a_listing_page() {
    let site = news_site("paginate_by = 2\n").file(
        "content/about.md",
        page("About", "aliases = [\"/news/page/2/\"]\n", ""),
    );
    let stderr = site.build_err();
    assert!(
        stderr.starts_with("error: alias \"/news/page/2/\" of content/about.md claims news/page/2/index.html, already written for content/news/_index.md\n"),
        "{stderr}"
    );
}
