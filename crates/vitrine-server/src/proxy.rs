//! Transparent mode: Vitrine as the bot's HTTPS proxy, and as `graph.facebook.com` itself on
//! `--tls-listen`.
//!
//! On the main listener, `CONNECT graph.facebook.com:443` (or another host of
//! [`vitrine_core::hosts::INTERCEPTED`]) is answered `200`, the tunnel's TLS is terminated with
//! that host's certificate from the local CA, and the same router serves what comes through it.
//! Nothing is ever forwarded: any other host or port is refused with `403`, as is a plain-HTTP
//! proxy request (`GET http://host/…`), each with a log line naming the host. `--tls-listen`
//! serves the same certificates to clients sent to Vitrine by a hosts-file entry.

use crate::sandbox::OpError;
use crate::tls::Tls;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tower::ServiceExt;
use vitrine_core::hosts;

/// What transparent mode serves with, when it is on.
pub struct Transparent {
    /// The certificates of the intercepted hosts.
    pub tls: Arc<Tls>,
    /// `--tls-listen`: a listener that speaks TLS directly (hosts-file mode).
    pub tls_listener: Option<TcpListener>,
}

/// Why CONNECTs cannot be served (transparent mode off), for the refusal's message.
pub type Off = Arc<str>;

/// The HTTPS side: TLS connections (tunnelled or direct) served by the router.
pub(crate) struct Https {
    tls: Result<Arc<Tls>, Off>,
    app: Router,
    /// Authorities that name this server itself (`127.0.0.1:8484`, the public URL's), which an
    /// absolute-form request may target without being a proxy request.
    own: Vec<String>,
    graceful: Mutex<Option<GracefulShutdown>>,
}

impl Https {
    pub(crate) fn new(tls: Result<Arc<Tls>, Off>, app: Router, own: Vec<String>) -> Https {
        Https {
            tls,
            app,
            own,
            graceful: Mutex::new(Some(GracefulShutdown::new())),
        }
    }

    fn watcher(&self) -> Option<Watcher> {
        self.graceful
            .lock()
            .ok()
            .and_then(|g| g.as_ref().map(GracefulShutdown::watcher))
    }

    /// Lets the HTTPS connections finish the requests they are serving, then returns.
    pub(crate) async fn shutdown(&self) {
        let graceful = self.graceful.lock().ok().and_then(|mut g| g.take());
        if let Some(graceful) = graceful {
            graceful.shutdown().await;
        }
    }

    /// Serves one TLS connection: handshake, then HTTP/1.1 through the router until the client
    /// closes it or Vitrine stops.
    async fn serve_tls<IO>(self: Arc<Self>, io: IO, peer: SocketAddr, default_host: &'static str)
    where
        IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let Ok(tls) = &self.tls else { return };
        let Some(stream) = tls.accept(io, peer, default_host).await else {
            return;
        };
        let Some(watcher) = self.watcher() else {
            return; // stopping
        };
        let app = self.app.clone().map_request(move |mut req: Request| {
            req.extensions_mut().insert(ConnectInfo(peer));
            req
        });
        let service =
            TowerToHyperService::new(app.map_request(|req: hyper::Request<_>| req.map(Body::new)));
        let conn = hyper::server::conn::http1::Builder::new()
            .serve_connection(TokioIo::new(stream), service);
        if let Err(e) = watcher.watch(conn).await {
            tracing::debug!(%peer, "HTTPS connection ended: {e}");
        }
    }

    /// `--tls-listen`: accepts until `stop` turns true.
    pub(crate) async fn accept_tls(
        self: Arc<Self>,
        listener: TcpListener,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            tokio::select! {
                _ = stop.changed() => return,
                accepted = listener.accept() => match accepted {
                    Ok((tcp, peer)) => {
                        let _ = tcp.set_nodelay(true);
                        tokio::spawn(self.clone().serve_tls(tcp, peer, hosts::GRAPH));
                    }
                    Err(e) => {
                        // Out of file descriptors and the like: wait, then go on accepting.
                        tracing::warn!("accepting a TLS connection: {e}");
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                },
            }
        }
    }

    fn connect(self: Arc<Self>, mut req: Request, peer: Option<SocketAddr>) -> Response {
        let target = req
            .uri()
            .authority()
            .map(|a| a.as_str().to_owned())
            .unwrap_or_default();
        let peer_text = peer.map(|p| p.to_string()).unwrap_or_default();
        let (host, port) = match req.uri().authority() {
            Some(a) => (a.host(), a.port_u16()),
            None => ("", None),
        };
        let Some(host) = hosts::intercepted(host) else {
            tracing::warn!(
                peer = %peer_text,
                "proxy: refused CONNECT {target}: Vitrine serves only {} and never connects \
                 anywhere else",
                served()
            );
            return refusal(
                "proxy_refused",
                format!(
                    "Vitrine's HTTPS proxy serves {} only; {target} was refused. Vitrine never \
                     connects to the internet: leave other hosts out with NO_PROXY.",
                    served()
                ),
            );
        };
        if port != Some(hosts::HTTPS_PORT) {
            tracing::warn!(
                peer = %peer_text,
                "proxy: refused CONNECT {target}: only port {} of {host} is served",
                hosts::HTTPS_PORT
            );
            return refusal(
                "proxy_refused",
                format!(
                    "Vitrine's HTTPS proxy serves {} only; {target} was refused (another port).",
                    served()
                ),
            );
        }
        if let Err(why) = &self.tls {
            tracing::warn!(peer = %peer_text, "proxy: refused CONNECT {target}: {why}");
            let mut response = OpError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "proxy_off",
                format!("Vitrine's HTTPS proxy is off: {why}"),
            )
            .into_response();
            response.headers_mut().insert(
                "proxy-status",
                HeaderValue::from_static("vitrine; error=proxy_internal_error"),
            );
            return response;
        }
        let peer = peer.unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)));
        tracing::debug!(%peer, "proxy: CONNECT {target}, served here");
        let upgrade = hyper::upgrade::on(&mut req);
        tokio::spawn(async move {
            match upgrade.await {
                Ok(upgraded) => self.serve_tls(TokioIo::new(upgraded), peer, host).await,
                Err(e) => tracing::debug!(%peer, "proxy: CONNECT {target} not upgraded: {e}"),
            }
        });
        Response::new(Body::empty())
    }

    /// An absolute-form request (`GET http://host/…`) names a target: this server, or another.
    fn targets_another_server(&self, req: &Request) -> Option<String> {
        let uri = req.uri();
        let authority = uri.authority()?;
        let port = authority.port_u16().unwrap_or(match uri.scheme_str() {
            Some("https") => 443,
            _ => 80,
        });
        let named = format!("{}:{port}", authority.host()).to_ascii_lowercase();
        if self.own.contains(&named) {
            None
        } else {
            Some(uri.to_string())
        }
    }
}

fn served() -> String {
    hosts::INTERCEPTED
        .iter()
        .map(|h| format!("{h}:{}", hosts::HTTPS_PORT))
        .collect::<Vec<_>>()
        .join(" and ")
}

fn refusal(code: &'static str, message: String) -> Response {
    let mut response = OpError::new(StatusCode::FORBIDDEN, code, message).into_response();
    response.headers_mut().insert(
        "proxy-status",
        HeaderValue::from_static("vitrine; error=http_request_denied"),
    );
    response
}

/// The middleware in front of the router on the main listener: CONNECT and proxy requests are
/// handled here, everything else goes on to the router.
pub(crate) async fn intercept(
    State(https): State<Arc<Https>>,
    req: Request,
    next: Next,
) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(p)| *p);
    if req.method() == Method::CONNECT {
        return https.connect(req, peer);
    }
    if let Some(target) = https.targets_another_server(&req) {
        let peer = peer.map(|p| p.to_string()).unwrap_or_default();
        tracing::warn!(
            %peer,
            "proxy: refused a plain-HTTP proxy request for {target}: Vitrine forwards nothing"
        );
        return refusal(
            "not_a_forward_proxy",
            format!(
                "Vitrine is not an HTTP forward proxy, and refused {} {target}. It serves {} to \
                 clients that send CONNECT (set HTTPS_PROXY, not HTTP_PROXY); its own API is \
                 plain HTTP on this address.",
                req.method(),
                served()
            ),
        );
    }
    next.run(req).await
}
