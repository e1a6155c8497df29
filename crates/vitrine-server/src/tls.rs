//! The local certificate authority of transparent mode, and the TLS it terminates.
//!
//! `vitrine ca init` (or the first `vitrine serve`) creates a CA in a directory: `ca.pem`, the
//! certificate a bot trusts, and `ca-key.pem`, its private key, written owner-only and never
//! served. At every start Vitrine issues a fresh certificate for each intercepted host
//! ([`vitrine_core::hosts::INTERCEPTED`]), signed by that CA, checks each one with rustls's own
//! verifier, and serves each host with its certificate. The CA is name-constrained to Meta's
//! domains ([`vitrine_core::hosts::CA_PERMITTED_DOMAINS`]): trusting it lets it vouch for those
//! names only.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose,
    GeneralSubtree, IsCa, Issuer, KeyPair, KeyUsagePurpose, NameConstraints, SanType, SerialNumber,
};
use rustls::client::danger::ServerCertVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::server::{Acceptor, ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::ServerConfig;
use std::fmt;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::server::TlsStream;
use tokio_rustls::LazyConfigAcceptor;
use vitrine_core::hosts;

/// The CA certificate's file name in the CA directory.
pub const CERT_FILE: &str = "ca.pem";
/// The CA private key's file name in the CA directory (mode 0600).
pub const KEY_FILE: &str = "ca-key.pem";

/// How long a client has to finish its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What went wrong with the CA or the certificates, in a sentence for the user.
#[derive(Debug)]
pub struct CaError(String);

impl fmt::Display for CaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CaError {}

fn ca_err(context: impl fmt::Display, e: impl fmt::Display) -> CaError {
    CaError(format!("{context}: {e}"))
}

/// The crypto every TLS object here uses (explicit, so that no process-wide default is needed).
pub(crate) fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A local certificate authority loaded from its directory.
pub struct LocalCa {
    dir: PathBuf,
    cert_pem: String,
    cert_der: CertificateDer<'static>,
    key: KeyPair,
}

impl fmt::Debug for LocalCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalCa")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl LocalCa {
    /// The CA certificate: what a bot trusts.
    pub fn cert_path(&self) -> PathBuf {
        self.dir.join(CERT_FILE)
    }

    /// The CA private key (owner-only).
    pub fn key_path(&self) -> PathBuf {
        self.dir.join(KEY_FILE)
    }

    /// The CA certificate in PEM.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// Whether a CA (either of its two files) is in `dir`.
    pub fn exists(dir: &Path) -> bool {
        dir.join(CERT_FILE).exists() || dir.join(KEY_FILE).exists()
    }

    /// Loads the CA kept in `dir`.
    pub fn load(dir: &Path) -> Result<LocalCa, CaError> {
        let cert_path = dir.join(CERT_FILE);
        let key_path = dir.join(KEY_FILE);
        match (cert_path.exists(), key_path.exists()) {
            (true, true) => {}
            (false, false) => {
                return Err(CaError(format!(
                    "no local CA in {} (create one with: vitrine ca init)",
                    dir.display()
                )))
            }
            (true, false) | (false, true) => {
                return Err(CaError(format!(
                    "{} holds only one of {CERT_FILE} and {KEY_FILE}: remove it, or replace the \
                     CA with: vitrine ca init --force",
                    dir.display()
                )))
            }
        }
        let cert_pem = std::fs::read_to_string(&cert_path)
            .map_err(|e| ca_err(format!("reading {}", cert_path.display()), e))?;
        let key_pem = std::fs::read_to_string(&key_path)
            .map_err(|e| ca_err(format!("reading {}", key_path.display()), e))?;
        warn_if_key_readable_by_others(&key_path);
        let key = KeyPair::from_pem(&key_pem)
            .map_err(|e| ca_err(format!("reading the key in {}", key_path.display()), e))?;
        let cert_der = pem_to_der(&cert_pem)
            .ok_or_else(|| CaError(format!("{} holds no certificate", cert_path.display())))?;
        Ok(LocalCa {
            dir: dir.to_owned(),
            cert_pem,
            cert_der,
            key,
        })
    }

    /// Creates a CA in `dir` (made if missing). An existing CA is an error unless `replace`.
    ///
    /// The key is written owner-only before the certificate, each through a temporary file
    /// renamed into place; a CA created at the same moment by another process wins the key's
    /// place, and this call then loads that one.
    pub fn create(dir: &Path, replace: bool) -> Result<LocalCa, CaError> {
        if !replace && LocalCa::exists(dir) {
            return Err(CaError(format!(
                "{} already holds a local CA (replace it with --force)",
                dir.display()
            )));
        }
        create_dir(dir)?;
        let key = KeyPair::generate().map_err(|e| ca_err("generating the CA key", e))?;
        let params = ca_params();
        let cert = params
            .self_signed(&key)
            .map_err(|e| ca_err("signing the CA certificate", e))?;
        let cert_pem = cert.pem();

        let key_path = dir.join(KEY_FILE);
        let key_file = write_temp(dir, key.serialize_pem().as_bytes(), 0o600)?;
        if replace {
            key_file
                .persist(&key_path)
                .map_err(|e| ca_err(format!("writing {}", key_path.display()), e.error))?;
        } else if let Err(e) = key_file.persist_noclobber(&key_path) {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                return LocalCa::load_when_complete(dir);
            }
            return Err(ca_err(format!("writing {}", key_path.display()), e.error));
        }
        let cert_path = dir.join(CERT_FILE);
        write_temp(dir, cert_pem.as_bytes(), 0o644)?
            .persist(&cert_path)
            .map_err(|e| ca_err(format!("writing {}", cert_path.display()), e.error))?;
        Ok(LocalCa {
            dir: dir.to_owned(),
            cert_der: cert.der().clone(),
            cert_pem,
            key,
        })
    }

    /// Loads the CA in `dir`, creating it first when there is none. The flag says it was created.
    pub fn load_or_create(dir: &Path) -> Result<(LocalCa, bool), CaError> {
        if LocalCa::exists(dir) {
            return LocalCa::load(dir).map(|ca| (ca, false));
        }
        LocalCa::create(dir, false).map(|ca| (ca, true))
    }

    /// Another process created the key a moment ago: wait (briefly) for its certificate.
    fn load_when_complete(dir: &Path) -> Result<LocalCa, CaError> {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !dir.join(CERT_FILE).exists() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        LocalCa::load(dir)
    }

    /// A certificate for `host`, signed by this CA, with a fresh key.
    pub fn issue(
        &self,
        host: &str,
    ) -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>), CaError> {
        let issuer = Issuer::from_ca_cert_der(&self.cert_der, &self.key)
            .map_err(|e| ca_err("reading the CA certificate", e))?;
        let mut params = CertificateParams::default();
        let now = OffsetDateTime::now_utc();
        params.not_before = now - time::Duration::days(1);
        params.not_after = now + time::Duration::days(365);
        params.serial_number = Some(random_serial());
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, host);
        params.subject_alt_names = vec![SanType::DnsName(
            host.try_into()
                .map_err(|e| ca_err(format!("the host name {host}"), e))?,
        )];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        let key = KeyPair::generate().map_err(|e| ca_err("generating a certificate key", e))?;
        let cert = params
            .signed_by(&key, &issuer)
            .map_err(|e| ca_err(format!("signing the certificate for {host}"), e))?;
        Ok((
            cert.der().clone(),
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        ))
    }

    /// Issues every intercepted host's certificate, checks each against this CA as a client
    /// would (chain, name, dates, the CA's name constraints), and builds the TLS side.
    pub fn tls(&self) -> Result<Tls, CaError> {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.cert_der.clone()).map_err(|e| {
            ca_err(
                format!("{} is not a usable CA", self.cert_path().display()),
                e,
            )
        })?;
        let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots),
            provider(),
        )
        .build()
        .map_err(|e| ca_err("preparing the certificate check", e))?;
        let mut by_host = Vec::with_capacity(hosts::INTERCEPTED.len());
        for &host in hosts::INTERCEPTED {
            let (cert, key) = self.issue(host)?;
            let name = ServerName::try_from(host)
                .map_err(|e| ca_err(format!("the host name {host}"), e))?;
            verifier
                .verify_server_cert(&cert, &[], &name, &[], UnixTime::now())
                .map_err(|e| {
                    CaError(format!(
                        "the local CA in {} cannot vouch for {host} ({e}): it was made by another \
                         Vitrine version, has expired, or its key does not match; replace it with \
                         `vitrine ca init --force` and trust the new {CERT_FILE}",
                        self.dir.display()
                    ))
                })?;
            let config = server_config(Arc::new(SingleCert(Arc::new(
                CertifiedKey::from_der(vec![cert], key, &provider())
                    .map_err(|e| ca_err(format!("the certificate for {host}"), e))?,
            ))))?;
            by_host.push((host, config));
        }
        Ok(Tls {
            by_host,
            refuse: server_config(Arc::new(NoCertificate))?,
        })
    }
}

fn ca_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    let now = OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(3650);
    params.serial_number = Some(random_serial());
    params.distinguished_name = DistinguishedName::new();
    // A name of its own, so that several Vitrine CAs in one trust store stay apart.
    let tag: u32 = rand::random();
    params
        .distinguished_name
        .push(DnType::CommonName, format!("Vitrine local CA {tag:08x}"));
    params.distinguished_name.push(
        DnType::OrganizationName,
        "Vitrine sandbox (not affiliated with Meta)",
    );
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.name_constraints = Some(NameConstraints {
        permitted_subtrees: hosts::CA_PERMITTED_DOMAINS
            .iter()
            .map(|d| GeneralSubtree::DnsName((*d).to_owned()))
            .collect(),
        excluded_subtrees: vec![],
    });
    params
}

fn random_serial() -> SerialNumber {
    let mut bytes: [u8; 16] = rand::random();
    bytes[0] &= 0x7f; // positive
    bytes[0] |= 0x01; // no leading zero byte to strip
    SerialNumber::from_slice(&bytes)
}

fn pem_to_der(pem: &str) -> Option<CertificateDer<'static>> {
    use rustls::pki_types::pem::PemObject;
    CertificateDer::pem_slice_iter(pem.as_bytes())
        .next()
        .and_then(Result::ok)
}

/// The directory stays readable (a bot running as another user reads `ca.pem` there); the key
/// file itself is owner-only.
fn create_dir(dir: &Path) -> Result<(), CaError> {
    std::fs::create_dir_all(dir).map_err(|e| ca_err(format!("creating {}", dir.display()), e))
}

/// A complete temporary file in `dir` with `mode`, ready to be renamed into place.
fn write_temp(dir: &Path, contents: &[u8], mode: u32) -> Result<tempfile::NamedTempFile, CaError> {
    let mut file = tempfile::Builder::new()
        .prefix(".vitrine-ca-")
        .tempfile_in(dir)
        .map_err(|e| ca_err(format!("writing into {}", dir.display()), e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(|e| ca_err(format!("writing into {}", dir.display()), e))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    file.write_all(contents)
        .and_then(|()| file.as_file().sync_all())
        .map_err(|e| ca_err(format!("writing into {}", dir.display()), e))?;
    Ok(file)
}

fn warn_if_key_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.permissions().mode() & 0o077 != 0 {
                tracing::warn!(
                    "{} can be read by other users: chmod 600 it",
                    path.display()
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

fn server_config(resolver: Arc<dyn ResolvesServerCert>) -> Result<Arc<ServerConfig>, CaError> {
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| ca_err("configuring TLS", e))?
        .with_no_client_auth()
        .with_cert_resolver(resolver);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[derive(Debug)]
struct SingleCert(Arc<CertifiedKey>);

impl ResolvesServerCert for SingleCert {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
}

/// For a name Vitrine does not serve: no certificate, so the client gets a handshake alert.
#[derive(Debug)]
struct NoCertificate;

impl ResolvesServerCert for NoCertificate {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        None
    }
}

/// The TLS side of transparent mode: one certificate per intercepted host.
pub struct Tls {
    by_host: Vec<(&'static str, Arc<ServerConfig>)>,
    refuse: Arc<ServerConfig>,
}

impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hosts: Vec<&str> = self.by_host.iter().map(|(h, _)| *h).collect();
        f.debug_struct("Tls").field("hosts", &hosts).finish()
    }
}

impl Tls {
    /// Completes the server side of a TLS handshake: the certificate of the host the client
    /// names (SNI), or of `default_host` when it names none. A client naming another host, or
    /// not trusting the CA, gets a TLS alert and nothing else; each failure is logged.
    pub async fn accept<IO>(
        &self,
        io: IO,
        peer: SocketAddr,
        default_host: &'static str,
    ) -> Option<TlsStream<IO>>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        let handshake = async {
            let start = LazyConfigAcceptor::new(Acceptor::default(), io)
                .await
                .map_err(|e| (None, e))?;
            let sni = start.client_hello().server_name().map(str::to_owned);
            let host = match sni.as_deref() {
                None => Some(default_host),
                Some(name) => hosts::intercepted(name),
            };
            let config = match host.and_then(|h| self.by_host.iter().find(|(b, _)| *b == h)) {
                Some((_, config)) => config.clone(),
                None => {
                    tracing::warn!(
                        %peer,
                        "TLS: refused a handshake for {}: Vitrine has certificates for {} only",
                        sni.as_deref().unwrap_or("(no name)"),
                        hosts::INTERCEPTED.join(", "),
                    );
                    self.refuse.clone()
                }
            };
            start.into_stream(config).await.map_err(|e| (sni, e))
        };
        match tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
            Ok(Ok(stream)) => Some(stream),
            Ok(Err((sni, e))) => {
                let name = sni.as_deref().unwrap_or(default_host);
                if hosts::intercepted(name).is_some() {
                    tracing::warn!(
                        %peer,
                        "TLS handshake for {name} failed: {e} (a client that does not trust \
                         Vitrine's CA ends it so: `vitrine ca init` prints how to trust it)"
                    );
                }
                None
            }
            Err(_) => {
                tracing::warn!(%peer, "TLS: no complete handshake within {HANDSHAKE_TIMEOUT:?}");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn the_key_is_owner_only_and_a_second_create_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let ca_dir = dir.path().join("ca");
        let ca = LocalCa::create(&ca_dir, false).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&ca.key_path()), 0o600);
            assert_eq!(mode(&ca.cert_path()), 0o644);
        }
        let cert = std::fs::read_to_string(ca.cert_path()).unwrap();
        assert!(cert.starts_with("-----BEGIN CERTIFICATE-----"), "{cert}");
        assert!(!cert.contains("PRIVATE KEY"));
        assert!(std::fs::read_to_string(ca.key_path())
            .unwrap()
            .starts_with("-----BEGIN PRIVATE KEY-----"));
        let again = LocalCa::create(&ca_dir, false).unwrap_err().to_string();
        assert!(again.contains("already holds a local CA"), "{again}");
        // Nothing but the two files is left behind.
        let mut names: Vec<String> = std::fs::read_dir(&ca_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, vec![KEY_FILE, CERT_FILE]);
    }

    #[test]
    fn load_gives_back_the_same_ca_and_force_replaces_it() {
        let dir = tempfile::tempdir().unwrap();
        let (first, created) = LocalCa::load_or_create(dir.path()).unwrap();
        assert!(created);
        let (loaded, created) = LocalCa::load_or_create(dir.path()).unwrap();
        assert!(!created);
        assert_eq!(loaded.cert_pem(), first.cert_pem());
        loaded.tls().unwrap();
        let replaced = LocalCa::create(dir.path(), true).unwrap();
        assert_ne!(replaced.cert_pem(), first.cert_pem());
        assert_eq!(
            LocalCa::load(dir.path()).unwrap().cert_pem(),
            replaced.cert_pem()
        );
    }

    #[test]
    fn missing_or_half_a_ca_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let none = LocalCa::load(dir.path()).unwrap_err().to_string();
        assert!(none.contains("vitrine ca init"), "{none}");
        let ca = LocalCa::create(dir.path(), false).unwrap();
        std::fs::remove_file(ca.key_path()).unwrap();
        let half = LocalCa::load(dir.path()).unwrap_err().to_string();
        assert!(half.contains("only one of"), "{half}");
    }

    #[test]
    fn a_key_that_is_not_the_cas_is_caught_at_start() {
        let dir = tempfile::tempdir().unwrap();
        let other = tempfile::tempdir().unwrap();
        LocalCa::create(dir.path(), false).unwrap();
        LocalCa::create(other.path(), false).unwrap();
        std::fs::copy(other.path().join(KEY_FILE), dir.path().join(KEY_FILE)).unwrap();
        let err = LocalCa::load(dir.path())
            .unwrap()
            .tls()
            .unwrap_err()
            .to_string();
        assert!(err.contains("cannot vouch for graph.facebook.com"), "{err}");
    }

    #[test]
    fn name_constraints_keep_the_ca_to_metas_domains() {
        let dir = tempfile::tempdir().unwrap();
        let ca = LocalCa::create(dir.path(), false).unwrap();
        let mut roots = rustls::RootCertStore::empty();
        roots.add(ca.cert_der.clone()).unwrap();
        let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots),
            provider(),
        )
        .build()
        .unwrap();
        let verify = |host: &str| {
            let (cert, _) = ca.issue(host).unwrap();
            verifier.verify_server_cert(
                &cert,
                &[],
                &ServerName::try_from(host.to_owned()).unwrap(),
                &[],
                UnixTime::now(),
            )
        };
        verify("graph.facebook.com").unwrap();
        verify("lookaside.fbsbx.com").unwrap();
        // Even a certificate this CA signs for another site is rejected by a client.
        let err = verify("www.example.com").unwrap_err().to_string();
        assert!(err.contains("NameConstraint"), "{err}");
    }
}
