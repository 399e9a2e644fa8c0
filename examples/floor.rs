//! The floor of a full build, for benches/compare.sh: one thread reads every Markdown file under
//! `<site>/content`, renders its body with pulldown-cmark (weft's Markdown options, no templates,
//! no cross-references) and writes one `index.html` per page into a folder, then prints the
//! figures. It does nothing a site generator could skip, so no generator can beat it.
//!
//!   cargo run --release --example floor -- <site> <output-folder>

use std::fs;
use std::path::Path;
use std::time::Instant;

use pulldown_cmark::{html, Parser};
use walkdir::WalkDir;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [site, out] = args.as_slice() else {
        eprintln!("usage: floor <site> <output-folder>");
        std::process::exit(2);
    };
    let content = Path::new(site).join("content");
    let out = Path::new(out);
    let start = Instant::now();
    let (mut pages, mut bytes_in, mut bytes_out) = (0usize, 0usize, 0usize);
    let mut html_out = String::new();
    let mut files: Vec<_> = WalkDir::new(&content)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| e.into_path())
        .collect();
    files.sort();
    for path in files {
        let text = fs::read_to_string(&path).expect("read a content file");
        let body = strip_front_matter(&text);
        html_out.clear();
        html::push_html(
            &mut html_out,
            Parser::new_ext(body, weft::markdown::options()),
        );
        let rel = path.strip_prefix(&content).unwrap().with_extension("");
        let dir = out.join(rel);
        fs::create_dir_all(&dir).expect("create the output folder");
        fs::write(dir.join("index.html"), &html_out).expect("write a page");
        pages += 1;
        bytes_in += text.len();
        bytes_out += html_out.len();
    }
    let elapsed = start.elapsed();
    println!(
        "floor: {pages} pages, {:.1} MB in, {:.1} MB out, {:.3} s ({:.1} us/page), one thread",
        bytes_in as f64 / 1e6,
        bytes_out as f64 / 1e6,
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1e6 / pages.max(1) as f64
    );
}

/// The text after a `+++` TOML front-matter block (the whole text when there is none).
fn strip_front_matter(text: &str) -> &str {
    let Some(rest) = text.strip_prefix("+++") else {
        return text;
    };
    match rest.find("\n+++") {
        Some(end) => {
            let after = &rest[end + 4..];
            after.strip_prefix('\n').unwrap_or(after)
        }
        None => text,
    }
}
