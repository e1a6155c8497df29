//! Configuration: defaults < TOML file < environment < flags.
//!
//! Flags and environment variables are read by clap (a flag beats its variable); the TOML file
//! fills what neither gave; defaults fill the rest.

use anyhow::Context;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use vitrine_core::commerce::MpmNoMatchDetails;
use vitrine_core::limits::LimitSettings;
use vitrine_core::media::MediaSettings;
use vitrine_core::settings::{Behaviour, Retention};
use vitrine_core::webhook::schedule::WebhookSettings;
use vitrine_store_sqlite::Synchronous;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8484";
pub const DEFAULT_DATABASE: &str = "sqlite://vitrine.db";

/// The TOML file's shape. Every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub database: Option<String>,
    pub admin_token: Option<String>,
    pub public_url: Option<String>,
    pub seed_demo: Option<bool>,
    pub webhook_url: Option<String>,
    pub ca_dir: Option<PathBuf>,
    pub tls_listen: Option<String>,
    /// `full` (the default) or `normal`; see `Synchronous`.
    pub sqlite_synchronous: Option<Synchronous>,
    #[serde(default)]
    pub behaviour: FileBehaviour,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileBehaviour {
    pub default_api_version: Option<String>,
    pub catalog_thumbnail_required: Option<bool>,
    pub mpm_no_match_details: Option<MpmNoMatchDetails>,
    /// Every key optional; see `WebhookSettings`.
    pub webhooks: Option<WebhookSettings>,
    /// Every key optional; see `LimitSettings`.
    pub limits: Option<LimitSettings>,
    pub batch_delay_ms: Option<i64>,
    pub outdated_client_code: Option<u32>,
    pub template_review_ms: Option<i64>,
    pub template_reject_prefix: Option<String>,
    pub product_carousel_exact_cards: Option<bool>,
    /// Every key optional; see `MediaSettings`.
    pub media: Option<MediaSettings>,
    pub checkout_india_only: Option<bool>,
    pub mpm_dropped_items_notice: Option<bool>,
    /// An age (`2h`) or a count (`100000`); see `Retention`.
    pub retain: Option<Retention>,
}

impl FileConfig {
    pub fn load(path: &Path) -> anyhow::Result<FileConfig> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the config file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("parsing the config file {}", path.display()))
    }
}

/// The resolved settings of `vitrine serve`.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub listen: String,
    pub database: String,
    pub admin_token: Option<String>,
    pub public_url: Option<String>,
    pub seed_demo: bool,
    /// Points the demo app's webhook here at start.
    pub webhook_url: Option<String>,
    /// Where the local CA of transparent mode is kept.
    pub ca_dir: PathBuf,
    /// Serve the intercepted hosts over TLS on this address too (hosts-file mode).
    pub tls_listen: Option<String>,
    /// Transparent mode (CONNECT tunnels to Meta's hosts) on; `bench` turns it off.
    pub transparent: bool,
    /// When a SQLite commit reaches the disk (ignored on PostgreSQL).
    pub sqlite_synchronous: Synchronous,
    pub behaviour: Behaviour,
}

/// What clap read from flags and the environment (each `None` when neither was given).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub listen: Option<String>,
    pub database: Option<String>,
    pub admin_token: Option<String>,
    pub public_url: Option<String>,
    pub no_seed: bool,
    pub default_api_version: Option<String>,
    pub catalog_thumbnail_required: Option<bool>,
    pub mpm_no_match_details: Option<MpmNoMatchDetails>,
    pub webhook_url: Option<String>,
    pub ca_dir: Option<PathBuf>,
    pub tls_listen: Option<String>,
    pub auto_read_after_ms: Option<i64>,
    pub duplicate_probability: Option<f64>,
    pub reorder_probability: Option<f64>,
    pub batch_statuses: bool,
    pub fidelity_seed: Option<u64>,
    pub retain: Option<Retention>,
    pub sqlite_synchronous: Option<Synchronous>,
}

/// Where the local CA is kept when no `--ca-dir` says: a `vitrine-ca` directory beside a SQLite
/// database file, else in the current directory.
pub fn default_ca_dir(database: &str) -> PathBuf {
    let beside = vitrine_store_sqlite::database_file(database)
        .and_then(|file| file.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    beside.join("vitrine-ca")
}

pub fn resolve(file: FileConfig, over: Overrides) -> ServeConfig {
    let defaults = Behaviour::default();
    let database = over
        .database
        .or(file.database)
        .unwrap_or_else(|| DEFAULT_DATABASE.to_owned());
    ServeConfig {
        listen: over
            .listen
            .or(file.listen)
            .unwrap_or_else(|| DEFAULT_LISTEN.to_owned()),
        ca_dir: over
            .ca_dir
            .or(file.ca_dir)
            .unwrap_or_else(|| default_ca_dir(&database)),
        tls_listen: over
            .tls_listen
            .or(file.tls_listen)
            .filter(|a| !a.is_empty()),
        transparent: true,
        sqlite_synchronous: over
            .sqlite_synchronous
            .or(file.sqlite_synchronous)
            .unwrap_or_default(),
        database,
        admin_token: over
            .admin_token
            .or(file.admin_token)
            .filter(|t| !t.is_empty()),
        public_url: over.public_url.or(file.public_url),
        seed_demo: !over.no_seed && file.seed_demo.unwrap_or(true),
        webhook_url: over
            .webhook_url
            .or(file.webhook_url)
            .filter(|u| !u.is_empty()),
        behaviour: Behaviour {
            limits: file.behaviour.limits.unwrap_or(defaults.limits),
            batch_delay_ms: file
                .behaviour
                .batch_delay_ms
                .unwrap_or(defaults.batch_delay_ms),
            outdated_client_code: file
                .behaviour
                .outdated_client_code
                .unwrap_or(defaults.outdated_client_code),
            template_review_ms: file
                .behaviour
                .template_review_ms
                .unwrap_or(defaults.template_review_ms),
            template_reject_prefix: file
                .behaviour
                .template_reject_prefix
                .clone()
                .unwrap_or(defaults.template_reject_prefix),
            product_carousel_exact_cards: file
                .behaviour
                .product_carousel_exact_cards
                .unwrap_or(defaults.product_carousel_exact_cards),
            media: file.behaviour.media.clone().unwrap_or(defaults.media),
            checkout_india_only: file
                .behaviour
                .checkout_india_only
                .unwrap_or(defaults.checkout_india_only),
            mpm_dropped_items_notice: file
                .behaviour
                .mpm_dropped_items_notice
                .unwrap_or(defaults.mpm_dropped_items_notice),
            retain: over.retain.or(file.behaviour.retain),
            webhooks: {
                let mut w = file.behaviour.webhooks.unwrap_or(defaults.webhooks);
                if let Some(ms) = over.auto_read_after_ms {
                    w.auto_read_after_ms = Some(ms);
                }
                if let Some(p) = over.duplicate_probability {
                    w.duplicate_probability = p;
                }
                if let Some(p) = over.reorder_probability {
                    w.reorder_probability = p;
                }
                if over.batch_statuses {
                    w.batch_statuses = true;
                }
                if let Some(seed) = over.fidelity_seed {
                    w.fidelity_seed = seed;
                }
                w
            },
            default_api_version: over
                .default_api_version
                .or(file.behaviour.default_api_version)
                .unwrap_or(defaults.default_api_version),
            catalog_thumbnail_required: over
                .catalog_thumbnail_required
                .or(file.behaviour.catalog_thumbnail_required)
                .unwrap_or(defaults.catalog_thumbnail_required),
            mpm_no_match_details: over
                .mpm_no_match_details
                .or(file.behaviour.mpm_no_match_details)
                .unwrap_or(defaults.mpm_no_match_details),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_defaults_file_overrides() {
        let file: FileConfig = toml::from_str(
            "listen = \"0.0.0.0:9000\"\ndatabase = \"sqlite://x.db\"\n[behaviour]\ncatalog_thumbnail_required = true\n",
        )
        .unwrap();
        let over = Overrides {
            listen: Some("127.0.0.1:1".into()),
            ..Default::default()
        };
        let cfg = resolve(file, over);
        assert_eq!(cfg.listen, "127.0.0.1:1");
        assert_eq!(cfg.database, "sqlite://x.db");
        assert!(cfg.behaviour.catalog_thumbnail_required);
        assert_eq!(cfg.behaviour.default_api_version, "v23.0");
        assert!(cfg.seed_demo);
    }

    #[test]
    fn sqlite_synchronous_is_full_unless_the_file_or_a_flag_says_normal() {
        let none = resolve(FileConfig::default(), Overrides::default());
        assert_eq!(none.sqlite_synchronous, Synchronous::Full);
        let file: FileConfig = toml::from_str("sqlite_synchronous = \"normal\"\n").unwrap();
        assert_eq!(
            resolve(file, Overrides::default()).sqlite_synchronous,
            Synchronous::Normal
        );
        let file: FileConfig = toml::from_str("sqlite_synchronous = \"normal\"\n").unwrap();
        let over = Overrides {
            sqlite_synchronous: Some(Synchronous::Full),
            ..Default::default()
        };
        assert_eq!(resolve(file, over).sqlite_synchronous, Synchronous::Full);
        assert!(toml::from_str::<FileConfig>("sqlite_synchronous = \"off\"\n").is_err());
    }

    #[test]
    fn webhook_settings_from_file_and_flags() {
        let file: FileConfig = toml::from_str(
            "[behaviour.webhooks]\nsent_after_ms = 5\nretry_schedule_s = [1, 2]\nduplicate_probability = 0.5\n",
        )
        .unwrap();
        let over = Overrides {
            duplicate_probability: Some(0.25),
            batch_statuses: true,
            ..Default::default()
        };
        let w = resolve(file, over).behaviour.webhooks;
        assert_eq!(w.sent_after_ms, 5);
        assert_eq!(w.retry_schedule_s, vec![1, 2]);
        assert_eq!(w.duplicate_probability, 0.25);
        assert!(w.batch_statuses);
        assert_eq!(w.delivered_after_ms, 300);
    }

    #[test]
    fn media_and_guide_settings_from_file() {
        let file: FileConfig = toml::from_str(
            "[behaviour]\ncheckout_india_only = false\nmpm_dropped_items_notice = true\n[behaviour.media]\nsize_unit = \"mb\"\nfile_size_as_string = true\n",
        )
        .unwrap();
        let b = resolve(file, Overrides::default()).behaviour;
        assert!(!b.checkout_india_only);
        assert!(b.mpm_dropped_items_notice);
        assert_eq!(b.media.size_unit, vitrine_core::media::SizeUnit::Mb);
        assert!(b.media.file_size_as_string);
        assert!(!b.media.sha256_base64);
        assert_eq!(b.media.inbound_max_mb, 100);
        let defaults = resolve(FileConfig::default(), Overrides::default()).behaviour;
        assert!(defaults.checkout_india_only);
        assert!(!defaults.mpm_dropped_items_notice);
        assert!(toml::from_str::<FileConfig>("[behaviour.media]\nsize = 1").is_err());
    }

    #[test]
    fn the_ca_is_kept_beside_the_database_unless_told() {
        assert_eq!(
            default_ca_dir("sqlite:///var/lib/vitrine/v.db"),
            PathBuf::from("/var/lib/vitrine/vitrine-ca")
        );
        assert_eq!(
            default_ca_dir("sqlite://data/v.db?mode=rwc"),
            PathBuf::from("data/vitrine-ca")
        );
        assert_eq!(
            default_ca_dir("sqlite://vitrine.db"),
            PathBuf::from("vitrine-ca")
        );
        assert_eq!(
            default_ca_dir("sqlite::memory:"),
            PathBuf::from("vitrine-ca")
        );
        assert_eq!(
            default_ca_dir("postgres://u@h/db"),
            PathBuf::from("vitrine-ca")
        );
        let file: FileConfig =
            toml::from_str("ca_dir = \"/etc/vitrine/ca\"\ntls_listen = \"127.0.0.1:443\"\n")
                .unwrap();
        let cfg = resolve(file, Overrides::default());
        assert_eq!(cfg.ca_dir, PathBuf::from("/etc/vitrine/ca"));
        assert_eq!(cfg.tls_listen.as_deref(), Some("127.0.0.1:443"));
        let cfg = resolve(
            FileConfig::default(),
            Overrides {
                database: Some("sqlite:///srv/x.db".into()),
                ..Default::default()
            },
        );
        assert_eq!(cfg.ca_dir, PathBuf::from("/srv/vitrine-ca"));
        assert_eq!(cfg.tls_listen, None);
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(toml::from_str::<FileConfig>("lisen = \"x\"").is_err());
    }
}
