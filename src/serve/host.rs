//! Which `Host` a request may name: the guard against DNS rebinding. A web page the user
//! visits can make its own name resolve to 127.0.0.1 and then read the preview as if it were
//! its own site; the browser still sends that name as the `Host`. So only requests naming this
//! machine are answered: `localhost` (and names under it), an IP address (no page can obtain
//! one as its origin through DNS, so an address is never a rebinding), the name given to
//! `--bind`, and the names the user allows with `--allow-host` (a leading dot allows every
//! name under it). The port is not compared: a rebinding page uses the server's own port, and
//! a forwarded port (`ssh -L 8000:localhost:4000`) must keep working.

use std::net::{Ipv4Addr, Ipv6Addr};

/// The names answered besides `localhost` and IP addresses.
#[derive(Clone, Debug, Default)]
pub struct Hosts {
    /// Lower case, without port or final dot; `.example.org` allows names under it.
    names: Vec<String>,
}

impl Hosts {
    /// `bind` (when it is a name) and the names of `--allow-host` (a port given with one is
    /// ignored).
    pub fn new(bind: &str, allowed: &[String]) -> Hosts {
        let names = std::iter::once(bind)
            .chain(allowed.iter().map(String::as_str))
            .filter_map(|name| host_name(name).map(normal))
            .filter(|name| !name.is_empty() && !name.trim_start_matches('.').is_empty())
            .collect();
        Hosts { names }
    }

    /// Whether a request whose `Host` (or absolute target's authority) is `authority` is
    /// answered.
    pub fn allows(&self, authority: &str) -> bool {
        let Some(host) = host_name(authority) else {
            return false;
        };
        if host.starts_with('[') {
            return host
                .strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .is_some_and(|ip| ip.parse::<Ipv6Addr>().is_ok());
        }
        let name = normal(host);
        if name.parse::<Ipv4Addr>().is_ok() || name == "localhost" || name.ends_with(".localhost") {
            return true;
        }
        self.names
            .iter()
            .any(|allowed| match allowed.strip_prefix('.') {
                Some(parent) => name == parent || name.ends_with(allowed.as_str()),
                None => name == *allowed,
            })
    }

    /// The plain-text answer to a request for another name.
    pub fn refusal(authority: &str) -> String {
        let name = host_name(authority).unwrap_or(authority);
        format!(
            "weft serve answers only requests for this machine (localhost, an IP address) or for \
             a name allowed with --allow-host; this one was for {name:?}.\n\
             Another site can point a name of its own at this machine to read the preview \
             through your browser (DNS rebinding), so other names are refused.\n\
             If you opened the preview under this name yourself, restart with: \
             weft serve --allow-host {name}\n"
        )
    }
}

/// The host part of `host[:port]` or `[v6]:port`; `None` when the port is not a number.
fn host_name(authority: &str) -> Option<&str> {
    let authority = authority.trim();
    let (host, port) = if authority.starts_with('[') {
        match authority.find(']') {
            Some(end) => (&authority[..=end], &authority[end + 1..]),
            None => return None,
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, port),
            None => (authority, ""),
        }
    };
    let port = port.strip_prefix(':').unwrap_or(port);
    if !port.bytes().all(|b| b.is_ascii_digit()) || host.contains(':') && !host.starts_with('[') {
        return None;
    }
    Some(host)
}

fn normal(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(bind: &str, allowed: &[&str]) -> Hosts {
        let allowed: Vec<String> = allowed.iter().map(|s| s.to_string()).collect();
        Hosts::new(bind, &allowed)
    }

    #[test]
    fn this_machine_is_answered_under_any_port() {
        let h = hosts("127.0.0.1", &[]);
        for ok in [
            "127.0.0.1",
            "127.0.0.1:4000",
            "localhost:4000",
            "LocalHost.",
            "app.localhost:1",
            "[::1]:4000",
            "[::1]",
            "192.168.1.20:4000",
            "10.0.0.1",
        ] {
            assert!(h.allows(ok), "{ok} was refused");
        }
    }

    #[test]
    fn other_names_are_refused_unless_allowed() {
        let h = hosts("127.0.0.1", &[]);
        for bad in [
            "evil.example",
            "evil.example:4000",
            "localhost.evil.example",
            "127.0.0.1.nip.io",
            "2130706433",
            "[evil]:4000",
            "[::1",
            "localhost:x",
            "",
        ] {
            assert!(!h.allows(bad), "{bad} was allowed");
        }
        let h = hosts("devbox.lan", &["docs.test:4000", ".preview.example", ""]);
        assert!(h.allows("devbox.lan:4000"));
        assert!(h.allows("DOCS.test"));
        assert!(h.allows("preview.example"));
        assert!(h.allows("a.b.preview.example:80"));
        assert!(!h.allows("docs.test.evil"));
        assert!(!h.allows("notpreview.example"));
        assert!(!h.allows("evil.example"));
    }

    #[test]
    fn the_refusal_names_the_host_and_the_way_out() {
        assert_eq!(
            Hosts::refusal("evil.example:4000"),
            "weft serve answers only requests for this machine (localhost, an IP address) or for \
             a name allowed with --allow-host; this one was for \"evil.example\".\n\
             Another site can point a name of its own at this machine to read the preview \
             through your browser (DNS rebinding), so other names are refused.\n\
             If you opened the preview under this name yourself, restart with: \
             weft serve --allow-host evil.example\n"
        );
    }
}
