//! Configuration: the TOML file, the environment and the flags, validated into [`Settings`]
//! with errors that name what to fix. Secrets come from the environment only, under the names
//! magento-client's `Client::from_env` reads.

use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

use crate::cli::Args;
use crate::store::{DatabaseError, DatabaseLocation};

/// The default database.
pub const DEFAULT_DATABASE: &str = "sqlite://magento-customers.db";
/// The default batch size (one Magento page).
pub const DEFAULT_BATCH_SIZE: u32 = 100;
/// The default lease period.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(120);
/// The default settle window against a real Magento (magento-client's `OrderSource` default).
pub const DEFAULT_SETTLE: Duration = Duration::from_secs(300);

/// Environment variables holding credentials (never the TOML file): magento-client's own
/// names, plus the app's choice of mode.
pub mod env {
    pub use magento_client::env::{
        ACCESS_TOKEN, ACCESS_TOKEN_SECRET, ADMIN_PASSWORD, ADMIN_USERNAME, CONSUMER_KEY,
        CONSUMER_SECRET,
    };
    /// `oauth1`, `bearer` or `admin` (else inferred from which credentials are set).
    pub const AUTH: &str = "MAGENTO_AUTH";
}

/// Configuration the app cannot work with.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("config file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML for this app.
    #[error("config file {}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the line.
        message: String,
    },
    /// A secret in the file.
    #[error(
        "config file {}: `{key}` is a secret and is read from the environment only: remove it \
         from the file and set {variable}",
        path.display()
    )]
    SecretInFile {
        /// The file.
        path: PathBuf,
        /// The key found.
        key: String,
        /// The variable to use.
        variable: &'static str,
    },
    /// A value is invalid.
    #[error("{field}: {message}")]
    Invalid {
        /// Which setting.
        field: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// The database setting.
    #[error(transparent)]
    Database(#[from] DatabaseError),
}

fn invalid(field: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        field: field.to_string(),
        message: message.into(),
    }
}

/// The TOML file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database: Option<String>,
    batch_size: Option<u32>,
    settle: Option<String>,
    lease: Option<String>,
    #[serde(default)]
    retry: FileRetry,
    #[serde(default)]
    magento: FileMagento,
    #[serde(default)]
    website: Vec<WebsiteConfig>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRetry {
    attempts: Option<u32>,
    initial: Option<String>,
    max_delay: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileMagento {
    base_url: Option<String>,
    auth: Option<String>,
    admin_username: Option<String>,
}

/// One website: a Magento store view whose orders become customers under `name`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebsiteConfig {
    /// The website's key in the customer table (`nl`, `shop.example.com`).
    pub name: String,
    /// The shop's domain or URL, matched against Magento's store base URLs (with the store
    /// code, `https://shop.example.com/nl/`, when "Add Store Code to URLs" is on).
    #[serde(default)]
    pub domain: Option<String>,
    /// Pin the store view instead of matching (`store_id` on orders).
    #[serde(default)]
    pub store_id: Option<u32>,
}

/// How to authenticate to Magento.
#[derive(Debug, Clone)]
pub enum AuthSettings {
    /// OAuth 1.0a with the integration's four credentials.
    OAuth1 {
        /// Consumer key.
        consumer_key: SecretString,
        /// Consumer secret.
        consumer_secret: SecretString,
        /// Access token.
        access_token: SecretString,
        /// Access token secret.
        access_token_secret: SecretString,
    },
    /// A bearer token (integration or admin token).
    Bearer(SecretString),
    /// Admin login; the token is fetched and renewed by the client.
    Admin {
        /// User name.
        username: String,
        /// Password.
        password: SecretString,
    },
}

impl AuthSettings {
    /// The mode's name, for the summary.
    pub fn mode(&self) -> &'static str {
        match self {
            AuthSettings::OAuth1 { .. } => "oauth1",
            AuthSettings::Bearer(_) => "bearer",
            AuthSettings::Admin { .. } => "admin",
        }
    }
}

/// Which Magento.
#[derive(Debug, Clone)]
pub enum Target {
    /// Start the sandbox in this process with this many orders.
    Sandbox {
        /// Seeded orders.
        orders: usize,
    },
    /// A Magento (or a sandbox running elsewhere).
    Magento {
        /// Storefront root.
        base_url: String,
        /// Credentials.
        auth: AuthSettings,
    },
}

/// Retries of an order whose write failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetrySettings {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// The first wait.
    pub initial: Duration,
    /// The longest wait.
    pub max_delay: Duration,
}

/// Everything a run needs, validated.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The SQLite file.
    pub database: DatabaseLocation,
    /// Which Magento.
    pub target: Target,
    /// Websites to import (empty on the sandbox: its two store views are used).
    pub websites: Vec<WebsiteConfig>,
    /// Orders per batch.
    pub batch_size: u32,
    /// Settle window (`None`: the target's default).
    pub settle: Option<Duration>,
    /// Lease period.
    pub lease: Duration,
    /// Retries of failing orders.
    pub retry: RetrySettings,
    /// Wait for a held lease.
    pub wait: bool,
    /// Cron interval.
    pub every: Option<Duration>,
    /// Only these websites.
    pub only: Vec<String>,
}

/// `250ms`, `90s`, `5m`, `6h`, `1d` (also `0`).
pub fn parse_duration(field: &str, text: &str) -> Result<Duration, ConfigError> {
    let text = text.trim();
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let bad = || {
        invalid(
            field,
            format!("{text:?} is not a duration; write e.g. 500ms, 90s, 5m, 6h or 1d"),
        )
    };
    let n: u64 = number.parse().map_err(|_| bad())?;
    let seconds = |s: u64| Ok(Duration::from_secs(n.checked_mul(s).ok_or_else(bad)?));
    match unit.trim() {
        "ms" => Ok(Duration::from_millis(n)),
        "s" => seconds(1),
        "m" => seconds(60),
        "h" => seconds(3600),
        "d" => seconds(86_400),
        _ => Err(bad()),
    }
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let parse = |message: String| ConfigError::Parse {
        path: path.to_path_buf(),
        message,
    };
    let table: toml::Table = toml::from_str(&text).map_err(|e| parse(e.to_string()))?;
    // Name the variable to use rather than just refusing an unknown key.
    let secret_keys = [
        ("password", env::ADMIN_PASSWORD),
        ("admin_password", env::ADMIN_PASSWORD),
        ("bearer_token", env::ACCESS_TOKEN),
        ("token", env::ACCESS_TOKEN),
        ("consumer_key", env::CONSUMER_KEY),
        ("consumer_secret", env::CONSUMER_SECRET),
        ("access_token", env::ACCESS_TOKEN),
        ("access_token_secret", env::ACCESS_TOKEN_SECRET),
    ];
    let sections = [
        Some(&table),
        table.get("magento").and_then(|m| m.as_table()),
    ];
    for section in sections.into_iter().flatten() {
        for (key, variable) in secret_keys {
            if section.contains_key(key) {
                return Err(ConfigError::SecretInFile {
                    path: path.to_path_buf(),
                    key: key.to_string(),
                    variable,
                });
            }
        }
    }
    toml::from_str(&text).map_err(|e| parse(e.to_string()))
}

fn secret(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<SecretString> {
    env(name)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .map(SecretString::from)
}

fn auth_settings(
    file: &FileMagento,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<AuthSettings, ConfigError> {
    let mode = env(env::AUTH)
        .or_else(|| file.auth.clone())
        .map(|m| m.trim().to_ascii_lowercase());
    let oauth = [
        env::CONSUMER_KEY,
        env::CONSUMER_SECRET,
        env::ACCESS_TOKEN,
        env::ACCESS_TOKEN_SECRET,
    ]
    .map(|name| (name, secret(env, name)));
    let bearer = secret(env, env::ACCESS_TOKEN);
    let password = secret(env, env::ADMIN_PASSWORD);
    let username = env(env::ADMIN_USERNAME)
        .or_else(|| file.admin_username.clone())
        .filter(|u| !u.trim().is_empty());
    let mode = match mode {
        Some(mode) => mode,
        None if oauth[0].1.is_some() => "oauth1".into(),
        None if username.is_some() || password.is_some() => "admin".into(),
        None if bearer.is_some() => "bearer".into(),
        None => {
            return Err(invalid(
                "Magento credentials",
                format!(
                    "none found. Set {}, {}, {} and {} (OAuth 1.0a, the integration's four \
                     values), or {} alone (a bearer token), or {} and {} (admin login)",
                    env::CONSUMER_KEY,
                    env::CONSUMER_SECRET,
                    env::ACCESS_TOKEN,
                    env::ACCESS_TOKEN_SECRET,
                    env::ACCESS_TOKEN,
                    env::ADMIN_USERNAME,
                    env::ADMIN_PASSWORD
                ),
            ));
        }
    };
    match mode.as_str() {
        "oauth1" => {
            let missing: Vec<&str> = oauth
                .iter()
                .filter(|(_, v)| v.is_none())
                .map(|(n, _)| *n)
                .collect();
            if !missing.is_empty() {
                return Err(invalid(
                    "Magento OAuth 1.0a credentials",
                    format!("set {}", missing.join(", ")),
                ));
            }
            let [ck, cs, at, ats] = oauth.map(|(_, v)| v.expect("checked above"));
            Ok(AuthSettings::OAuth1 {
                consumer_key: ck,
                consumer_secret: cs,
                access_token: at,
                access_token_secret: ats,
            })
        }
        "bearer" => bearer
            .map(AuthSettings::Bearer)
            .ok_or_else(|| invalid("Magento bearer token", format!("set {}", env::ACCESS_TOKEN))),
        "admin" => match (username, password) {
            (Some(username), Some(password)) => Ok(AuthSettings::Admin { username, password }),
            (None, _) => Err(invalid(
                "Magento admin login",
                format!(
                    "set {} (or `admin_username` under [magento])",
                    env::ADMIN_USERNAME
                ),
            )),
            (_, None) => Err(invalid(
                "Magento admin login",
                format!("set {}", env::ADMIN_PASSWORD),
            )),
        },
        other => Err(invalid(
            "auth",
            format!("{other:?} is not an auth mode; use oauth1, bearer or admin"),
        )),
    }
}

impl Settings {
    /// Settings from the flags, the file they name and the process environment.
    pub fn load(args: &Args) -> Result<Settings, ConfigError> {
        Self::from_sources(args, &|name| std::env::var(name).ok())
    }

    /// Settings from the flags, their file and `env`.
    pub fn from_sources(
        args: &Args,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let database = DatabaseLocation::parse(
            args.database
                .as_deref()
                .or(file.database.as_deref())
                .unwrap_or(DEFAULT_DATABASE),
        )?;
        let base_url = args
            .magento_url
            .clone()
            .or(file.magento.base_url.clone())
            .filter(|u| !u.trim().is_empty());
        let target = match base_url {
            Some(base_url) => Target::Magento {
                base_url,
                auth: auth_settings(&file.magento, env)?,
            },
            None => Target::Sandbox {
                orders: args.sandbox_orders,
            },
        };
        let batch_size = args
            .batch_size
            .or(file.batch_size)
            .unwrap_or(DEFAULT_BATCH_SIZE);
        if !(1..=300).contains(&batch_size) {
            return Err(invalid(
                "batch_size",
                format!(
                    "{batch_size} is out of range: 1 to 300 (Magento refuses larger pages when \
                     web API input limits are on)"
                ),
            ));
        }
        let settle = args
            .settle
            .as_deref()
            .or(file.settle.as_deref())
            .map(|s| parse_duration("settle", s))
            .transpose()?;
        let lease = args
            .lease
            .as_deref()
            .or(file.lease.as_deref())
            .map(|s| parse_duration("lease", s))
            .transpose()?
            .unwrap_or(DEFAULT_LEASE);
        if lease < Duration::from_secs(1) {
            return Err(invalid("lease", "must be at least 1s"));
        }
        let retry = RetrySettings {
            attempts: file.retry.attempts.unwrap_or(5).max(1),
            initial: file
                .retry
                .initial
                .as_deref()
                .map(|s| parse_duration("retry.initial", s))
                .transpose()?
                .unwrap_or(Duration::from_millis(500)),
            max_delay: file
                .retry
                .max_delay
                .as_deref()
                .map(|s| parse_duration("retry.max_delay", s))
                .transpose()?
                .unwrap_or(Duration::from_secs(30)),
        };
        let every = args
            .every
            .as_deref()
            .map(|s| parse_duration("--every", s))
            .transpose()?;
        if every.is_some_and(|e| e.is_zero()) {
            return Err(invalid("--every", "the interval must be longer than 0"));
        }
        let mut names = std::collections::HashSet::new();
        for website in &file.website {
            if website.name.trim().is_empty() {
                return Err(invalid("[[website]] name", "must not be empty"));
            }
            if !names.insert(website.name.as_str()) {
                return Err(invalid(
                    "[[website]] name",
                    format!("{:?} is configured twice", website.name),
                ));
            }
            if website.domain.is_none() && website.store_id.is_none() {
                return Err(invalid(
                    &format!("[[website]] {:?}", website.name),
                    "give a `domain` to match the store by, or pin a `store_id`",
                ));
            }
        }
        if matches!(target, Target::Magento { .. }) && file.website.is_empty() {
            return Err(invalid(
                "websites",
                "no [[website]] in the config file (each with a name and a domain or store_id)",
            ));
        }
        Ok(Settings {
            database,
            target,
            websites: file.website,
            batch_size,
            settle,
            lease,
            retry,
            wait: args.wait,
            every,
            only: args.websites.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use secrecy::ExposeSecret;
    use std::collections::HashMap;

    fn args(extra: &[&str]) -> Args {
        let mut argv = vec!["magento-customer-import"];
        argv.extend_from_slice(extra);
        Args::parse_from(argv)
    }

    fn file(text: &str) -> PathBuf {
        let path = std::env::temp_dir().join(format!(
            "mci-config-{}-{}.toml",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::write(&path, text).unwrap();
        path
    }

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    const SHOP: &str = r#"
        database = "sqlite://shop.db"
        batch_size = 50
        settle = "2m"
        [retry]
        attempts = 3
        initial = "100ms"
        [magento]
        base_url = "https://shop.example.com"
        [[website]]
        name = "nl"
        domain = "https://shop.example.com/nl/"
        [[website]]
        name = "de"
        store_id = 3
    "#;

    #[test]
    fn a_file_and_the_environment_make_settings() {
        let path = file(SHOP);
        let a = args(&["--config", path.to_str().unwrap(), "--lease", "90s"]);
        let s = Settings::from_sources(&a, &env(&[("MAGENTO_ACCESS_TOKEN", " tok-1 ")])).unwrap();
        assert_eq!(s.database.path, PathBuf::from("shop.db"));
        assert_eq!(
            (s.batch_size, s.settle, s.lease),
            (50, Some(Duration::from_secs(120)), Duration::from_secs(90))
        );
        assert_eq!(s.retry.attempts, 3);
        assert_eq!(s.websites.len(), 2);
        assert_eq!(s.websites[1].store_id, Some(3));
        match s.target {
            Target::Magento {
                auth: AuthSettings::Bearer(token),
                ..
            } => assert_eq!(token.expose_secret(), "tok-1"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn secrets_in_the_file_are_refused_with_the_variable_to_use() {
        let path =
            file("[magento]\nbase_url = \"https://shop.example.com\"\npassword = \"hunter2\"\n");
        let error = Settings::from_sources(&args(&["-c", path.to_str().unwrap()]), &env(&[]))
            .unwrap_err()
            .to_string();
        assert!(error.contains("MAGENTO_ADMIN_PASSWORD"), "{error}");
        assert!(!error.contains("hunter2"), "{error}");
    }

    #[test]
    fn missing_credentials_say_what_to_set() {
        let path = file(SHOP);
        let a = args(&["-c", path.to_str().unwrap()]);
        let none = Settings::from_sources(&a, &env(&[]))
            .unwrap_err()
            .to_string();
        assert!(none.contains("MAGENTO_CONSUMER_KEY"), "{none}");
        let partial = Settings::from_sources(
            &a,
            &env(&[("MAGENTO_AUTH", "oauth1"), ("MAGENTO_CONSUMER_KEY", "ck")]),
        )
        .unwrap_err()
        .to_string();
        assert!(
            partial.contains(
                "MAGENTO_CONSUMER_SECRET, MAGENTO_ACCESS_TOKEN, MAGENTO_ACCESS_TOKEN_SECRET"
            ),
            "{partial}"
        );
    }

    #[test]
    fn no_url_means_the_sandbox_and_postgres_is_refused() {
        let s = Settings::from_sources(&args(&["--sandbox-orders", "40"]), &env(&[])).unwrap();
        assert!(matches!(s.target, Target::Sandbox { orders: 40 }));
        let pg =
            Settings::from_sources(&args(&["--database", "postgres://u:p@db/shop"]), &env(&[]))
                .unwrap_err()
                .to_string();
        assert!(pg.contains("PostgreSQL is not supported yet"), "{pg}");
    }

    #[test]
    fn durations() {
        let d = |t| parse_duration("x", t).unwrap();
        assert_eq!(d("6h"), Duration::from_secs(6 * 3600));
        assert_eq!(d("250ms"), Duration::from_millis(250));
        assert_eq!(d("0"), Duration::ZERO);
        assert!(parse_duration("x", "6 hours").is_err());
        assert!(parse_duration("x", "h").is_err());
    }
}
