//! Meta's host names that Vitrine answers for in transparent mode: as a bot's HTTPS proxy
//! (`CONNECT host:443`) and on `--tls-listen` (a hosts-file entry). This list is the one place
//! that says which hosts are intercepted; every other host is refused, so Vitrine is never an
//! open proxy. A URL Vitrine hands out on one of Meta's hosts (media downloads) must name a host
//! listed here.

/// The Graph API.
pub const GRAPH: &str = "graph.facebook.com";

/// Where Meta's media download URLs point (the `url` that Meta's `GET /{media-id}` answers).
pub const MEDIA: &str = "lookaside.fbsbx.com";

/// Every intercepted host, the Graph API first. Each is served on port 443 only.
pub const INTERCEPTED: &[&str] = &[GRAPH, MEDIA];

/// The only port a bot may `CONNECT` to.
pub const HTTPS_PORT: u16 = 443;

/// The domains the local certificate authority may vouch for (its X.509 name constraints): every
/// intercepted host lies in one of them, so a CA created today also covers a host added to
/// [`INTERCEPTED`] later, and a copy of its private key cannot impersonate any other site.
pub const CA_PERMITTED_DOMAINS: &[&str] = &["facebook.com", "fbsbx.com", "whatsapp.net"];

/// The intercepted host a client named (case and a trailing dot ignored), if it is one.
pub fn intercepted(host: &str) -> Option<&'static str> {
    let host = host.strip_suffix('.').unwrap_or(host);
    INTERCEPTED
        .iter()
        .copied()
        .find(|h| h.eq_ignore_ascii_case(host))
}

/// Whether `host` is `domain` or a name under it.
pub fn within(host: &str, domain: &str) -> bool {
    host == domain
        || host
            .strip_suffix(domain)
            .is_some_and(|prefix| prefix.ends_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_hosts_are_intercepted() {
        assert_eq!(intercepted("graph.facebook.com"), Some(GRAPH));
        assert_eq!(intercepted("GRAPH.Facebook.com."), Some(GRAPH));
        assert_eq!(intercepted("lookaside.fbsbx.com"), Some(MEDIA));
        for other in [
            "facebook.com",
            "www.facebook.com",
            "graph.facebook.com.evil.example",
            "evilgraph.facebook.com",
            "127.0.0.1",
            "",
        ] {
            assert_eq!(intercepted(other), None, "{other}");
        }
    }

    #[test]
    fn every_intercepted_host_is_within_the_ca_constraints() {
        for host in INTERCEPTED {
            assert!(
                CA_PERMITTED_DOMAINS.iter().any(|d| within(host, d)),
                "{host} is outside the local CA's name constraints"
            );
        }
        assert!(within("a.fbsbx.com", "fbsbx.com"));
        assert!(!within("afbsbx.com", "fbsbx.com"));
    }
}
