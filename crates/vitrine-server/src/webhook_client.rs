//! The HTTP/1.1 client webhooks (and Meta's callback handshake) are sent with, on hyper's
//! connection API: one request per connection at a time, keep-alive connections kept per
//! endpoint, `http://` and self-signed `https://` endpoints accepted (this is a sandbox), no
//! redirects followed (WhatsApp's webhook senders do not follow them: a 3xx answer is a failed
//! attempt), no proxy.
//!
//! A webhook is one small POST to an endpoint that rarely changes, sent tens of thousands of times
//! a second under load: a general client's layers (redirects, retries, URL handling, its pool's
//! bookkeeping) cost more than hyper's own part of a request, so this client does only what a
//! delivery needs.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Body as _;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{HeaderName, HeaderValue};
use hyper_util::rt::TokioIo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The User-Agent Graph's webhooks are sent with.
const USER_AGENT: &str = "facebookexternalua";
/// Idle connections kept per endpoint.
const IDLE_PER_ORIGIN: usize = 64;
/// An idle connection older than this is not used again (servers close theirs after a while).
const IDLE_FOR: Duration = Duration::from_secs(90);
/// Longest a connection may take to open (less if the whole request's timeout is shorter).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Where a request goes: the endpoint's origin and the request target, parsed once per URL.
#[derive(Debug, Clone)]
pub struct Target {
    origin: Origin,
    /// The `Host` header.
    authority: HeaderValue,
    /// The request line's path and query.
    path: hyper::Uri,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Origin {
    https: bool,
    /// What is connected to: a domain, or an address without brackets.
    host: String,
    port: u16,
}

impl Target {
    /// The URL's target, or why it cannot be sent to.
    pub fn parse(url: &str) -> Result<Target, String> {
        let url = url::Url::parse(url).map_err(|e| format!("invalid URL: {e}"))?;
        Target::of(&url)
    }

    pub fn of(url: &url::Url) -> Result<Target, String> {
        let https = match url.scheme() {
            "http" => false,
            "https" => true,
            other => return Err(format!("invalid URL: scheme {other} is not http or https")),
        };
        let host = match url.host() {
            Some(url::Host::Domain(d)) => d.to_owned(),
            Some(url::Host::Ipv4(a)) => a.to_string(),
            Some(url::Host::Ipv6(a)) => a.to_string(),
            None => return Err("invalid URL: no host".to_owned()),
        };
        let port = url
            .port_or_known_default()
            .ok_or_else(|| "invalid URL: no port".to_owned())?;
        // `host[:port]` and `path[?query]` as the URL spells them (no user, no fragment).
        let authority = &url[url::Position::BeforeHost..url::Position::AfterPort];
        let path = &url[url::Position::BeforePath..url::Position::AfterQuery];
        Ok(Target {
            origin: Origin { https, host, port },
            authority: HeaderValue::from_str(authority).map_err(|e| format!("invalid URL: {e}"))?,
            path: path.parse().map_err(|e| format!("invalid URL: {e}"))?,
        })
    }
}

/// What an endpoint answered: its status and the start of its body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

/// The client; clones share their connections.
#[derive(Clone)]
pub struct WebhookClient(Arc<Inner>);

struct Inner {
    timeout: Duration,
    tls: tokio_rustls::TlsConnector,
    idle: Mutex<HashMap<Origin, Vec<Idle>>>,
}

struct Idle {
    sender: SendRequest<Full<Bytes>>,
    since: Instant,
}

/// A connection taken for one request; `reused` when it served one before.
struct Conn {
    sender: SendRequest<Full<Bytes>>,
    reused: bool,
}

impl WebhookClient {
    /// A client whose requests (connecting, sending and reading the answer) end within `timeout`.
    pub fn new(timeout: Duration) -> WebhookClient {
        let provider = crate::tls::provider();
        let mut tls = match rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
        {
            Ok(b) => b
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
                .with_no_client_auth(),
            Err(_) => unreachable!("ring's provider supports the default versions"),
        };
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        WebhookClient(Arc::new(Inner {
            timeout,
            tls: tokio_rustls::TlsConnector::from(Arc::new(tls)),
            idle: Mutex::default(),
        }))
    }

    /// Sends one request and reads at most `keep` bytes of the answer's body. Errors are the
    /// delivery log's words: `timeout`, `connection failed: …`, or what went wrong.
    pub async fn send(
        &self,
        method: hyper::Method,
        target: &Target,
        headers: &[(HeaderName, HeaderValue)],
        body: Bytes,
        keep: usize,
    ) -> Result<Answer, String> {
        tokio::time::timeout(
            self.0.timeout,
            self.exchange(method, target, headers, body, keep),
        )
        .await
        .unwrap_or_else(|_| Err("timeout".to_owned()))
    }

    async fn exchange(
        &self,
        method: hyper::Method,
        target: &Target,
        headers: &[(HeaderName, HeaderValue)],
        body: Bytes,
        keep: usize,
    ) -> Result<Answer, String> {
        let mut conn = self.checkout(&target.origin).await?;
        let response = match conn
            .sender
            .send_request(request(&method, target, headers, &body))
            .await
        {
            Ok(r) => r,
            // A kept connection the server closed as the request went out: nothing was
            // answered, so it goes again, once, on a new connection.
            Err(e) if conn.reused && (e.is_canceled() || e.is_incomplete_message()) => {
                conn = self.connect(&target.origin).await?;
                conn.sender
                    .send_request(request(&method, target, headers, &body))
                    .await
                    .map_err(|e| e.to_string())?
            }
            Err(e) => return Err(e.to_string()),
        };
        let status = response.status().as_u16();
        let mut incoming = response.into_body();
        let mut kept = Vec::new();
        let mut ended = false;
        while kept.len() < keep {
            match incoming.frame().await {
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        kept.extend_from_slice(&data);
                    }
                }
                Some(Err(_)) => break,
                None => {
                    ended = true;
                    break;
                }
            }
        }
        if !ended && incoming.is_end_stream() {
            ended = true;
        }
        kept.truncate(keep);
        // A connection whose answer was read to its end serves the next request; one left
        // mid-body is dropped (and closed).
        if ended {
            self.checkin(&target.origin, conn.sender);
        }
        Ok(Answer { status, body: kept })
    }

    /// An idle connection to `origin`, or a new one.
    async fn checkout(&self, origin: &Origin) -> Result<Conn, String> {
        loop {
            let idle = {
                let mut idle = self.0.idle.lock().unwrap_or_else(|e| e.into_inner());
                idle.get_mut(origin).and_then(Vec::pop)
            };
            let Some(Idle { mut sender, since }) = idle else {
                return self.connect(origin).await;
            };
            if since.elapsed() > IDLE_FOR || sender.is_closed() {
                continue;
            }
            // Ready at once unless the connection is still finishing its last answer.
            if sender.ready().await.is_ok() {
                return Ok(Conn {
                    sender,
                    reused: true,
                });
            }
        }
    }

    fn checkin(&self, origin: &Origin, sender: SendRequest<Full<Bytes>>) {
        if sender.is_closed() {
            return;
        }
        let idle = Idle {
            sender,
            since: Instant::now(),
        };
        let mut kept = self.0.idle.lock().unwrap_or_else(|e| e.into_inner());
        match kept.get_mut(origin) {
            Some(list) if list.len() < IDLE_PER_ORIGIN => list.push(idle),
            Some(_) => {}
            None => {
                kept.insert(origin.clone(), vec![idle]);
            }
        }
    }

    async fn connect(&self, origin: &Origin) -> Result<Conn, String> {
        let within = self.0.timeout.min(CONNECT_TIMEOUT);
        let tcp = tokio::time::timeout(
            within,
            tokio::net::TcpStream::connect((origin.host.as_str(), origin.port)),
        )
        .await
        .map_err(|_| "timeout".to_owned())?
        .map_err(|e| format!("connection failed: {e}"))?;
        let _ = tcp.set_nodelay(true);
        let sender = if origin.https {
            let name = ServerName::try_from(origin.host.clone())
                .map_err(|e| format!("connection failed: {e}"))?;
            let tls = self
                .0
                .tls
                .connect(name, tcp)
                .await
                .map_err(|e| format!("connection failed: TLS handshake: {e}"))?;
            handshake(tls).await?
        } else {
            handshake(tcp).await?
        };
        Ok(Conn {
            sender,
            reused: false,
        })
    }
}

/// Starts HTTP/1.1 on a connection; the connection runs in a task of its own until either side
/// closes it.
async fn handshake<T>(io: T) -> Result<SendRequest<Full<Bytes>>, String>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let (sender, conn) = http1::Builder::new()
        .handshake(TokioIo::new(io))
        .await
        .map_err(|e| format!("connection failed: {e}"))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

fn request(
    method: &hyper::Method,
    target: &Target,
    headers: &[(HeaderName, HeaderValue)],
    body: &Bytes,
) -> hyper::Request<Full<Bytes>> {
    let mut req = hyper::Request::new(Full::new(body.clone()));
    *req.method_mut() = method.clone();
    *req.uri_mut() = target.path.clone();
    let h = req.headers_mut();
    h.reserve(headers.len() + 3);
    h.insert(hyper::header::HOST, target.authority.clone());
    h.insert(
        hyper::header::USER_AGENT,
        HeaderValue::from_static(USER_AGENT),
    );
    h.insert(hyper::header::ACCEPT, HeaderValue::from_static("*/*"));
    for (name, value) in headers {
        h.insert(name.clone(), value.clone());
    }
    req
}

/// Accepts any server certificate (endpoints in a sandbox are self-signed), while still checking
/// that the server holds the certificate's key.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.0.signature_verification_algorithms;
        rustls::crypto::verify_tls12_signature(message, cert, dss, algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.0.signature_verification_algorithms;
        rustls::crypto::verify_tls13_signature(message, cert, dss, algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A local endpoint answering each request with `answer(path)` (status, body, and whether to
    /// close the connection after it); counts the connections it accepted.
    struct Endpoint {
        url: String,
        connections: Arc<AtomicUsize>,
    }

    type Answerer = fn(&str) -> (u16, Vec<u8>, bool);

    async fn endpoint(tls: bool, answer: Answerer) -> Endpoint {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let acceptor = tls.then(|| {
            let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
            let key =
                rustls::pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
            let config = rustls::ServerConfig::builder_with_provider(crate::tls::provider())
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_no_client_auth()
                .with_single_cert(vec![cert.cert.der().clone()], key)
                .unwrap();
            tokio_rustls::TlsAcceptor::from(Arc::new(config))
        });
        let count = connections.clone();
        tokio::spawn(async move {
            loop {
                let (tcp, _) = listener.accept().await.unwrap();
                count.fetch_add(1, Ordering::SeqCst);
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(
                        move |req: hyper::Request<hyper::body::Incoming>| async move {
                            let seen = format!(
                                "{} {} ua={:?} host={:?} sig={:?}",
                                req.method(),
                                req.uri(),
                                req.headers().get("user-agent"),
                                req.headers().get("host"),
                                req.headers().get("x-hub-signature-256"),
                            );
                            let body = req.into_body().collect().await.unwrap().to_bytes();
                            let (status, mut out, close) = answer(&seen);
                            if out.is_empty() {
                                out = format!("{seen} body={}", String::from_utf8_lossy(&body))
                                    .into_bytes();
                            }
                            let mut resp = hyper::Response::new(Full::new(Bytes::from(out)));
                            *resp.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
                            if status == 302 {
                                resp.headers_mut()
                                    .insert("location", HeaderValue::from_static("/elsewhere"));
                            }
                            if close {
                                resp.headers_mut()
                                    .insert("connection", HeaderValue::from_static("close"));
                            }
                            Ok::<_, std::convert::Infallible>(resp)
                        },
                    );
                    let conn = hyper::server::conn::http1::Builder::new();
                    match acceptor {
                        Some(a) => {
                            if let Ok(s) = a.accept(tcp).await {
                                let _ = conn.serve_connection(TokioIo::new(s), service).await;
                            }
                        }
                        None => {
                            let _ = conn.serve_connection(TokioIo::new(tcp), service).await;
                        }
                    }
                });
            }
        });
        let scheme = if tls { "https" } else { "http" };
        Endpoint {
            url: format!("{scheme}://localhost:{}/hook?x=1", addr.port()),
            connections,
        }
    }

    fn ok(_: &str) -> (u16, Vec<u8>, bool) {
        (200, Vec::new(), false)
    }

    async fn post(
        client: &WebhookClient,
        url: &str,
        body: &str,
        keep: usize,
    ) -> Result<Answer, String> {
        let headers = [(
            HeaderName::from_static("x-hub-signature-256"),
            HeaderValue::from_static("sha256=ab"),
        )];
        client
            .send(
                hyper::Method::POST,
                &Target::parse(url)?,
                &headers,
                Bytes::from(body.to_owned()),
                keep,
            )
            .await
    }

    #[tokio::test]
    async fn posts_over_one_kept_connection() {
        let e = endpoint(false, ok).await;
        let client = WebhookClient::new(Duration::from_secs(5));
        for n in 0..3 {
            let a = post(&client, &e.url, &format!("{{\"n\":{n}}}"), 1024)
                .await
                .unwrap();
            assert_eq!(a.status, 200);
            let port = e.url.split(':').nth(2).unwrap().split('/').next().unwrap();
            assert_eq!(
                String::from_utf8(a.body).unwrap(),
                format!("POST /hook?x=1 ua=Some(\"facebookexternalua\") host=Some(\"localhost:{port}\") sig=Some(\"sha256=ab\") body={{\"n\":{n}}}")
            );
        }
        assert_eq!(e.connections.load(Ordering::SeqCst), 1);
    }

    /// Many requests at once share the pool: each gets its own answer, no connection serves two
    /// at a time (there are never more connections than requests in flight), and the
    /// connections are kept for the next round instead of opened again.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn requests_at_once_share_the_pool() {
        let e = endpoint(false, ok).await;
        let client = WebhookClient::new(Duration::from_secs(5));
        for round in 0..3 {
            let sends = (0..32).map(|n| {
                let (client, url) = (client.clone(), e.url.clone());
                tokio::spawn(async move {
                    let a = post(&client, &url, &format!("{{\"n\":{n}}}"), 1024)
                        .await
                        .unwrap();
                    assert_eq!(a.status, 200);
                    assert!(String::from_utf8(a.body)
                        .unwrap()
                        .ends_with(&format!("body={{\"n\":{n}}}")));
                })
            });
            for s in futures_util::future::join_all(sends).await {
                s.unwrap();
            }
            let opened = e.connections.load(Ordering::SeqCst);
            assert!(
                (1..=32).contains(&opened),
                "round {round}: {opened} connections"
            );
        }
    }

    #[tokio::test]
    async fn posts_to_self_signed_https() {
        let e = endpoint(true, ok).await;
        let client = WebhookClient::new(Duration::from_secs(5));
        let a = post(&client, &e.url, "{}", 1024).await.unwrap();
        assert_eq!(a.status, 200);
        assert!(String::from_utf8(a.body).unwrap().ends_with("body={}"));
        post(&client, &e.url, "{}", 1024).await.unwrap();
        assert_eq!(e.connections.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn redirects_are_answers_not_followed() {
        let e = endpoint(false, |_| (302, b"moved".to_vec(), false)).await;
        let a = post(
            &WebhookClient::new(Duration::from_secs(5)),
            &e.url,
            "{}",
            1024,
        )
        .await
        .unwrap();
        assert_eq!((a.status, a.body.as_slice()), (302, &b"moved"[..]));
    }

    #[tokio::test]
    async fn keeps_the_start_of_a_long_answer_and_drops_its_connection() {
        let e = endpoint(false, |_| (500, vec![b'x'; 100_000], false)).await;
        let client = WebhookClient::new(Duration::from_secs(5));
        for _ in 0..2 {
            let a = post(&client, &e.url, "{}", 10).await.unwrap();
            assert_eq!((a.status, a.body.len()), (500, 10));
        }
        assert_eq!(e.connections.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_connection_the_endpoint_closes_is_not_used_again() {
        let e = endpoint(false, |_| (200, b"bye".to_vec(), true)).await;
        let client = WebhookClient::new(Duration::from_secs(5));
        for _ in 0..3 {
            let a = post(&client, &e.url, "{}", 1024).await.unwrap();
            assert_eq!(a.status, 200);
        }
        assert_eq!(e.connections.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn refused_and_silent_endpoints_are_named_as_the_log_names_them() {
        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let client = WebhookClient::new(Duration::from_millis(300));
        let e = post(&client, &format!("http://127.0.0.1:{port}/"), "{}", 10)
            .await
            .unwrap_err();
        assert!(e.starts_with("connection failed: "), "{e}");

        // Accepts, never answers.
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", silent.local_addr().unwrap());
        let held = tokio::spawn(async move {
            let (s, _) = silent.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(5)).await;
            drop(s);
        });
        assert_eq!(post(&client, &url, "{}", 10).await.unwrap_err(), "timeout");
        held.abort();

        for bad in ["ftp://example.com/", "not a url", "http:///"] {
            let e = post(&client, bad, "{}", 10).await.unwrap_err();
            assert!(e.starts_with("invalid URL"), "{bad}: {e}");
        }
    }
}
