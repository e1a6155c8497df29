//! Transparent mode: Vitrine as the bot's HTTPS proxy (CONNECT to Meta's hosts, TLS from the
//! local CA, the same router inside), `--tls-listen` for hosts-file clients, and every refusal.

use crate::support::*;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn transparent_app() -> TestApp {
    spawn_with(Options {
        transparent: true,
        ..Default::default()
    })
    .await
}

fn addr(app: &TestApp) -> String {
    app.base.trim_start_matches("http://").to_owned()
}

fn ca(app: &TestApp) -> reqwest::Certificate {
    let t = app.transparent.as_ref().unwrap();
    reqwest::Certificate::from_pem(t.ca_pem.as_bytes()).unwrap()
}

/// A bot's HTTP client: HTTPS_PROXY is Vitrine, Vitrine's CA is the only one trusted.
fn bot(app: &TestApp) -> reqwest::Client {
    reqwest::Client::builder()
        .proxy(reqwest::Proxy::https(&app.base).unwrap())
        .tls_built_in_root_certs(false)
        .add_root_certificate(ca(app))
        .build()
        .unwrap()
}

/// A client sent to `--tls-listen` by a hosts-file entry for every intercepted host.
fn hosts_file_client(app: &TestApp, trust: bool) -> reqwest::Client {
    let tls = app.transparent.as_ref().unwrap().tls_addr;
    let mut b = reqwest::Client::builder()
        .no_proxy()
        .tls_built_in_root_certs(false)
        .resolve("graph.facebook.com", tls)
        .resolve("lookaside.fbsbx.com", tls)
        .resolve("www.example.com", tls);
    if trust {
        b = b.add_root_certificate(ca(app));
    }
    b.build().unwrap()
}

/// Sends raw bytes on a fresh connection to `to` and reads until the server closes it or
/// `done` holds (with a deadline).
async fn raw(to: &str, request: &[u8], done: impl Fn(&[u8]) -> bool) -> Vec<u8> {
    let mut s = TcpStream::connect(to).await.unwrap();
    s.write_all(request).await.unwrap();
    read_until(&mut s, done).await
}

async fn read_until(s: &mut TcpStream, done: impl Fn(&[u8]) -> bool) -> Vec<u8> {
    let mut out = vec![];
    let mut buf = [0u8; 4096];
    let read_all = async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    out.extend_from_slice(&buf[..n]);
                    if done(&out) {
                        break;
                    }
                }
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read_all)
        .await
        .expect("the server neither answered nor closed the connection");
    out
}

/// Status line, lower-cased headers and JSON body of a complete HTTP/1.1 response.
fn parse(response: &[u8]) -> (String, Vec<(String, String)>, Value) {
    let text = String::from_utf8_lossy(response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("a complete head");
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().to_owned();
    let headers = lines
        .map(|l| {
            let (k, v) = l.split_once(':').unwrap();
            (k.trim().to_ascii_lowercase(), v.trim().to_owned())
        })
        .collect();
    (
        status,
        headers,
        serde_json::from_str(body).unwrap_or(Value::Null),
    )
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A whole response read with `Connection: close`.
fn closed(_: &[u8]) -> bool {
    false
}

async fn stored_messages(app: &TestApp) -> Vec<Value> {
    let r = app.get("/_vitrine/messages?limit=100").await;
    r.body["data"].as_array().cloned().unwrap()
}

#[tokio::test]
async fn the_graph_api_through_the_proxy_is_the_graph_api() {
    let app = transparent_app().await;
    let bot = bot(&app);
    // The same call, plain and through the tunnel: same status, same body.
    let plain = app
        .send(
            app.client
                .get(app.url(&format!("/v23.0/{PHONE}")))
                .bearer_auth(TOKEN),
        )
        .await;
    let tunnelled = app
        .send(
            bot.get(format!("https://graph.facebook.com/v23.0/{PHONE}"))
                .bearer_auth(TOKEN),
        )
        .await;
    assert_eq!(tunnelled.status, 200, "{}", tunnelled.text);
    assert_eq!(tunnelled.body, plain.body);
    assert_eq!(tunnelled.header("facebook-api-version"), Some("v23.0"));

    // A send through the tunnel is stored, as any send.
    let r = app
        .send(
            bot.post(format!("https://graph.facebook.com/v23.0/{PHONE}/messages"))
                .bearer_auth(TOKEN)
                .json(&text("Sent through HTTPS_PROXY")),
        )
        .await;
    let wamid = r.wamid();
    assert_eq!(
        r.body,
        json!({
            "messaging_product": "whatsapp",
            "contacts": [{ "input": CUSTOMER, "wa_id": CUSTOMER }],
            "messages": [{ "id": wamid }],
        })
    );
    let stored = app.get(&format!("/_vitrine/messages/{wamid}")).await;
    assert_eq!(stored.status, 200);
    assert_eq!(stored.body["content"]["body"], "Sent through HTTPS_PROXY");

    // Errors come back in Meta's envelope there too.
    let r = app
        .send(
            bot.post(format!("https://graph.facebook.com/v23.0/{PHONE}/messages"))
                .bearer_auth("EAAnotatoken")
                .json(&text("hi")),
        )
        .await;
    r.assert_error(
        401,
        json!({
            "message": "Invalid OAuth access token - Cannot parse access token",
            "type": "OAuthException",
            "code": 190,
        }),
    );
}

#[tokio::test]
async fn the_media_host_is_served_by_the_same_router_and_the_peer_is_the_bots() {
    let app = transparent_app().await;
    // Without an admin token /_vitrine/ answers loopback clients only: inside the tunnel the
    // peer is still the bot's own address, so the same answer comes back both ways.
    let plain = app.get("/_vitrine/sandbox").await;
    assert_eq!(plain.status, 200, "{}", plain.text);
    let r = app
        .send(bot(&app).get("https://lookaside.fbsbx.com/_vitrine/sandbox"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body, plain.body);
}

#[tokio::test]
async fn connect_to_another_host_is_refused_and_never_tunnelled() {
    let app = transparent_app().await;
    for target in [
        "example.com:443",
        "www.facebook.com:443",
        "graph.facebook.com.example.com:443",
        "127.0.0.1:443",
        "[::1]:443",
    ] {
        let response = raw(
            &addr(&app),
            format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
            closed,
        )
        .await;
        let (status, headers, body) = parse(&response);
        assert_eq!(status, "HTTP/1.1 403 Forbidden", "{target}");
        assert_eq!(
            header(&headers, "proxy-status"),
            Some("vitrine; error=http_request_denied")
        );
        assert_eq!(
            body,
            json!({ "error": {
                "code": "proxy_refused",
                "message": format!("Vitrine's HTTPS proxy serves graph.facebook.com:443 and lookaside.fbsbx.com:443 only; {target} was refused. Vitrine never connects to the internet: leave other hosts out with NO_PROXY."),
            }}),
            "{target}"
        );
    }
    // A real client sees its CONNECT fail, and nothing reaches the router.
    let before = stored_messages(&app).await;
    let err = bot(&app)
        .post("https://example.com/v23.0/1/messages")
        .json(&text("hi"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert_eq!(stored_messages(&app).await, before);
}

#[tokio::test]
async fn connect_to_another_port_is_refused() {
    let app = transparent_app().await;
    for target in [
        "graph.facebook.com:80",
        "graph.facebook.com:8443",
        "lookaside.fbsbx.com:4443",
    ] {
        let response = raw(
            &addr(&app),
            format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
            closed,
        )
        .await;
        let (status, _, body) = parse(&response);
        assert_eq!(status, "HTTP/1.1 403 Forbidden", "{target}");
        assert_eq!(
            body,
            json!({ "error": {
                "code": "proxy_refused",
                "message": format!("Vitrine's HTTPS proxy serves graph.facebook.com:443 and lookaside.fbsbx.com:443 only; {target} was refused (another port)."),
            }})
        );
    }
}

#[tokio::test]
async fn a_proxy_request_without_connect_is_refused() {
    let app = transparent_app().await;
    for (line, target) in [
        ("GET http://example.com/ HTTP/1.1", "http://example.com/"),
        (
            "POST http://graph.facebook.com/v23.0/113859604417350/messages HTTP/1.1",
            "http://graph.facebook.com/v23.0/113859604417350/messages",
        ),
        (
            "GET https://graph.facebook.com/v23.0/me HTTP/1.1",
            "https://graph.facebook.com/v23.0/me",
        ),
    ] {
        let method = line.split(' ').next().unwrap();
        let response = raw(
            &addr(&app),
            format!(
                "{line}\r\nHost: example.com\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
            closed,
        )
        .await;
        let (status, headers, body) = parse(&response);
        assert_eq!(status, "HTTP/1.1 403 Forbidden", "{line}");
        assert_eq!(
            header(&headers, "proxy-status"),
            Some("vitrine; error=http_request_denied")
        );
        assert_eq!(
            body,
            json!({ "error": {
                "code": "not_a_forward_proxy",
                "message": format!("Vitrine is not an HTTP forward proxy, and refused {method} {target}. It serves graph.facebook.com:443 and lookaside.fbsbx.com:443 to clients that send CONNECT (set HTTPS_PROXY, not HTTP_PROXY); its own API is plain HTTP on this address."),
            }})
        );
    }
    // A client with HTTP_PROXY set to Vitrine sees the same refusal.
    let client = reqwest::Client::builder()
        .proxy(reqwest::Proxy::http(&app.base).unwrap())
        .build()
        .unwrap();
    let r = app.send(client.get("http://example.com/")).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.body["error"]["code"], "not_a_forward_proxy");
    // An absolute-form request naming Vitrine itself is no proxy request: it is served.
    let response = raw(
        &addr(&app),
        format!(
            "GET {}/_vitrine/health HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            app.base,
            addr(&app)
        )
        .as_bytes(),
        closed,
    )
    .await;
    let (status, _, body) = parse(&response);
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn a_client_that_does_not_trust_the_ca_fails_cleanly_and_nothing_is_served() {
    let app = transparent_app().await;
    let before = stored_messages(&app).await;
    // Only the public roots: Vitrine's CA is not among them.
    let untrusting = reqwest::Client::builder()
        .proxy(reqwest::Proxy::https(&app.base).unwrap())
        .build()
        .unwrap();
    let err = untrusting
        .post(format!("https://graph.facebook.com/v23.0/{PHONE}/messages"))
        .bearer_auth(TOKEN)
        .json(&text("Must not be sent"))
        .send()
        .await
        .unwrap_err();
    let chain = format!("{err:?}");
    assert!(chain.contains("UnknownIssuer"), "{chain}");
    assert_eq!(stored_messages(&app).await, before);

    // Plain HTTP inside the tunnel gets no HTTP answer: a TLS alert, then the end.
    let mut s = TcpStream::connect(addr(&app)).await.unwrap();
    s.write_all(b"CONNECT graph.facebook.com:443 HTTP/1.1\r\nHost: graph.facebook.com:443\r\n\r\n")
        .await
        .unwrap();
    let head = read_until(&mut s, |b| b.windows(4).any(|w| w == b"\r\n\r\n")).await;
    assert!(
        head.starts_with(b"HTTP/1.1 200 OK\r\n"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    let request = format!(
        "POST /v23.0/{PHONE}/messages HTTP/1.1\r\nHost: graph.facebook.com\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}"
    );
    s.write_all(request.as_bytes()).await.unwrap();
    let rest = read_until(&mut s, closed).await;
    assert!(!rest.windows(5).any(|w| w == b"HTTP/"), "{rest:?}");
    assert_eq!(rest.first(), Some(&0x15), "a TLS alert record: {rest:?}");
    assert_eq!(stored_messages(&app).await, before);

    // The next, trusting, client is served as usual.
    let r = app
        .send(
            bot(&app)
                .get(format!("https://graph.facebook.com/v23.0/{PHONE}"))
                .bearer_auth(TOKEN),
        )
        .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn tls_listen_serves_each_host_its_own_certificate() {
    let app = transparent_app().await;
    let port = app.transparent.as_ref().unwrap().tls_addr.port();
    let client = hosts_file_client(&app, true);
    let r = app
        .send(
            client
                .post(format!(
                    "https://graph.facebook.com:{port}/v23.0/{PHONE}/messages"
                ))
                .bearer_auth(TOKEN)
                .json(&text("Sent through a hosts-file entry")),
        )
        .await;
    let wamid = r.wamid();
    let stored = app.get(&format!("/_vitrine/messages/{wamid}")).await;
    assert_eq!(
        stored.body["content"]["body"],
        "Sent through a hosts-file entry"
    );
    let r = app
        .send(client.get(format!(
            "https://lookaside.fbsbx.com:{port}/_vitrine/health"
        )))
        .await;
    assert_eq!(r.status, 200);

    // Another name mapped to Vitrine gets no certificate at all: the handshake fails.
    let err = client
        .get(format!("https://www.example.com:{port}/"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    // A client without the CA fails as it does through the proxy.
    let err = hosts_file_client(&app, false)
        .get(format!("https://graph.facebook.com:{port}/v23.0/{PHONE}"))
        .send()
        .await
        .unwrap_err();
    assert!(format!("{err:?}").contains("UnknownIssuer"), "{err:?}");
}

#[tokio::test]
async fn connect_is_refused_saying_why_when_transparent_mode_is_off() {
    let app = spawn_app().await;
    let target = "graph.facebook.com:443";
    let response = raw(
        &addr(&app),
        format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\nConnection: close\r\n\r\n")
            .as_bytes(),
        closed,
    )
    .await;
    let (status, _, body) = parse(&response);
    assert_eq!(status, "HTTP/1.1 503 Service Unavailable");
    assert_eq!(
        body,
        json!({ "error": { "code": "proxy_off", "message": "Vitrine's HTTPS proxy is off: off in this test" } })
    );
}

#[tokio::test]
async fn stopping_ends_idle_tunnels_and_the_tls_listener() {
    let app = transparent_app().await;
    let tls_addr: SocketAddr = app.transparent.as_ref().unwrap().tls_addr;
    let bot = bot(&app);
    let r = app
        .send(
            bot.get(format!("https://graph.facebook.com/v23.0/{PHONE}"))
                .bearer_auth(TOKEN),
        )
        .await;
    assert_eq!(r.status, 200);
    // The bot keeps its tunnel open (keep-alive); stopping must not wait for it.
    tokio::time::timeout(Duration::from_secs(10), app.stop())
        .await
        .expect("stop waited for an idle tunnel");
    assert!(TcpStream::connect(tls_addr).await.is_err());
}
