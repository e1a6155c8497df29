//! `vitrine ca init` and `vitrine ca export`: the local certificate authority of transparent mode.

use crate::config::{self, FileConfig, Overrides};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use vitrine_core::hosts;
use vitrine_server::tls::LocalCa;

#[derive(Debug, Subcommand)]
pub enum CaCommand {
    /// Create the local CA (once; kept beside the database or in --ca-dir) and print how a bot
    /// trusts it.
    Init(InitArgs),
    /// Print the CA certificate (PEM) on stdout. The private key is never printed.
    Export(WhereArgs),
}

/// Where the CA is: the same settings `vitrine serve` reads.
#[derive(Debug, Args)]
pub struct WhereArgs {
    /// Directory of the CA [default: `vitrine-ca` beside a SQLite database file, else in the
    /// current directory]
    #[arg(long, env = "VITRINE_CA_DIR", value_name = "DIR")]
    ca_dir: Option<PathBuf>,

    /// Database URL of the server (the CA is kept beside a SQLite file) [default: sqlite://vitrine.db]
    #[arg(long, env = "VITRINE_DATABASE_URL", value_name = "URL")]
    database: Option<String>,

    /// The server's address, for the HTTPS_PROXY line [default: 127.0.0.1:8484]
    #[arg(long, env = "VITRINE_LISTEN", value_name = "ADDR")]
    listen: Option<String>,

    /// The server's TOML file (its listen, database and ca_dir keys apply)
    #[arg(long, env = "VITRINE_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    #[command(flatten)]
    place: WhereArgs,

    /// Replace an existing CA (bots must then trust the new certificate)
    #[arg(long)]
    force: bool,
}

impl WhereArgs {
    /// The CA directory (absolute) and the server's listen address.
    fn resolve(&self) -> anyhow::Result<(PathBuf, String)> {
        let file = match &self.config {
            Some(path) => FileConfig::load(path)?,
            None => FileConfig::default(),
        };
        let cfg = config::resolve(
            file,
            Overrides {
                listen: self.listen.clone(),
                database: self.database.clone(),
                ca_dir: self.ca_dir.clone(),
                ..Default::default()
            },
        );
        Ok((std::path::absolute(&cfg.ca_dir)?, cfg.listen))
    }
}

pub fn run(cmd: CaCommand) -> anyhow::Result<()> {
    match cmd {
        CaCommand::Init(args) => {
            let (dir, listen) = args.place.resolve()?;
            let (ca, said) = if args.force {
                (
                    LocalCa::create(&dir, true)?,
                    "Created a new local CA (the old one is replaced: bots must trust this one)",
                )
            } else if LocalCa::exists(&dir) {
                (
                    LocalCa::load(&dir)?,
                    "The local CA already exists (replace it with --force)",
                )
            } else {
                (LocalCa::create(&dir, false)?, "Created the local CA")
            };
            // A CA that cannot serve (a foreign key, expired) is reported now, not at serve time.
            ca.tls()?;
            println!("{}", init_text(said, &ca, &proxy_url(&listen)));
            Ok(())
        }
        CaCommand::Export(place) => {
            let (dir, _) = place.resolve()?;
            print!("{}", LocalCa::load(&dir)?.cert_pem());
            Ok(())
        }
    }
}

/// `http://HOST:PORT` of a listen address, as a client on this machine reaches it.
pub fn proxy_url(listen: &str) -> String {
    match listen.parse::<std::net::SocketAddr>() {
        Ok(a) if a.ip().is_unspecified() => format!("http://127.0.0.1:{}", a.port()),
        _ => format!("http://{listen}"),
    }
}

fn init_text(said: &str, ca: &LocalCa, proxy: &str) -> String {
    let cert = ca.cert_path();
    format!(
        "{said}:\n\
         \n  certificate   {cert}   (what a bot trusts)\
         \n  private key   {key}   (owner-only; never served, never printed)\
         \n\nVitrine signs certificates with it for {hosts} only;\
         \nits name constraints ({domains}) keep it from vouching for any other site.\n\
         \n{trust}",
        cert = cert.display(),
        key = ca.key_path().display(),
        hosts = hosts::INTERCEPTED.join(" and "),
        domains = hosts::CA_PERMITTED_DOMAINS.join(", "),
        trust = trust_text(proxy, &cert),
    )
}

/// "Run your bot with these two variables", and the line each ecosystem needs.
pub fn trust_text(proxy: &str, cert: &Path) -> String {
    let cert = cert.display();
    let proxy_port = proxy.rsplit(':').next().unwrap_or("8484");
    let proxy_host = proxy
        .trim_start_matches("http://")
        .rsplit_once(':')
        .map(|(h, _)| h)
        .unwrap_or("127.0.0.1");
    let tls_hosts = hosts::INTERCEPTED.join(" ");
    format!(
        "Run your bot with these two variables, unchanged: its https://{graph} calls land in Vitrine.\n\
         \n  HTTPS_PROXY={proxy}\
         \n  SSL_CERT_FILE={cert}\n\
         \nThe second one, by client:\
         \n  Python httpx (pywa), urllib; Go      SSL_CERT_FILE={cert}\
         \n  Python requests                      REQUESTS_CA_BUNDLE={cert}\
         \n  Node.js                              NODE_EXTRA_CA_CERTS={cert}\
         \n  curl                                 CURL_CA_BUNDLE={cert} (or --cacert)\
         \n  Java (reads no HTTPS_PROXY: system properties instead)\
         \n    keytool -importcert -noprompt -alias vitrine-local-ca -file {cert} -keystore vitrine-truststore.p12 -storetype PKCS12 -storepass changeit\
         \n    java -Djavax.net.ssl.trustStore=vitrine-truststore.p12 -Djavax.net.ssl.trustStorePassword=changeit -Dhttps.proxyHost={proxy_host} -Dhttps.proxyPort={proxy_port} ...\n\
         \nClients that ignore HTTPS_PROXY (Node.js's fetch, unless NODE_USE_ENV_PROXY=1 on Node\
         \n22.21 or 24 and later): start Vitrine with --tls-listen 127.0.0.1:443 and add this line\
         \nto /etc/hosts:\
         \n  127.0.0.1 {tls_hosts}\n\
         \nClients with a base-URL option can use {proxy} instead.",
        graph = hosts::GRAPH,
    )
}
