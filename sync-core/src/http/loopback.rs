//! Whether a URL stays on this machine: the one place clients decide that plain `http://` may
//! carry credentials (local mocks, a TLS-terminating sidecar).

use url::{Host, Url};

/// `true` for `127.0.0.0/8`, `::1`, IPv4-mapped loopback (`::ffff:127.0.0.1`) and the name
/// `localhost` (a trailing dot allowed). `*.localhost` is loopback by RFC 6761, but not every
/// resolver honours that, so it is not accepted.
///
/// ```
/// use sync_core::http::is_loopback;
/// let url = |s: &str| url::Url::parse(s).unwrap();
/// assert!(is_loopback(&url("http://127.0.0.1:8080/")));
/// assert!(is_loopback(&url("http://localhost/")));
/// assert!(!is_loopback(&url("http://localhost.evil.example/")));
/// ```
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Some(Host::Domain(domain)) => domain
            .trim_end_matches('.')
            .eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_and_look_alikes() {
        let url = |s: &str| Url::parse(s).unwrap();
        for yes in [
            "http://127.0.0.1/",
            "http://127.8.9.10:99/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://LOCALHOST./",
        ] {
            assert!(is_loopback(&url(yes)), "{yes}");
        }
        for no in [
            "http://10.0.0.1/",
            "http://[::ffff:10.0.0.1]/",
            "http://app.localhost/",
            "http://localhost.evil.example/",
            "http://shop.example/",
        ] {
            assert!(!is_loopback(&url(no)), "{no}");
        }
    }
}
