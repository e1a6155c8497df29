//! The shape of `vitrine bench --json` ([`BenchReport`]) and the README's table made from it.

use super::Kind;

/// The version of [`BenchReport`]'s shape: it changes only when a field changes meaning or goes
/// away (new fields may be added without it).
pub const REPORT_FORMAT: u32 = 1;

/// One run of `vitrine bench`, as `--json` prints it. Durations are in seconds, latencies in
/// milliseconds, rates per second.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BenchReport {
    /// [`REPORT_FORMAT`].
    pub format: u32,
    /// The version of Vitrine that ran.
    pub vitrine_version: String,
    pub setup: BenchSetup,
    /// Present with `--catalog-size`.
    pub catalog_import: Option<CatalogImport>,
    pub sends: Sends,
    pub webhooks: Webhooks,
    /// With `--duration`: what the run looked like every `--sample-every`, first to last.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub samples: Vec<Sample>,
}

/// One look at a `--duration` run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Sample {
    /// Since the first send.
    pub seconds: f64,
    /// Messages accepted so far.
    pub accepted: u64,
    /// Status webhooks the bench's endpoint received so far.
    pub webhooks_delivered: u64,
    /// Webhooks in the outbox not yet delivered (due or not).
    pub webhooks_pending: i64,
    /// Resident memory of the bench's process: the server, the senders and the receiver.
    pub rss_mib: f64,
}

fn one() -> usize {
    1
}

fn is_one(n: &usize) -> bool {
    *n == 1
}

/// What was measured.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BenchSetup {
    pub messages: usize,
    pub concurrency: usize,
    /// `--warmup`: messages sent before the clock started, not counted (0 in reports from
    /// before it was kept).
    #[serde(default)]
    pub warmup: usize,
    /// `--customers`: how many customers the messages went to, in turn; absent for one.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub customers: usize,
    pub nodes: usize,
    /// `mpm` or `carousel`.
    pub kind: Kind,
    /// False with `--no-webhooks`.
    pub webhooks: bool,
    /// `sqlite` or `postgres` (never the URL, which may hold a password).
    pub database: String,
    pub catalog_size: Option<usize>,
    /// `--retain`, as given (`null` when everything is kept).
    #[serde(default)]
    pub retain: Option<String>,
    /// `--duration` in seconds (then `messages` is what was sent in that time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<u64>,
    /// `--rate`: the messages per second the senders aimed at, all together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    /// `--sqlite-synchronous normal`; absent for the default, `full`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sqlite_synchronous: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CatalogImport {
    /// Rows of the generated feed.
    pub rows: u64,
    pub imported: u64,
    pub failed: u64,
    pub seconds: f64,
    pub rows_per_second: f64,
}

/// POST /messages: each message durable before its 200.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Sends {
    pub accepted: usize,
    /// Sends that were not answered 200.
    pub failed: usize,
    pub seconds: f64,
    /// Accepted messages per second.
    pub per_second: f64,
    pub latency_ms: Latency,
}

/// Client-side latency of each send.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Latency {
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

/// Status webhooks (`sent` and `delivered` of every accepted message) received by the bench's
/// own endpoint, counted from the first send.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Webhooks {
    pub expected: u64,
    pub delivered: u64,
    pub seconds: f64,
    pub per_second: f64,
}

const TABLE_START: &str = "<!-- bench-table:start -->";
const TABLE_END: &str = "<!-- bench-table:end -->";

/// `--table`: the performance table of the README, one row per `--json` report, in the order
/// given.
pub fn write_table(
    reports: &[std::path::PathBuf],
    update: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    use anyhow::Context;
    let mut parsed = vec![];
    for path in reports {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let report: BenchReport = serde_json::from_str(&text).with_context(|| {
            format!("{} is not a `vitrine bench --json` report", path.display())
        })?;
        anyhow::ensure!(
            report.format == REPORT_FORMAT,
            "{} has format {}, this Vitrine reads {REPORT_FORMAT}",
            path.display(),
            report.format
        );
        parsed.push(report);
    }
    let table = table_of(&parsed);
    match update {
        None => print!("{table}"),
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading {}", file.display()))?;
            let (Some(start), Some(end)) = (text.find(TABLE_START), text.find(TABLE_END)) else {
                anyhow::bail!(
                    "{} has no {TABLE_START} … {TABLE_END} markers",
                    file.display()
                );
            };
            anyhow::ensure!(
                start < end,
                "the markers of {} are out of order",
                file.display()
            );
            let updated = format!("{}{TABLE_START}\n{table}{}", &text[..start], &text[end..]);
            std::fs::write(file, updated).with_context(|| format!("writing {}", file.display()))?;
        }
    }
    Ok(())
}

/// Thousands with commas, as the README writes them.
fn thousands(n: f64) -> String {
    let digits = format!("{:.0}", n.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn table_of(reports: &[BenchReport]) -> String {
    let mut out = String::from(
        "| Setup | Messages | Accepted messages/s | p50 / p99 latency | Webhooks delivered/s |\n\
         |---|---|---|---|---|\n",
    );
    for r in reports {
        let s = &r.setup;
        let mut setup = if s.database == "postgres" {
            let nodes = if s.nodes == 1 {
                "1 node".to_owned()
            } else {
                format!("{} nodes", s.nodes)
            };
            format!("PostgreSQL, {nodes}")
        } else {
            "SQLite".to_owned()
        };
        setup.push_str(if s.webhooks {
            ", webhooks flowing"
        } else {
            ", no subscriber"
        });
        if s.customers > 1 {
            setup.push_str(&format!(", {} customers", thousands(s.customers as f64)));
        }
        if let Some(size) = s.catalog_size {
            setup.push_str(&format!(", {}-product catalog", thousands(size as f64)));
        }
        if s.kind == Kind::Carousel {
            setup.push_str(", product carousel templates");
        }
        if let Some(retain) = &s.retain {
            setup.push_str(&format!(", --retain {retain}"));
        }
        if let Some(sync) = &s.sqlite_synchronous {
            setup.push_str(&format!(", synchronous={sync}"));
        }
        if let Some(rate) = s.rate {
            setup.push_str(&format!(", at {} msg/s", thousands(rate)));
        }
        if let Some(secs) = s.duration {
            setup.push_str(&format!(", for {secs} s"));
        }
        let webhooks = if s.webhooks {
            thousands(r.webhooks.per_second)
        } else {
            "–".to_owned()
        };
        out.push_str(&format!(
            "| {setup} | {} | {} | {:.1} / {:.1} ms | {webhooks} |\n",
            thousands(s.messages as f64),
            thousands(r.sends.per_second),
            r.sends.latency_ms.p50,
            r.sends.latency_ms.p99,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn sample() -> BenchReport {
        BenchReport {
            format: REPORT_FORMAT,
            vitrine_version: "0.1.0".into(),
            setup: BenchSetup {
                messages: 100,
                warmup: 1_000,
                concurrency: 4,
                customers: 1,
                nodes: 1,
                kind: Kind::Carousel,
                webhooks: true,
                database: "sqlite".into(),
                catalog_size: None,
                retain: None,
                duration: None,
                rate: None,
                sqlite_synchronous: None,
            },
            catalog_import: None,
            sends: Sends {
                accepted: 100,
                failed: 0,
                seconds: 0.5,
                per_second: 200.0,
                latency_ms: Latency {
                    p50: 1.5,
                    p99: 4.0,
                    max: 9.25,
                },
            },
            webhooks: Webhooks {
                expected: 200,
                delivered: 200,
                seconds: 0.75,
                per_second: 266.7,
            },
            samples: vec![],
        }
    }

    #[test]
    fn the_readme_table_is_made_from_reports() {
        let mut pg = sample();
        pg.setup.database = "postgres".into();
        pg.setup.nodes = 2;
        pg.setup.kind = Kind::Mpm;
        pg.sends.per_second = 1_760.4;
        pg.setup.customers = 1_000;
        let mut quiet = sample();
        quiet.setup.webhooks = false;
        quiet.setup.catalog_size = Some(100_000);
        assert_eq!(
            table_of(&[pg, quiet]),
            "| Setup | Messages | Accepted messages/s | p50 / p99 latency | Webhooks delivered/s |\n\
             |---|---|---|---|---|\n\
             | PostgreSQL, 2 nodes, webhooks flowing, 1,000 customers | 100 | 1,760 | 1.5 / 4.0 ms | 267 |\n\
             | SQLite, no subscriber, 100,000-product catalog, product carousel templates | 100 | 200 | 1.5 / 4.0 ms | – |\n"
        );
        assert_eq!(thousands(1234567.0), "1,234,567");
        assert_eq!(thousands(999.0), "999");
    }

    /// The shape the README documents: a change here is a change of `format`.
    #[test]
    fn the_json_report_keeps_its_documented_shape() {
        let value = serde_json::to_value(sample()).unwrap();
        assert_eq!(
            value,
            serde_json::json!({
                "format": 1,
                "vitrine_version": "0.1.0",
                "setup": {
                    "messages": 100, "concurrency": 4, "warmup": 1000, "nodes": 1,
                    "kind": "carousel",
                    "webhooks": true, "database": "sqlite", "catalog_size": null,
                    "retain": null
                },
                "catalog_import": null,
                "sends": {
                    "accepted": 100, "failed": 0, "seconds": 0.5, "per_second": 200.0,
                    "latency_ms": { "p50": 1.5, "p99": 4.0, "max": 9.25 }
                },
                "webhooks": { "expected": 200, "delivered": 200, "seconds": 0.75, "per_second": 266.7 }
            })
        );
        let back: BenchReport = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(back, sample());
        // A report from before the warm-up was kept reads as one without.
        let mut older = value;
        older["setup"].as_object_mut().unwrap().remove("warmup");
        let back: BenchReport = serde_json::from_value(older).unwrap();
        assert_eq!(back.setup.warmup, 0);
    }
}
