//! The `weft` command line: parses arguments (clap), calls the library, prints diagnostics and
//! a one-line summary, and sets the exit code (0 ok, 1 content errors, 2 usage or I/O errors).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use weft::{ErrorKind, Errors, Options};

// A build makes millions of small, short-lived values (template values, strings) on every
// thread; glibc's malloc spent 18 % of a 10 000-page build's instructions on them and grew its
// per-thread heaps by 36 000 mprotect calls. jemalloc: 0.85 x the wall time, 1.08 x the peak
// memory (BENCHMARKS.md).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

// jemalloc's options, read once when it starts (MALLOC_CONF-style, overriding the library's
// weak default symbol). `thp:always` asks Linux for 2 MiB pages for the heap: a 30 000-file
// build touches some 600 MiB that 4 KiB pages fault in one by one (230 000 faults); with huge
// pages it takes about 10 000, and 0.93 x the wall time. Freed pages are given back to the
// system after 30 s instead of 10: within a build they are reused, where handing a huge page
// back and faulting it in again zeroed 2 MiB each time (BENCHMARKS.md, "Seventh session").
// `weft serve` still returns its memory half a minute after a rebuild.
#[cfg(all(not(target_env = "msvc"), target_os = "linux"))]
#[export_name = "_rjem_malloc_conf"]
#[allow(non_upper_case_globals)]
pub static malloc_conf: &u8 =
    &b"thp:always,metadata_thp:always,dirty_decay_ms:30000,muzzy_decay_ms:30000\0"[0];

#[derive(Parser)]
#[command(
    name = "weft",
    version,
    about = "Static sites whose pages are cross-linked both ways"
)]
struct Cli {
    /// The site's folder (holding site.toml and content/).
    #[arg(long, global = true, default_value = ".")]
    root: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into the output folder.
    Build {
        /// Include draft pages.
        #[arg(long)]
        drafts: bool,
        /// Override base_url from site.toml (e.g. https://example.org/sub/).
        #[arg(long, value_parser = base_url_arg)]
        base_url: Option<String>,
        /// Output folder (default: public/ under the root).
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Build in memory and report broken links, anchors and references.
    Check(weft::check::CheckArgs),
    /// Preview the site: serve it from memory, rebuild on every change, reload the browser.
    Serve {
        /// Address to listen on (0.0.0.0: every network interface, reachable from others).
        #[arg(long, default_value = "127.0.0.1")]
        bind: String,
        /// Port to listen on (0: any free port; the URL is printed).
        #[arg(long, default_value_t = 4000)]
        port: u16,
        /// Include draft pages.
        #[arg(long)]
        drafts: bool,
        /// Poll for changes instead of file-system events (Docker volumes, WSL, network shares).
        #[arg(long)]
        poll: bool,
        /// Open the site in the system's browser.
        #[arg(long)]
        open: bool,
        /// Also answer requests for this host name (repeatable; `.example.org`: every name
        /// under it). Otherwise only localhost and IP addresses are answered.
        #[arg(long = "allow-host", value_name = "NAME")]
        allow_hosts: Vec<String>,
    },
    /// Create a small working site in a new folder.
    New {
        /// The folder to create (must not exist, or be empty).
        dir: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    match cli.command {
        Command::Build {
            drafts,
            base_url,
            output,
        } => {
            let options = Options {
                drafts,
                base_url,
                serve: false,
            };
            let output = output.unwrap_or_else(|| cli.root.join("public"));
            build(&cli.root, &options, &output, color)
        }
        Command::Serve {
            bind,
            port,
            drafts,
            poll,
            open,
            allow_hosts,
        } => {
            let options = Options {
                drafts,
                ..Options::default()
            };
            let serve = weft::serve::ServeOptions {
                bind,
                port,
                poll,
                open,
                allow_hosts,
            };
            match weft::serve::run(&cli.root, options, &serve) {
                Ok(()) => ExitCode::SUCCESS,
                Err(weft::serve::StartError::Fatal(line)) => {
                    eprintln!("{line}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Check(args) => ExitCode::from(weft::check::run(&cli.root, &args, color)),
        Command::New { dir } => match weft::scaffold::create(&dir) {
            Ok(files) => {
                let (n, d) = (files.len(), dir.display());
                eprintln!("created a site in {d} ({n} files); try: weft --root {d} serve");
                ExitCode::SUCCESS
            }
            Err(e) => fail(&Errors(vec![e]), color),
        },
    }
}

fn build(root: &Path, options: &Options, output: &Path, color: bool) -> ExitCode {
    let start = Instant::now();
    // Pages are written to a staging folder as they render, and moved into place only when
    // the whole build succeeded (dropping `staging` on an error leaves the output as it was).
    let staging = match weft::write::Staging::begin(output, root) {
        Ok(s) => s,
        Err(e) => return fail(&Errors(vec![e]), color),
    };
    let built = match weft::build_into(root, options, &staging) {
        Ok(b) => b,
        Err(errors) => return fail(&errors, color),
    };
    for warning in &built.warnings {
        eprintln!("{}", warning.render_as(true, color));
    }
    let result = staging.commit(&built.assets);
    let page_count = built.page_count();
    let languages = match built.translations.len() {
        0 => String::new(),
        n => format!(" in {} languages", n + 1),
    };
    let base_url = built.site.config.base_url.clone();
    let absolute = built.site.config.has_absolute_base_url();
    // The process ends here: freeing the site's hundreds of thousands of values one by one
    // would only delay the exit.
    std::mem::forget(built);
    match result {
        Ok(stats) => {
            eprintln!(
                "built {} pages{languages} in {} ms ({} files written, {} unchanged, {} removed) -> {}",
                group_digits(page_count),
                start.elapsed().as_millis(),
                stats.written,
                stats.unchanged,
                stats.removed,
                output.display()
            );
            let index = output.join(weft::search::INDEX_FILE);
            if let Ok(meta) = std::fs::metadata(index) {
                eprintln!("{}", weft::search::summary(meta.len()));
            }
            if !absolute {
                eprintln!("warning: base_url \"{base_url}\" is a path, not an absolute URL, so sitemap.xml and the Atom feeds were not written (both formats need absolute URLs)\n = help: before publishing, set base_url = \"https://…/\" in site.toml or pass --base-url");
            }
            ExitCode::SUCCESS
        }
        Err(errors) => fail(&errors, color),
    }
}

/// `--base-url`, checked as `base_url` in site.toml is.
fn base_url_arg(url: &str) -> Result<String, String> {
    weft::config::check_base_url(url).map(|()| url.to_string())
}

/// Prints every error; exit 2 for I/O problems, 1 for content problems.
fn fail(errors: &Errors, color: bool) -> ExitCode {
    eprintln!("{}", errors.render(color));
    if errors.iter().any(|e| e.kind == ErrorKind::Io) {
        ExitCode::from(2)
    } else {
        ExitCode::from(1)
    }
}

/// `1234` -> `1 234`, as in the summary line.
fn group_digits(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}
