// whatsapp-api-js, unchanged, against a running Vitrine.
//
// Every check goes through the library's own API: its message builders, its sendMessage, the
// error object it returns, and its node:http middleware with signature checking on (secure
// mode, appSecret), plus plain HTTP calls for what the library has no API for (creating
// templates, subscribing the webhook) and to play the customer. How it reaches
// https://graph.facebook.com depends on SDK_WAY:
//
// - `ponyfill` (default): a fetch ponyfill that sends those requests to Vitrine instead;
// - `hosts`: nothing at all. Node's own fetch resolves graph.facebook.com through a hosts-file
//   entry to Vitrine's --tls-listen and trusts Vitrine's CA through NODE_EXTRA_CA_CERTS, all set
//   by sdk-tests/run (Node 20's fetch ignores HTTPS_PROXY). The plain Graph calls then use the
//   hard-coded https://graph.facebook.com too.
//
// Environment: VITRINE_URL (http://127.0.0.1:PORT), RESULTS (path of the JSON results file),
// SDK_WAY.

import { createHash } from "node:crypto";
import { createServer } from "node:http";
import { readFileSync, writeFileSync } from "node:fs";
import { WhatsAppAPI } from "whatsapp-api-js/middleware/node-http";
import {
    ActionCatalog,
    ActionProduct,
    ActionProductList,
    Body,
    BodyComponent,
    BodyParameter,
    CarouselCard,
    CarouselComponent,
    CatalogComponent,
    CatalogProduct,
    Footer,
    Header,
    HeaderComponent,
    HeaderParameter,
    Document,
    Image,
    Interactive,
    Location,
    MPMComponent,
    Reaction,
    Product,
    ProductSection,
    Template,
    Text,
} from "whatsapp-api-js/messages";

const VITRINE = process.env.VITRINE_URL.replace(/\/$/, "");
const RESULTS = process.env.RESULTS;
const WAY = process.env.SDK_WAY ?? "ponyfill";
if (!["ponyfill", "hosts"].includes(WAY)) throw new Error(`SDK_WAY must be ponyfill or hosts, not ${WAY}`);
if (WAY === "hosts" && !process.env.NODE_EXTRA_CA_CERTS) throw new Error("SDK_WAY=hosts needs NODE_EXTRA_CA_CERTS");
const VERSION = JSON.parse(
    readFileSync(new URL("./node_modules/whatsapp-api-js/package.json", import.meta.url)),
).version;

const TOKEN = "EAAVitrineDemoSystemUserToken0000000000000000000000000000000000";
const PHONE_ID = "113859604417350";
const DISPLAY_NUMBER = "15550107788";
const WABA_ID = "110457892231604";
const APP_SECRET = "8a1f3c9e5b7d2046f1e9a3c5b7d90124";
const CATALOG_ID = "771804362295518";
const CUSTOMER = "16505550123";
const CUSTOMER_BSUID = "US.19683022095629746461"; // the demo customer, as the demo business sees them
const VERIFY_TOKEN = "sdk-suite-verify-token";
const WAIT_MS = 15_000;

// --- Pointing whatsapp-api-js at Vitrine: the whole recipe --------------------------------------

const GRAPH = "https://graph.facebook.com";
/** Meta's hosts: the Graph API and media downloads. */
const META = /^https:\/\/(graph\.facebook\.com|lookaside\.fbsbx\.com)(?=[/?]|$)/;
/** A fetch that sends requests for Meta's hosts to Vitrine instead. */
const graphToVitrine = (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    return fetch(META.test(url) ? url.replace(META, VITRINE) : input, init);
};

function client(token = TOKEN) {
    return new WhatsAppAPI({
        token,
        appSecret: APP_SECRET,
        webhookVerifyToken: VERIFY_TOKEN,
        secure: true,
        v: "v23.0",
        ...(WAY === "ponyfill" ? { ponyfill: { fetch: graphToVitrine } } : {}),
    });
}
/** Where plain Graph calls go: Vitrine's address, or Meta's own in hosts-file mode. */
const GRAPH_ORIGIN = WAY === "hosts" ? GRAPH : VITRINE;

// --- Vitrine's operator API and plain Graph calls -------------------------------------------

async function op(method, path, body) {
    const r = await fetch(VITRINE + path, {
        method,
        headers: body ? { "Content-Type": "application/json" } : {},
        body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    if (r.status >= 300) throw new Error(`${method} ${path} -> ${r.status} ${text}`);
    return text ? JSON.parse(text) : {};
}

async function graph(method, path, body) {
    const r = await fetch(`${GRAPH_ORIGIN}/v23.0${path}`, {
        method,
        headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
        body: body ? JSON.stringify(body) : undefined,
    });
    const json = await r.json();
    if (r.status >= 300) throw new Error(`${method} ${path} -> ${r.status} ${JSON.stringify(json)}`);
    return json;
}

// --- Webhooks received through the library's handlers -----------------------------------------

const inbox = [];
const waiters = new Set();
function put(kind, args) {
    inbox.push({ kind, args });
    for (const w of waiters) w();
}
function waitFor(what, pred, timeout = WAIT_MS) {
    return new Promise((resolve, reject) => {
        const check = () => {
            const hit = inbox.find(pred);
            if (hit) {
                waiters.delete(check);
                clearTimeout(timer);
                resolve(hit.args);
            }
        };
        const timer = setTimeout(() => {
            waiters.delete(check);
            reject(new Error(`no webhook ${what} within ${timeout / 1000}s`));
        }, timeout);
        waiters.add(check);
        check();
    });
}

// --- Assertions and results ---------------------------------------------------------------

function eq(actual, expected, what) {
    const a = JSON.stringify(actual);
    const e = JSON.stringify(expected);
    if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}
function isWamid(v, what) {
    if (typeof v !== "string" || !v.startsWith("wamid.") || v.length < 20)
        throw new Error(`${what}: not a wamid: ${JSON.stringify(v)}`);
}
/** The library returns Meta's error object instead of throwing: check it. */
function expectError(res, code, details) {
    if (!res || !res.error) throw new Error(`no error object, got ${JSON.stringify(res)}`);
    eq(res.error.code, code, "error.code");
    eq(res.error.type, "OAuthException", "error.type");
    if (details !== undefined) eq(res.error.error_data?.details, details, "error.error_data.details");
    if (typeof res.error.fbtrace_id !== "string") throw new Error("no error.fbtrace_id");
}

// A 1x1 PNG, a few bytes of PDF, OGG and WebP: Vitrine checks types and sizes, not pixels.
const PNG = Buffer.from(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
    "base64",
);
const PDF = Buffer.from("%PDF-1.4\n% Vitrine SDK suite\n%%EOF\n");
const OGG = Buffer.concat([Buffer.from("OggS"), Buffer.alloc(200)]);
const MP4 = Buffer.concat([Buffer.from("\0\0\0\x18ftypmp42"), Buffer.alloc(300)]);
const WEBP = Buffer.concat([Buffer.from("RIFF$\0\0\0WEBPVP8 "), Buffer.alloc(40)]);
const sha256 = (buf, enc) => createHash("sha256").update(buf).digest(enc);

/** The demo customer sends a file (Vitrine's operator API). */
async function customerFile(bytes, type, query = {}) {
    const r = await fetch(`${VITRINE}/_vitrine/customers/${CUSTOMER}/media?${new URLSearchParams(query)}`, {
        method: "POST",
        headers: { "Content-Type": type },
        body: bytes,
    });
    if (r.status >= 300) throw new Error(`sending a ${type} file -> ${r.status} ${await r.text()}`);
    return r.json();
}

const results = [];
// What a pass means for this client when it differs from a plain "its own API did it".
const NOTES = {
    "webhook.subscribe":
        "it has no subscription call: the suite subscribes with a plain Graph request, and the library's handle_get answers the verification handshake.",
    "webhook.order":
        "it has no order class: it hands the webhook's message through, typed by its ServerOrderMessage TypeScript type; the suite checks that object's exact fields.",
    "webhook.signature":
        "its node:http middleware answers 401 to a forged signature and 500 to a missing one.",
    "webhook.inbound_types":
        "it hands each message through as Meta's JSON (typed by its Server*Message TypeScript types); the suite checks those objects' fields.",
    "webhook.forwarded":
        "it hands the message through as Meta's JSON; the suite checks its context.forwarded.",
};
for (const code of ["131009", "131008", "131021", "190", "130429", "131056"])
    NOTES[`error.${code}`] = "it raises no exception: sendMessage resolves to Meta's error object, whose code, type and details the suite checks.";
function record(id, status, detail = "") {
    results.push({ id, status, detail, ...(status === "pass" && NOTES[id] ? { note: NOTES[id] } : {}) });
    const mark = { pass: "ok  ", fail: "FAIL", unsupported: "n/a " }[status];
    console.log(`[whatsapp-api-js] ${mark} ${id}${detail && status !== "pass" ? `: ${detail}` : ""}`);
}
async function check(id, fn) {
    try {
        const out = await fn();
        record(id, "pass");
        return out;
    } catch (e) {
        record(id, "fail", String(e?.message ?? e).slice(0, 400));
        console.error(e);
        return undefined;
    }
}
const unsupported = (id, why) => record(id, "unsupported", why);

// --- The checks ---------------------------------------------------------------------------

async function main() {
    const wa = client();
    wa.on.message = (args) => put("message", args);
    wa.on.status = (args) => put("status", args);

    // The webhook endpoint: node:http with the library's own middleware.
    const server = createServer(async (req, res) => {
        if (req.method === "GET") {
            try {
                const challenge = wa.handle_get(req);
                res.writeHead(200, { "Content-Type": "text/plain" }).end(challenge);
            } catch (status) {
                res.writeHead(typeof status === "number" ? status : 500).end();
            }
            return;
        }
        res.statusCode = await wa.handle_post(req);
        res.end();
    });
    await new Promise((r) => server.listen(0, "127.0.0.1", r));
    const hook = `http://127.0.0.1:${server.address().port}/webhook`;

    await check("webhook.subscribe", async () => {
        // The library has no subscription API: a plain Graph call, whose verification handshake
        // the library's handle_get answers.
        const r = await graph("POST", `/${WABA_ID}/subscribed_apps`, {
            override_callback_uri: hook,
            verify_token: VERIFY_TOKEN,
        });
        eq(r.success, true, "subscribed_apps success");
    });

    const sent = {};
    await check("send.catalog", async () => {
        const msg = new Interactive(
            new ActionCatalog(new Product("beans-house-blend-250g")),
            new Body("Browse the whole range without leaving the chat."),
            undefined,
            new Footer("Vitrine SDK suite"),
        );
        const res = await wa.sendMessage(PHONE_ID, CUSTOMER, msg);
        isWamid(res.messages?.[0]?.id, "messages[0].id");
        eq(res.contacts, [{ input: CUSTOMER, wa_id: CUSTOMER }], "contacts");
        const stored = await op("GET", `/_vitrine/messages/${res.messages[0].id}`);
        eq(stored.content.type, "catalog_message", "what Vitrine stored");
        eq(stored.content.thumbnail_product_retailer_id, "beans-house-blend-250g", "thumbnail");
        sent.catalog = res.messages[0].id;
    });
    await check("send.product", async () => {
        const msg = new Interactive(
            new ActionProduct(new CatalogProduct("mug-stoneware-350ml", CATALOG_ID)),
            new Body("Our best-selling mug."),
            undefined,
            new Footer("Dishwasher safe"),
        );
        const res = await wa.sendMessage(PHONE_ID, CUSTOMER, msg);
        isWamid(res.messages?.[0]?.id, "messages[0].id");
        const stored = await op("GET", `/_vitrine/messages/${res.messages[0].id}`);
        eq(stored.content.type, "product", "what Vitrine stored");
        eq(stored.products.map((p) => p.retailer_id), ["mug-stoneware-350ml"], "product");
    });
    await check("send.product_list", async () => {
        const msg = new Interactive(
            new ActionProductList(
                CATALOG_ID,
                new ProductSection("Coffee", new Product("beans-house-blend-250g"), new Product("mug-stoneware-350ml")),
                new ProductSection("Home", new Product("candle-cedar-200g")),
            ),
            new Body("Tap an item, add it to your cart, send the cart."),
            new Header("Our picks for you"),
        );
        const res = await wa.sendMessage(PHONE_ID, CUSTOMER, msg);
        isWamid(res.messages?.[0]?.id, "messages[0].id");
        const stored = await op("GET", `/_vitrine/messages/${res.messages[0].id}`);
        eq(stored.content.type, "product_list", "what Vitrine stored");
        eq(
            stored.products.map((p) => p.retailer_id),
            ["beans-house-blend-250g", "mug-stoneware-350ml", "candle-cedar-200g"],
            "products",
        );
        sent.productList = res.messages[0].id;
    });

    // --- errors, as the error object the library hands back --------------------------------
    await check("error.131009", async () => {
        const res = await wa.sendMessage(
            PHONE_ID,
            CUSTOMER,
            new Interactive(new ActionProduct(new CatalogProduct("no-such-product", CATALOG_ID))),
        );
        expectError(res, 131009, "Products not found in FB Catalog");
    });
    await check("error.131008", async () => {
        const res = await wa.sendMessage(
            PHONE_ID,
            CUSTOMER,
            new Interactive(
                new ActionProductList(CATALOG_ID, new ProductSection("Coffee", new Product("mug-stoneware-350ml"))),
                new Body("Missing header text"),
                new Header(""),
            ),
        );
        expectError(res, 131008, "The parameter interactive['header']['text'] is required.");
    });
    await check("error.131021", async () => {
        const res = await wa.sendMessage(
            PHONE_ID,
            DISPLAY_NUMBER,
            new Interactive(new ActionCatalog(), new Body("To myself")),
        );
        expectError(res, 131021);
    });
    await check("error.190", async () => {
        const res = await client("EAAnotAValidToken").sendMessage(
            PHONE_ID,
            CUSTOMER,
            new Interactive(new ActionCatalog(), new Body("Should not go out")),
        );
        expectError(res, 190);
    });
    await check("error.131047", async () => {
        const stranger = "16505559101";
        await op("POST", "/_vitrine/customers", { wa_id: stranger, name: "Never Wrote" });
        const res = await wa.sendMessage(PHONE_ID, stranger, new Text("Hello out of the blue"));
        const id = res.messages?.[0]?.id;
        isWamid(id, "messages[0].id");
        const s = await waitFor("failed status", (u) => u.kind === "status" && u.args.id === id && u.args.status === "failed");
        eq(s.error?.code, 131047, "status error.code");
        eq(s.error?.title, "Re-engagement message", "status error.title");
        eq(s.phone, stranger, "status recipient");
    });

    // --- webhooks through the middleware ------------------------------------------------------
    await check("webhook.status", async () => {
        for (const st of ["sent", "delivered"]) {
            const s = await waitFor(`${st} status`, (u) => u.kind === "status" && u.args.id === sent.catalog && u.args.status === st);
            eq(s.phone, CUSTOMER, "status phone");
            eq(s.phoneID, PHONE_ID, "status phoneID");
            eq(s.error, undefined, "status error");
            if (!/^\d+$/.test(s.timestamp)) throw new Error(`timestamp ${s.timestamp}`);
        }
    });
    await check("webhook.signature", async () => {
        const body = JSON.stringify({ object: "whatsapp_business_account", entry: [] });
        const forged = await fetch(hook, {
            method: "POST",
            headers: { "Content-Type": "application/json", "X-Hub-Signature-256": "sha256=" + "0".repeat(64) },
            body,
        });
        eq(forged.status, 401, "forged signature answer");
        const unsigned = await fetch(hook, { method: "POST", headers: { "Content-Type": "application/json" }, body });
        // The node:http middleware refuses a request without X-Hub-Signature-256 with a 500
        // (it throws a bare 400 that its own catch does not recognise): refused all the same.
        eq(unsigned.status, 500, "unsigned answer");
        eq(inbox.some((u) => u.args.raw?.entry?.length === 0), false, "refused payloads reached a callback");
    });
    await check("webhook.order", async () => {
        await op("POST", `/_vitrine/customers/${CUSTOMER}/cart/items`, { product_retailer_id: "beans-house-blend-250g", quantity: 2 });
        await op("POST", `/_vitrine/customers/${CUSTOMER}/cart/items`, { product_retailer_id: "mug-stoneware-350ml", quantity: 1 });
        await op("POST", `/_vitrine/customers/${CUSTOMER}/cart/send`, { text: "Deliver after 6pm" });
        const m = await waitFor("order", (u) => u.kind === "message" && u.args.message.type === "order");
        // whatsapp-api-js types this message as its ServerOrderMessage (a TypeScript type; the
        // library hands the payload through without building objects).
        eq(m.message.order, {
            catalog_id: CATALOG_ID,
            text: "Deliver after 6pm",
            product_items: [
                { product_retailer_id: "beans-house-blend-250g", quantity: 2, item_price: 12.5, currency: "USD" },
                { product_retailer_id: "mug-stoneware-350ml", quantity: 1, item_price: 18, currency: "USD" },
            ],
        }, "order");
        eq(m.from, CUSTOMER, "order from");
        eq(m.name, "Alex Rivera", "order sender name");
        eq(m.recipient, { phone: CUSTOMER, bsuid: CUSTOMER_BSUID, pbsuid: undefined }, "order sender");
    });
    await check("webhook.product_inquiry", async () => {
        await op("POST", `/_vitrine/customers/${CUSTOMER}/messages`, {
            text: "Is it microwave safe?",
            about: { wamid: sent.productList, product_retailer_id: "mug-stoneware-350ml" },
        });
        const m = await waitFor(
            "product inquiry",
            (u) => u.kind === "message" && u.args.message.type === "text" && u.args.message.text?.body === "Is it microwave safe?",
        );
        eq(m.message.context?.referred_product, { catalog_id: CATALOG_ID, product_retailer_id: "mug-stoneware-350ml" }, "referred_product");
        eq(m.message.context?.id, sent.productList, "context.id");
    });

    // --- media, everyday messages, read receipts (messaging spec) ---------------------------
    const stored = async (id) => (await op("GET", `/_vitrine/messages/${id}`)).content;
    let photoId;
    await check("media.upload", async () => {
        const form = new FormData();
        form.append("file", new Blob([PNG], { type: "image/png" }), "mug.png");
        const up = await wa.uploadMedia(PHONE_ID, form);
        if (!/^\d+$/.test(up.id ?? "")) throw new Error(`upload answer ${JSON.stringify(up)}`);
        const info = await wa.retrieveMedia(up.id);
        eq(
            { id: info.id, mime_type: info.mime_type, sha256: info.sha256, file_size: info.file_size, messaging_product: info.messaging_product },
            { id: up.id, mime_type: "image/png", sha256: sha256(PNG, "hex"), file_size: PNG.length, messaging_product: "whatsapp" },
            "retrieveMedia",
        );
        const res = await wa.fetchMedia(info.url);
        eq(res.status, 200, "fetchMedia status");
        eq(Buffer.from(await res.arrayBuffer()).equals(PNG), true, "downloaded bytes");
        photoId = up.id;
    });
    await check("send.image", async () => {
        const res = await wa.sendMessage(PHONE_ID, CUSTOMER, new Image(photoId, true, "New mugs are in"));
        const id = res.messages?.[0]?.id;
        isWamid(id, "messages[0].id");
        const c = await stored(id);
        eq([c.kind, c.media, c.caption, c.mime_type], ["image", { id: photoId }, "New mugs are in", "image/png"], "stored image");
    });
    await check("send.document", async () => {
        const form = new FormData();
        form.append("file", new Blob([PDF], { type: "application/pdf" }), "invoice.pdf");
        const up = await wa.uploadMedia(PHONE_ID, form);
        const res = await wa.sendMessage(PHONE_ID, CUSTOMER, new Document(up.id, true, "Your invoice", "invoice-42.pdf"));
        const id = res.messages?.[0]?.id;
        isWamid(id, "messages[0].id");
        const c = await stored(id);
        eq([c.kind, c.filename, c.caption, c.mime_type], ["document", "invoice-42.pdf", "Your invoice", "application/pdf"], "stored document");
    });
    await check("send.location", async () => {
        // whatsapp-api-js takes the longitude first.
        const res = await wa.sendMessage(PHONE_ID, CUSTOMER, new Location(-9.1393, 38.7223, "Vitrine Store", "Praça do Comércio, Lisboa"));
        const id = res.messages?.[0]?.id;
        isWamid(id, "messages[0].id");
        eq(await stored(id), { type: "location", latitude: 38.7223, longitude: -9.1393, name: "Vitrine Store", address: "Praça do Comércio, Lisboa" }, "stored location");
    });

    const customerSays = async (text) => {
        await op("POST", `/_vitrine/customers/${CUSTOMER}/messages`, { text });
        return waitFor(text, (u) => u.kind === "message" && u.args.message.type === "text" && u.args.message.text?.body === text);
    };
    const chatEntry = async (wamid) => {
        const chat = await op("GET", `/_vitrine/customers/${CUSTOMER}/chat`);
        return [chat, chat.messages.find((m) => m.wamid === wamid)];
    };
    await check("send.reaction", async () => {
        const theirs = await customerSays("Do you ship to Lisbon?");
        const res = await wa.sendMessage(PHONE_ID, CUSTOMER, new Reaction(theirs.message.id, "\u{1F44D}"));
        const id = res.messages?.[0]?.id;
        isWamid(id, "messages[0].id");
        eq(await stored(id), { type: "reaction", message_id: theirs.message.id, emoji: "\u{1F44D}" }, "stored reaction");
        await waitFor("the reaction's sent status", (u) => u.kind === "status" && u.args.id === id && u.args.status === "sent");
        const removed = await wa.sendMessage(PHONE_ID, CUSTOMER, new Reaction(theirs.message.id));
        eq((await stored(removed.messages[0].id)).emoji, "", "removal");
    });
    await check("read.mark", async () => {
        const theirs = await customerSays("Hello, anyone there?");
        eq((await chatEntry(theirs.message.id))[1].read, undefined, "read before");
        eq(await wa.markAsRead(PHONE_ID, theirs.message.id), { success: true }, "markAsRead answer");
        eq((await chatEntry(theirs.message.id))[1].read, true, "read on the phone");
        expectError(await wa.markAsRead(PHONE_ID, "wamid.nope"), 131009, "Invalid message_id");
    });
    await check("read.typing", async () => {
        const theirs = await customerSays("What colours does the mug come in?");
        eq(await wa.markAsRead(PHONE_ID, theirs.message.id, "text"), { success: true }, "markAsRead with typing");
        const [chat, entry] = await chatEntry(theirs.message.id);
        eq(entry.read, true, "typing also reads");
        if (!chat.typing_until) throw new Error("no typing on the phone");
    });
    await check("media.download_inbound", async () => {
        await customerFile(PNG, "image/png", { caption: "Is this one in stock?" });
        const m = await waitFor("the customer's photo", (u) => u.kind === "message" && u.args.message.type === "image");
        eq(m.message.image.caption, "Is this one in stock?", "image.caption");
        eq(m.message.image.sha256, sha256(PNG, "base64"), "image.sha256 (base64)");
        const info = await wa.retrieveMedia(m.message.image.id);
        eq(info.mime_type, "image/png", "retrieveMedia mime_type");
        const res = await wa.fetchMedia(info.url);
        eq(Buffer.from(await res.arrayBuffer()).equals(PNG), true, "downloaded photo");
    });
    await check("webhook.inbound_types", async () => {
        const got = (what, pred) => waitFor(what, (u) => u.kind === "message" && pred(u.args.message));
        await customerFile(MP4, "video/mp4", { caption: "Unboxing" });
        const v = await got("video", (m) => m.type === "video");
        eq([v.message.video.mime_type, v.message.video.caption], ["video/mp4", "Unboxing"], "video");
        await customerFile(OGG, "audio/ogg", { voice: "true" });
        const a = await got("voice note", (m) => m.type === "audio");
        eq([a.message.audio.voice, a.message.audio.mime_type], [true, "audio/ogg; codecs=opus"], "voice note");
        await customerFile(PDF, "application/pdf", { filename: "receipt.pdf" });
        const d = await got("document", (m) => m.type === "document");
        eq(d.message.document.filename, "receipt.pdf", "document.filename");
        await customerFile(WEBP, "image/webp");
        const st = await got("sticker", (m) => m.type === "sticker");
        eq([st.message.sticker.mime_type, st.message.sticker.animated], ["image/webp", false], "sticker");
        await op("POST", `/_vitrine/customers/${CUSTOMER}/locations`, { latitude: 38.7223, longitude: -9.1393, name: "Home", address: "Rua Augusta 1" });
        const loc = await got("location", (m) => m.type === "location");
        eq(loc.message.location, { latitude: 38.7223, longitude: -9.1393, name: "Home", address: "Rua Augusta 1" }, "location");
        const card = { name: { formatted_name: "Dana Store", first_name: "Dana" }, phones: [{ phone: "+1 650 555 0199", type: "CELL", wa_id: "16505550199" }] };
        await op("POST", `/_vitrine/customers/${CUSTOMER}/contacts`, { contacts: [card] });
        const c = await got("contacts", (m) => m.type === "contacts");
        eq(c.message.contacts, [card], "contacts");
        const mine = await wa.sendMessage(PHONE_ID, CUSTOMER, new Text("Your order has shipped"));
        const mineId = mine.messages[0].id;
        await waitFor("delivered", (u) => u.kind === "status" && u.args.id === mineId && u.args.status === "delivered");
        await op("POST", `/_vitrine/customers/${CUSTOMER}/reactions`, { wamid: mineId, emoji: "\u2764\ufe0f" });
        const r = await got("reaction", (m) => m.type === "reaction" && m.reaction.emoji);
        eq(r.message.reaction, { message_id: mineId, emoji: "\u2764\ufe0f" }, "reaction");
        await op("POST", `/_vitrine/customers/${CUSTOMER}/unsupported`, { type: "poll" });
        const u = await got("unsupported", (m) => m.type === "unsupported");
        eq(u.message.unsupported, { type: "poll" }, "unsupported");
        eq(u.message.errors?.[0]?.code, 131051, "unsupported error code");
    });
    await check("webhook.forwarded", async () => {
        const tip = await wa.sendMessage(PHONE_ID, CUSTOMER, new Text("20% off everything today"));
        const tipId = tip.messages[0].id;
        await waitFor("delivered", (u) => u.kind === "status" && u.args.id === tipId && u.args.status === "delivered");
        await op("POST", `/_vitrine/customers/${CUSTOMER}/forwards`, { id: tipId, to_business: [PHONE_ID] });
        const m = await waitFor("the forward", (u) => u.kind === "message" && u.args.message.text?.body === "20% off everything today");
        eq(m.message.context, { forwarded: true }, "context");
    });

    unsupported("commerce.settings", "it has no call for whatsapp_commerce_settings.");
    unsupported("template.create", "it has no template management API (the suite creates its templates with plain Graph requests and sends them with the library's components).");
    unsupported(
        "template.status_webhook",
        "it dispatches only the messages and calls webhook fields: a message_template_status_update is answered 200 and reaches no callback.",
    );

    // --- templates: created with plain Graph calls, sent with the library's components -------
    async function createApproved(definition) {
        const created = await graph("POST", `/${WABA_ID}/message_templates`, definition);
        eq(created.status, "PENDING", "status at creation");
        const deadline = Date.now() + WAIT_MS;
        for (;;) {
            const t = await graph("GET", `/${created.id}?fields=name,status`);
            if (t.status === "APPROVED") return created.id;
            if (Date.now() > deadline) throw new Error(`template ${definition.name} still ${t.status}`);
            await new Promise((r) => setTimeout(r, 100));
        }
    }
    await check("template.catalog", async () => {
        await createApproved({
            name: "sdk_js_catalog",
            language: "en_US",
            category: "MARKETING",
            components: [
                { type: "BODY", text: "Shop our range here on WhatsApp and get {{1}} off.", example: { body_text: [["10%"]] } },
                { type: "FOOTER", text: "Offer valid this week" },
                { type: "BUTTONS", buttons: [{ type: "CATALOG", text: "View catalog" }] },
            ],
        });
        const res = await wa.sendMessage(
            PHONE_ID,
            CUSTOMER,
            new Template(
                "sdk_js_catalog",
                "en_US",
                new BodyComponent(new BodyParameter("15%")),
                new CatalogComponent(new Product("candle-cedar-200g")),
            ),
        );
        isWamid(res.messages?.[0]?.id, "messages[0].id");
        eq(res.messages[0].message_status, "accepted", "message_status");
    });
    await check("template.mpm", async () => {
        await createApproved({
            name: "sdk_js_mpm",
            language: "en_US",
            category: "MARKETING",
            components: [
                { type: "HEADER", format: "TEXT", text: "Forgot something, {{1}}?", example: { header_text: ["Pablo"] } },
                { type: "BODY", text: "Your cart is waiting. Use {{1}} for a discount.", example: { body_text: [["10OFF"]] } },
                { type: "BUTTONS", buttons: [{ type: "MPM", text: "View items" }] },
            ],
        });
        const res = await wa.sendMessage(
            PHONE_ID,
            CUSTOMER,
            new Template(
                "sdk_js_mpm",
                "en_US",
                new HeaderComponent(new HeaderParameter("Alex")),
                new BodyComponent(new BodyParameter("SPRING5")),
                new MPMComponent(
                    new Product("beans-house-blend-250g"),
                    new ProductSection("Coffee", new Product("beans-house-blend-250g"), new Product("mug-stoneware-350ml")),
                    new ProductSection("Home", new Product("candle-cedar-200g")),
                ),
            ),
        );
        const id = res.messages?.[0]?.id;
        isWamid(id, "messages[0].id");
        const stored = await op("GET", `/_vitrine/messages/${id}`);
        eq(
            stored.products.map((p) => p.retailer_id),
            // the thumbnail, then the sections' items
            ["beans-house-blend-250g", "beans-house-blend-250g", "mug-stoneware-350ml", "candle-cedar-200g"],
            "products of the MPM template",
        );
    });

    // --- limits (last but one: they leave a customer rate-limited) --------------------------
    await check("error.131056", async () => {
        const buyer = "16505559102";
        await op("POST", `/_vitrine/customers/${buyer}/messages`, { text: "Hi, what is new?" });
        await op("POST", "/_vitrine/clock/freeze", {}); // no refill while a slow machine sends
        try {
            for (let i = 1; i <= 45; i++) {
                const res = await wa.sendMessage(PHONE_ID, buyer, new Text(`Reply ${i}`));
                isWamid(res.messages?.[0]?.id, `send ${i}`);
            }
            expectError(await wa.sendMessage(PHONE_ID, buyer, new Text("One too many")), 131056);
        } finally {
            await op("POST", "/_vitrine/clock/unfreeze", {});
        }
    });
    await check("error.130429", async () => {
        await op("POST", `/_vitrine/phone_numbers/${PHONE_ID}/throughput`, { mps: 1 });
        await op("POST", "/_vitrine/clock/freeze", {});
        try {
            const ok = await wa.sendMessage(PHONE_ID, CUSTOMER, new Text("Within the limit"));
            isWamid(ok.messages?.[0]?.id, "first send");
            expectError(await wa.sendMessage(PHONE_ID, CUSTOMER, new Text("Over the limit")), 130429);
        } finally {
            await op("POST", `/_vitrine/phone_numbers/${PHONE_ID}/throughput`, { level: "STANDARD" });
            await op("POST", "/_vitrine/clock/unfreeze", {});
            await op("POST", "/_vitrine/clock/advance", { seconds: 2 });
        }
    });

    // --- product card carousel template (last: it lands on main while this suite grows) ----
    await check("template.carousel", async () => {
        const card = {
            components: [
                { type: "header", format: "product" },
                { type: "buttons", buttons: [{ type: "spm", text: "View" }] },
            ],
        };
        await createApproved({
            name: "sdk_js_carousel",
            language: "en_US",
            category: "MARKETING",
            components: [
                { type: "body", text: "Deals picked for you, {{1}}. Swipe through.", example: { body_text: [["Maria"]] } },
                { type: "carousel", cards: [card, card] },
            ],
        });
        const res = await wa.sendMessage(
            PHONE_ID,
            CUSTOMER,
            new Template(
                "sdk_js_carousel",
                "en_US",
                new BodyComponent(new BodyParameter("Alex")),
                new CarouselComponent(
                    new CarouselCard(new CatalogProduct("tee-classic-white", CATALOG_ID)),
                    new CarouselCard(new CatalogProduct("hoodie-heather-grey", CATALOG_ID)),
                ),
            ),
        );
        isWamid(res.messages?.[0]?.id, `messages[0].id (response ${JSON.stringify(res)})`);
    });

    server.close();
    writeFileSync(
        RESULTS,
        JSON.stringify({ client: "whatsapp-api-js", version: VERSION, way: WAY, runtime: `Node ${process.versions.node}`, results }, null, 2),
    );
    const failed = results.filter((r) => r.status === "fail").length;
    const passed = results.filter((r) => r.status === "pass").length;
    // The verdict is report.py's (it knows the pending list); a crash before this point exits
    // non-zero and leaves no results, which fails the run too.
    console.log(`[whatsapp-api-js] ${passed} capabilities passed, ${failed} failed`);
    return 0;
}

main().then(
    (code) => process.exit(code),
    (e) => {
        console.error(e);
        process.exit(1);
    },
);
