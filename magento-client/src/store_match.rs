//! Finding the store view that serves a shop domain.
//!
//! A Magento installation can serve many shops. Integrations are usually configured with the
//! shop's domain (`www.shop.example`), while orders carry a numeric `store_id`. This module maps
//! one to the other by comparing the domain with each store config's `base_url`,
//! `secure_base_url`, `base_link_url` and `secure_base_link_url`: scheme, a leading `www.`, the
//! port, letter case, a trailing dot and an `index.php` segment are ignored; when several store
//! views share a host, the URL path decides (`/de/` vs `/en/`).
//!
//! With "Add Store Code to URLs" on (Stores > Configuration > General > Web > Url Options),
//! every store view shares the `base_url` and only its `base_link_url` carries the code
//! (`https://shop.test/nl/`): pass the shop URL with the code to pick that store view. When
//! several store views serve the same URL the answer is [`StoreMatchError::Ambiguous`], which
//! lists them; pin one by its id (`OrderSource::store(id)`) or pass its link URL.
//!
//! The store code in a REST URL does **not** filter orders: filter on the matched `store_id`.

use url::Url;

use crate::models::StoreConfig;

/// Why no single store matched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreMatchError {
    /// The domain could not be read as a host name.
    #[error("{domain:?} is not a shop domain or URL (expected e.g. `shop.example.com`)")]
    InvalidDomain {
        /// What was given.
        domain: String,
    },
    /// No store's base URL has this host.
    #[error(
        "no Magento store view serves {domain:?}; the store configs list these hosts: {known:?}. \
         Check the domain, or the base URLs under Stores > Configuration > General > Web"
    )]
    NoMatch {
        /// What was given.
        domain: String,
        /// The hosts the store configs do list.
        known: Vec<String>,
    },
    /// Several store views serve this host and path.
    #[error(
        "several Magento store views serve {domain:?}: {}. Pass the URL of the one you mean \
         (its link URL, with the store code when \"Add Store Code to URLs\" is on), or pin its \
         store id (e.g. `OrderSource::new(client).store(<id>)`, `OrderFeed::new().store(<id>)`)",
        list_candidates(candidates)
    )]
    Ambiguous {
        /// What was given.
        domain: String,
        /// Each store view that serves it.
        candidates: Vec<StoreCandidate>,
    },
}

/// A store view that serves a domain, as listed by [`StoreMatchError::Ambiguous`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoreCandidate {
    /// The store id (`store_id` on orders).
    pub id: u32,
    /// The store code.
    pub code: String,
    /// Its link URL (`secure_base_link_url`, else `base_link_url`), when the config has one.
    pub link_url: Option<String>,
}

fn list_candidates(candidates: &[StoreCandidate]) -> String {
    candidates
        .iter()
        .map(|c| match &c.link_url {
            Some(url) => format!("store id {} (code {:?}, {url})", c.id, c.code),
            None => format!("store id {} (code {:?})", c.id, c.code),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A host and path, normalized for comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopLocation {
    /// Lower-case host without a leading `www.` or trailing dot (IDNs in punycode).
    pub host: String,
    /// Lower-case path segments (empty for the root).
    pub path: Vec<String>,
}

impl ShopLocation {
    /// Read a domain or URL: `shop.example`, `WWW.Shop.Example:8443`, `https://shop.example/de/`.
    ///
    /// ```
    /// use magento_client::store_match::ShopLocation;
    /// let loc = ShopLocation::parse("HTTPS://www.Shop.example:8443/DE/").unwrap();
    /// assert_eq!(loc.host, "shop.example");
    /// assert_eq!(loc.path, vec!["de".to_string()]);
    /// ```
    pub fn parse(input: &str) -> Option<ShopLocation> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return None;
        }
        let with_scheme = if trimmed.contains("://") {
            trimmed.to_string()
        } else {
            format!("https://{trimmed}")
        };
        let url = Url::parse(&with_scheme).ok()?;
        let host = url.host_str()?.trim_end_matches('.').to_ascii_lowercase();
        let host = host.strip_prefix("www.").unwrap_or(&host).to_string();
        if host.is_empty() {
            return None;
        }
        let path = url
            .path_segments()
            .map(|segments| {
                segments
                    .filter(|s| !s.is_empty())
                    .map(str::to_lowercase)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        // `index.php` appears in link URLs when URL rewrites are off; it names no store.
        let path = match path.split_first() {
            Some((first, rest)) if first == "index.php" => rest.to_vec(),
            _ => path,
        };
        Some(ShopLocation { host, path })
    }
}

/// The store view whose `base_url` or `secure_base_url` serves `domain`.
///
/// Rules: hosts must be equal after normalization ([`ShopLocation::parse`]). Among stores on that
/// host, those whose base URL path is a prefix of the domain's path qualify, and the longest
/// such path wins (`shop.example/de/checkout` → the `/de/` store). The `admin` store (id 0) is
/// never a match.
///
/// ```
/// use magento_client::{StoreConfig, store_match::match_store};
///
/// let configs: Vec<StoreConfig> = serde_json::from_str(r#"[
///   {"id": 1, "code": "default", "website_id": 1,
///    "base_url": "http://shop.example/", "secure_base_url": "https://shop.example/"},
///   {"id": 2, "code": "outlet", "website_id": 2,
///    "base_url": "http://outlet.example/", "secure_base_url": "https://outlet.example/"}
/// ]"#).unwrap();
/// assert_eq!(match_store(&configs, "www.outlet.example").unwrap().id, 2);
/// assert!(match_store(&configs, "unknown.example").is_err());
/// ```
pub fn match_store<'a>(
    configs: &'a [StoreConfig],
    domain: &str,
) -> Result<&'a StoreConfig, StoreMatchError> {
    let wanted = ShopLocation::parse(domain).ok_or_else(|| StoreMatchError::InvalidDomain {
        domain: domain.to_string(),
    })?;
    let locations = |c: &StoreConfig| -> Vec<ShopLocation> {
        [
            c.base_url.as_deref(),
            c.secure_base_url.as_deref(),
            c.base_link_url.as_deref(),
            c.secure_base_link_url.as_deref(),
        ]
        .into_iter()
        .flatten()
        .filter_map(ShopLocation::parse)
        .collect()
    };
    let stores = configs.iter().filter(|c| c.id != 0 && c.code != "admin");

    // For each store on the right host: the longest of its base paths that prefixes ours.
    let mut best: Vec<(&StoreConfig, usize)> = Vec::new();
    let mut known = Vec::new();
    for config in stores {
        let mut depth: Option<usize> = None;
        for loc in locations(config) {
            if !known.contains(&loc.host) {
                known.push(loc.host.clone());
            }
            if loc.host == wanted.host && wanted.path.starts_with(&loc.path) {
                depth = Some(depth.map_or(loc.path.len(), |d| d.max(loc.path.len())));
            }
        }
        if let Some(d) = depth {
            best.push((config, d));
        }
    }
    let Some(deepest) = best.iter().map(|(_, d)| *d).max() else {
        return Err(StoreMatchError::NoMatch {
            domain: domain.to_string(),
            known,
        });
    };
    let winners: Vec<&StoreConfig> = best
        .into_iter()
        .filter(|(_, d)| *d == deepest)
        .map(|(c, _)| c)
        .collect();
    match winners.as_slice() {
        [one] => Ok(one),
        many => Err(StoreMatchError::Ambiguous {
            domain: domain.to_string(),
            candidates: many
                .iter()
                .map(|c| StoreCandidate {
                    id: c.id,
                    code: c.code.clone(),
                    link_url: c
                        .secure_base_link_url
                        .clone()
                        .or_else(|| c.base_link_url.clone()),
                })
                .collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_edge_cases() {
        let p = |s| ShopLocation::parse(s).map(|l| (l.host, l.path.join("/")));
        assert_eq!(p("shop.example"), Some(("shop.example".into(), "".into())));
        assert_eq!(
            p(" Shop.Example. "),
            Some(("shop.example".into(), "".into()))
        );
        assert_eq!(
            p("http://www.shop.example:8080/"),
            Some(("shop.example".into(), "".into()))
        );
        assert_eq!(
            p("shop.example/en//"),
            Some(("shop.example".into(), "en".into()))
        );
        assert_eq!(
            p("münchen.example"),
            Some(("xn--mnchen-3ya.example".into(), "".into()))
        );
        assert_eq!(
            p("www2.shop.example"),
            Some(("www2.shop.example".into(), "".into()))
        );
        assert_eq!(p(""), None);
        assert_eq!(p("https://"), None);
    }
}
