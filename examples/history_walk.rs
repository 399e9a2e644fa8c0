//! The cost of `dates_from_git`: times `weft::load::history::dates` (one walk of the repository's
//! history dating every Markdown file under `<site>/content`) five times and prints each run.
//! The figures in BENCHMARKS.md come from the benchmark corpus committed into a throwaway
//! repository (see "Last-updated dates" there).
//!
//!   cargo run --release --example history_walk -- <site>

use std::path::PathBuf;
use std::time::Instant;

use walkdir::WalkDir;

fn main() {
    let Some(site) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: history_walk <site>");
        std::process::exit(2);
    };
    let content = site.join("content");
    let paths: Vec<String> = WalkDir::new(&content)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| {
            let rel = e.path().strip_prefix(&content).expect("under content/");
            rel.to_string_lossy().replace('\\', "/")
        })
        .collect();
    for _ in 0..5 {
        let start = Instant::now();
        let dates = weft::load::history::dates(&site, &paths);
        println!(
            "{} files, {} dated{}, {:.1} ms",
            paths.len(),
            dates.dates.len(),
            if dates.warning.is_some() {
                " (with a warning)"
            } else {
                ""
            },
            start.elapsed().as_secs_f64() * 1000.0
        );
    }
}
