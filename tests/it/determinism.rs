//! The output is byte-identical across runs and thread counts (`RAYON_NUM_THREADS`), on the
//! fixtures, on a generated site with many cross-references, and on the repository's own site.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::{fixture_dir, run, tree, TestSite};

/// Builds `root` into a fresh folder with `RAYON_NUM_THREADS=threads` (None: rayon's default).
fn build(root: &Path, threads: Option<&str>) -> BTreeMap<String, Vec<u8>> {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let env: Vec<(&str, &str)> = threads
        .map(|t| ("RAYON_NUM_THREADS", t))
        .into_iter()
        .collect();
    let result = run(root, &["build", "--output", out.to_str().unwrap()], &env);
    assert_eq!(
        result.code,
        Some(0),
        "{}: {}",
        root.display(),
        result.stderr
    );
    tree(&out)
}

fn assert_same(root: &Path) {
    let first = build(root, None);
    assert!(first.len() > 3, "{} built almost nothing", root.display());
    for threads in [None, Some("1"), Some("8")] {
        let other = build(root, threads);
        assert_eq!(
            first.keys().collect::<Vec<_>>(),
            other.keys().collect::<Vec<_>>(),
            "{}: file list differs with RAYON_NUM_THREADS={threads:?}",
            root.display()
        );
        for (path, bytes) in &first {
            assert!(
                other[path] == *bytes,
                "{}: {path} differs with RAYON_NUM_THREADS={threads:?}",
                root.display()
            );
        }
    }
}

#[test]
fn fixtures_build_byte_identically_across_runs_and_thread_counts() {
    for name in ["links", "default_theme"] {
        assert_same(&fixture_dir(name));
    }
}

/// 30 countries, 6 programmes of 5 pages, each page referencing countries with attributes and
/// linking to others in its body: many backlinks whose order must not depend on threads.
fn generated_site() -> TestSite {
    let mut site = TestSite::new().file(
        "site.toml",
        "title = \"Generated\"\n[collections.countries]\n[collections.programmes]\n",
    );
    site = site
        .file(
            "content/countries/_index.md",
            "+++\ntitle = \"Countries\"\n+++\n",
        )
        .file(
            "content/programmes/_index.md",
            "+++\ntitle = \"Programmes\"\n+++\n",
        );
    for c in 0..30 {
        site = site.file(
            &format!("content/countries/c{c}.md"),
            format!(
                "+++\ntitle = \"Country {c}\"\n+++\n## Facts\n\nSee [[Country {}]].\n",
                (c + 7) % 30
            ),
        );
    }
    for p in 0..6 {
        site = site.file(
            &format!("content/programmes/p{p}/_index.md"),
            format!(
                "+++\ntitle = \"Programme {p}\"\nweight = {}\n+++\nSummary of {p}.\n",
                p % 3
            ),
        );
        for i in 0..5 {
            let refs: Vec<String> = (0..4)
                .map(|k| {
                    let c = (p * 5 + i * 3 + k * 7) % 30;
                    format!(
                        "{{ ref = \"country {c}\", since = {}, status = \"S{k}\" }}",
                        1990 + i
                    )
                })
                .collect();
            site = site.file(
                &format!("content/programmes/p{p}/page{i}.md"),
                format!(
                    "+++\ntitle = \"P{p} page {i}\"\ndate = 1999-0{}-01\ncountries = [{}]\nprogrammes = [\"Programme {}\"]\n+++\n# Part\n\n## Part\n\nLinks: [[Country {}]], [f](@/countries/c{}.md#facts).\n",
                    1 + i % 5,
                    refs.join(", "),
                    (p + 1) % 6,
                    (p + i) % 30,
                    (p * i) % 30,
                ),
            );
        }
    }
    site
}

#[test]
fn a_site_with_many_cross_references_builds_byte_identically() {
    let site = generated_site();
    assert_same(site.root());
}

/// The repository's own site, copied first: colleagues may be editing it while tests run.
#[test]
fn the_repository_site_builds_without_errors_and_byte_identically() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let site = TestSite::new().file("site.toml", std::fs::read(repo.join("site.toml")).unwrap());
    for folder in ["content", "data", "i18n", "themes", "static", "templates"] {
        for (path, bytes) in tree(&repo.join(folder)) {
            site.write(&format!("{folder}/{path}"), bytes);
        }
    }
    assert_same(site.root());
}
