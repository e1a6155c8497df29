//! The start-up banner: what a user needs to send a first message.

use crate::node::TransparentFacts;
use vitrine_core::{hosts, Sandbox};

/// The banner's first lines: how a bot reaches Vitrine unchanged.
fn run_your_bot(t: &TransparentFacts, public_url: &str) -> String {
    let base = public_url.trim_end_matches('/');
    let cert = match &t.ca_cert {
        Ok(cert) => cert.display().to_string(),
        Err(why) => {
            return format!(
                "\nPoint your bot's Graph base URL at {base} (transparent mode is off: {why}).\n"
            )
        }
    };
    let hosts_file = match t.tls_listen {
        Some(addr) => format!(
            "\n  Hosts-file mode: TLS on {addr}; add to /etc/hosts: {ip} {names}",
            ip = addr.ip(),
            names = hosts::INTERCEPTED.join(" "),
        ),
        None => String::new(),
    };
    format!(
        "\nRun your bot unchanged with these two variables (its https://{graph} calls land here):\n\
         \n  HTTPS_PROXY={proxy}\
         \n  SSL_CERT_FILE={cert}\n\
         \n  Python requests reads REQUESTS_CA_BUNDLE, Node.js NODE_EXTRA_CA_CERTS (Node's fetch\
         \n  ignores HTTPS_PROXY: use --tls-listen and a hosts-file entry); Java and the rest:\
         \n  `vitrine ca init`. Clients with a base-URL option: {base}{hosts_file}\n",
        graph = hosts::GRAPH,
        proxy = t.proxy_url,
    )
}

pub fn render(
    sandbox: &Sandbox,
    public_url: &str,
    database: &str,
    transparent: &TransparentFacts,
) -> String {
    let intro = run_your_bot(transparent, public_url);
    let seeded = sandbox.read(|dir| {
        dir.phone_number(&vitrine_core::seed::PHONE_NUMBER_ID.into())
            .is_some()
    });
    if !seeded {
        let base = public_url.trim_end_matches('/');
        return format!(
            "\nVitrine {version}: WhatsApp Cloud API commerce sandbox (not affiliated with Meta)\n\
             {intro}\
             \n  Web UI          {base}/\
             \n  Graph API       {base}/{api}\
             \n  Database        {database}\
             \n  No demo sandbox in this database (--no-seed): start once without --no-seed to\
             \n  seed it.\n",
            version = env!("CARGO_PKG_VERSION"),
            api = sandbox.behaviour.default_api_version,
        );
    }
    let f = sandbox.facts(public_url);
    let products = sandbox.read(|dir| {
        f.catalog_id
            .as_deref()
            .and_then(|id| dir.catalog(&id.into()))
            .map(|c| c.len())
            .unwrap_or(0)
    });
    let items: Vec<String> = f
        .retailer_ids
        .iter()
        .take(3)
        .map(|rid| format!("{{\"product_retailer_id\":\"{rid}\"}}"))
        .collect();
    let body = format!(
        "{{\"messaging_product\":\"whatsapp\",\"to\":\"{to}\",\"type\":\"interactive\",\"interactive\":{{\"type\":\"product_list\",\"header\":{{\"type\":\"text\",\"text\":\"Our picks for you\"}},\"body\":{{\"text\":\"Tap an item, add it to your cart, send the cart.\"}},\"action\":{{\"catalog_id\":\"{catalog}\",\"sections\":[{{\"title\":\"Bestsellers\",\"product_items\":[{items}]}}]}}}}}}",
        to = f.customer.wa_id,
        catalog = f.catalog_id.as_deref().unwrap_or(""),
        items = items.join(","),
    );
    format!(
        "\nVitrine {version}: WhatsApp Cloud API commerce sandbox (not affiliated with Meta)\n\
         {intro}\
         \n  Web UI          {base}/\
         \n  Graph API       {graph}\
         \n  Database        {database}\
         \n  Business        {business}    WABA {waba}\
         \n  Phone number    {phone}    display {display}\
         \n  Catalog         {catalog}    {products} products, link {link}\
         \n  App             {app}    secret {secret}\
         \n  Verify token    {verify}\
         \n  Webhook         {webhook}\
         \n  Access token    {token}\
         \n  Demo customer   {customer} ({customer_name})\
         \n  All of this     GET {base}/_vitrine/sandbox\
         \n  Vitrine's API   {base}/_vitrine/openapi.json    metrics {base}/_vitrine/metrics\n\
         \nSend a multi-product message:\n\
         \n  curl -sS {graph}/{phone}/messages \\\
         \n    -H 'Authorization: Bearer {token}' \\\
         \n    -H 'Content-Type: application/json' \\\
         \n    -d '{body}'\n",
        version = env!("CARGO_PKG_VERSION"),
        graph = f.graph_url,
        base = f.base_url,
        business = f.business_id,
        waba = f.waba_id,
        phone = f.phone_number_id,
        display = f.display_phone_number,
        catalog = f.catalog_id.as_deref().unwrap_or("(none connected)"),
        link = f.catalog_link,
        app = f.app_id,
        secret = f.app_secret,
        verify = f.verify_token,
        webhook = f
            .webhook_url
            .as_deref()
            .unwrap_or("none yet: --webhook-url, or POST /{app-id}/subscriptions"),
        token = f.access_token,
        customer = f.customer.wa_id,
        customer_name = f.customer.name,
    )
}
