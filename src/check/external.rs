//! External links for `weft check --external`: each URL asked with HEAD, then GET when HEAD is
//! refused; a timeout per request; at most `--concurrency` requests in flight; answers kept for
//! a day in `.weft-cache/external-links.json` under the site root (a site that did not answer,
//! or answered 408, 429 or 5xx, is asked again next time). Findings: an error for a 4xx answer,
//! a warning for no answer, 408, 429 or 5xx.
//!
//! The link cache is the only file this module writes; it never touches the output folder.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::{CheckArgs, ExternalLink, Finding, Severity};
use crate::error::{Error, ErrorKind};

/// How long an external link's result is trusted.
pub const CACHE_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// The outcome of checking one external URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The final HTTP status (after redirects).
    Status(u16),
    /// No answer: DNS, connection, TLS or timeout; the reason.
    Unreachable(String),
}

/// Results of earlier runs: URL -> (seconds since the epoch, status). Only definitive HTTP
/// answers are kept; an unreachable or busy site (429, 5xx) is asked again next time.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Cache {
    version: u32,
    links: BTreeMap<String, (u64, u16)>,
}

impl Cache {
    /// The cache at `path`; empty when missing, unreadable or from another version.
    pub fn read(path: &Path) -> Cache {
        fs::read_to_string(path)
            .ok()
            .and_then(|t| serde_json::from_str::<Cache>(&t).ok())
            .filter(|c| c.version == 1)
            .unwrap_or(Cache {
                version: 1,
                links: BTreeMap::new(),
            })
    }

    fn fresh(&self, url: &str, now: u64) -> Option<u16> {
        let &(at, status) = self.links.get(url)?;
        (now.saturating_sub(at) < CACHE_TTL.as_secs()).then_some(status)
    }

    /// Writes the cache through a temporary file renamed into place, and never through a
    /// link: a `.weft-cache` linked elsewhere (by a pull request, say) would otherwise have
    /// weft overwrite a file outside the site.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            if fs::symlink_metadata(dir).is_ok_and(|m| !m.is_dir()) {
                return Err(std::io::Error::other(
                    "it is a symbolic link or a file, not a folder weft made; remove it",
                ));
            }
            fs::create_dir_all(dir)?;
        }
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        let temporary = path.with_extension("json.new");
        fs::write(&temporary, text + "\n")?;
        // A rename replaces a link at `path` itself, never the file it points to.
        fs::rename(&temporary, path)
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Checks every external link not answered in the cache, `args.concurrency` at a time.
pub fn check_external(links: &[ExternalLink], cache: &mut Cache, args: &CheckArgs) -> Vec<Finding> {
    let now = now();
    // Answers older than a day are asked again, and forgotten.
    cache
        .links
        .retain(|_, &mut (at, _)| now.saturating_sub(at) < CACHE_TTL.as_secs());
    let mut outcomes: Vec<Option<Outcome>> = links
        .iter()
        .map(|l| cache.fresh(&l.url, now).map(Outcome::Status))
        .collect();
    let todo: Vec<usize> = (0..links.len())
        .filter(|&i| outcomes[i].is_none())
        .collect();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(args.timeout.max(1))))
        .http_status_as_error(false)
        .user_agent(concat!("weft-check/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..args.concurrency.clamp(1, 64).min(todo.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&link) = todo.get(i) else { break };
                let outcome = probe(&agent, &links[link].url);
                results
                    .lock()
                    .expect("no panics while held")
                    .push((link, outcome));
            });
        }
    });
    for (i, outcome) in results.into_inner().expect("no panics while held") {
        if let Outcome::Status(status) = outcome {
            if is_definitive(status) {
                cache.links.insert(links[i].url.clone(), (now, status));
            }
        }
        outcomes[i] = Some(outcome);
    }
    links
        .iter()
        .zip(outcomes)
        .filter_map(|(link, outcome)| external_finding(link, outcome?))
        .collect()
}

/// Whether an answer stands for a day: success, redirects and "not found"-like refusals do;
/// "too many requests" (429), "request timeout" (408) and server errors (5xx) say "try again
/// later", and are asked again next time.
fn is_definitive(status: u16) -> bool {
    !(status == 408 || status == 429 || status >= 500)
}

/// HEAD, then GET when HEAD gets no answer or an error status (many servers refuse HEAD).
fn probe(agent: &ureq::Agent, url: &str) -> Outcome {
    let head = agent.head(url).call().map(|r| r.status().as_u16());
    match head {
        Ok(status) if status < 400 => Outcome::Status(status),
        _ => match agent.get(url).call() {
            Ok(r) => Outcome::Status(r.status().as_u16()),
            Err(e) => Outcome::Unreachable(e.to_string()),
        },
    }
}

fn external_finding(link: &ExternalLink, outcome: Outcome) -> Option<Finding> {
    let (severity, kind, label) = match outcome {
        Outcome::Status(s) if s < 400 => return None,
        Outcome::Status(s) if !is_definitive(s) => (
            Severity::Warning,
            "unreachable-external-link",
            format!("the server answered {s}; try again later"),
        ),
        Outcome::Status(s) => (
            Severity::Error,
            "broken-external-link",
            format!("the server answered {s}"),
        ),
        Outcome::Unreachable(reason) => (Severity::Warning, "unreachable-external-link", reason),
    };
    let message = match severity {
        Severity::Error => format!("broken external link {}", link.url),
        Severity::Warning => format!("could not check external link {}", link.url),
    };
    Some(Finding {
        severity,
        kind,
        detail: Error::new(ErrorKind::BrokenLink, message)
            .at(link.location.clone())
            .label(label),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_is_never_written_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        fs::create_dir(&elsewhere).unwrap();
        fs::write(elsewhere.join("keys"), "precious").unwrap();
        let cache = Cache::read(Path::new("/nonexistent"));

        // The cache file a link to another file: the link is replaced, the file kept.
        let site = dir.path().join("a");
        fs::create_dir_all(site.join(".weft-cache")).unwrap();
        let file = site.join(".weft-cache/external-links.json");
        std::os::unix::fs::symlink(elsewhere.join("keys"), &file).unwrap();
        cache.write(&file).unwrap();
        assert_eq!(
            fs::read_to_string(elsewhere.join("keys")).unwrap(),
            "precious"
        );
        assert!(!file.is_symlink());

        // The cache folder a link: nothing is written.
        let site = dir.path().join("b");
        fs::create_dir_all(&site).unwrap();
        std::os::unix::fs::symlink(&elsewhere, site.join(".weft-cache")).unwrap();
        let err = cache
            .write(&site.join(".weft-cache/external-links.json"))
            .unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert!(!elsewhere.join("external-links.json").exists());
    }

    #[test]
    fn cached_results_expire_after_a_day() {
        let mut cache = Cache::default();
        cache.links.insert("https://a/".into(), (1_000, 200));
        assert_eq!(cache.fresh("https://a/", 1_000 + 60), Some(200));
        assert_eq!(cache.fresh("https://a/", 1_000 + CACHE_TTL.as_secs()), None);
    }

    #[test]
    fn only_definitive_answers_are_definitive() {
        let definitive: Vec<u16> = [200, 301, 404, 408, 410, 429, 500, 503]
            .into_iter()
            .filter(|&s| is_definitive(s))
            .collect();
        assert_eq!(definitive, [200, 301, 404, 410]);
    }
}
