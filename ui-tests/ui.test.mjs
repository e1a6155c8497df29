// End-to-end test of Vitrine's web UI: the real binary, a local webhook receiver, and headless
// Chromium driven by playwright-core. Screenshots of every step go to ui-tests/artifacts/.
//
//   VITRINE_BIN=target/debug/vitrine node --test ui-tests/ui.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import http from 'node:http';
import net from 'node:net';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const bin = resolve(process.env.VITRINE_BIN || join(here, '..', 'target', 'debug', 'vitrine'));
const artifacts = join(here, 'artifacts');
mkdirSync(artifacts, { recursive: true });

const APP_ID = '1489523075316720';
const APP_SECRET = '8a1f3c9e5b7d2046f1e9a3c5b7d90124';
const TOKEN = 'EAAVitrineDemoSystemUserToken0000000000000000000000000000000000';
const WABA = '110457892231604';
const PHONE = '113859604417350';
const CATALOG = '771804362295518';
const CUSTOMER = '16505550123';
const VERIFY = 'ui-test-verify-token';

let server;
let serverLog = '';
let tmp;
let base;
let receiver;
const received = [];
let browser;
let page;

function freePort() {
  return new Promise((ok, fail) => {
    const s = net.createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

async function waitFor(fn, what, ms = 15000) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (_) { /* not yet */ }
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// The page re-renders its view on every live update: retry what needs a stable element.
async function settled(fn) {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (i >= 10) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function shot(name) {
  await page.screenshot({ path: join(artifacts, name + '.png'), fullPage: false });
}

async function graphPost(path, body, token = TOKEN, form = false) {
  const r = await fetch(`${base}/v23.0/${path}`, {
    method: 'POST',
    headers: { Authorization: 'Bearer ' + token, 'Content-Type': form ? 'application/x-www-form-urlencoded' : 'application/json' },
    body: form ? new URLSearchParams(body).toString() : JSON.stringify(body),
  });
  const json = await r.json();
  assert.equal(r.status, 200, JSON.stringify(json));
  return json;
}

before(async () => {
  // The business's endpoint: answers Meta's handshake and records every webhook.
  receiver = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (req.method === 'GET') {
      const ok = url.searchParams.get('hub.verify_token') === VERIFY;
      res.writeHead(ok ? 200 : 403, { 'Content-Type': 'text/plain' });
      res.end(ok ? url.searchParams.get('hub.challenge') : 'bad token');
      return;
    }
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise((ok) => receiver.listen(0, '127.0.0.1', ok));
  const hook = `http://127.0.0.1:${receiver.address().port}/webhook`;

  tmp = mkdtempSync(join(tmpdir(), 'vitrine-ui-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITRINE_')));
  server = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`, '--database', `sqlite://${join(tmp, 'vitrine.db')}`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout.on('data', (d) => { serverLog += d; });
  server.stderr.on('data', (d) => { serverLog += d; });
  await waitFor(async () => (await fetch(base + '/_vitrine/health')).ok, 'vitrine to start: ' + serverLog);

  // Subscribe the endpoint as on Meta: the app's callback (with the handshake), then the WABA.
  await graphPost(`${APP_ID}/subscriptions`, { object: 'whatsapp_business_account', callback_url: hook, verify_token: VERIFY, fields: 'messages' }, `${APP_ID}|${APP_SECRET}`, true);
  await graphPost(`${WABA}/subscribed_apps`, {}, TOKEN, true);

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.on('pageerror', (e) => { console.error('page error:', e); });
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.kill('SIGTERM');
  if (receiver) receiver.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('an MPM, a cart, an order, its webhook, and a stock-out notice', async () => {
  await page.goto(base + '/#/conversations');
  await page.locator('#live.on').waitFor();

  // 1. The bot sends an MPM (as with curl); it appears in the open conversation, live.
  const sent = await graphPost(`${PHONE}/messages`, {
    messaging_product: 'whatsapp', to: CUSTOMER, type: 'interactive',
    interactive: {
      type: 'product_list', header: { type: 'text', text: 'Our picks' }, body: { text: 'Tap an item' },
      action: { catalog_id: CATALOG, sections: [
        { title: 'Coffee', product_items: [{ product_retailer_id: 'beans-house-blend-250g' }, { product_retailer_id: 'mug-stoneware-350ml' }] },
        { title: 'Home', product_items: [{ product_retailer_id: 'candle-cedar-200g' }] },
      ] },
    },
  });
  const wamid = sent.messages[0].id;
  const bubble = page.locator(`#thread [data-wamid="${wamid}"]`);
  await bubble.waitFor();
  assert.match(await bubble.innerText(), /Our picks[\s\S]*3 items/);
  await page.locator(`#thread [data-wamid="${wamid}"] .ticks[title="delivered"]`).waitFor();
  await shot('01-conversation-mpm');

  // 2. In the phone view the customer opens it and adds two products.
  await page.getByRole('link', { name: 'Phone' }).click();
  const phone = page.locator('section.phone');
  await phone.locator(`[data-wamid="${wamid}"]`).getByRole('button', { name: 'View items' }).click();
  await phone.locator('button[data-rid="beans-house-blend-250g"]').click();
  await phone.getByRole('heading', { name: /Blend/i }).waitFor();
  await phone.getByRole('button', { name: 'One more' }).click();
  assert.equal(await phone.getByRole('spinbutton', { name: 'Quantity' }).inputValue(), '2');
  await shot('02-phone-product-page');
  await phone.getByRole('button', { name: 'Add to cart' }).click();
  await phone.locator('.cart-count', { hasText: '2' }).waitFor();
  await phone.getByRole('button', { name: 'Back to the chat' }).click();
  await phone.locator(`[data-wamid="${wamid}"]`).getByRole('button', { name: 'View items' }).click();
  await phone.locator('button[data-rid="mug-stoneware-350ml"]').click();
  await phone.getByRole('button', { name: 'Add to cart' }).click();
  await phone.locator('.cart-count', { hasText: '3' }).waitFor();

  // 3. The cart, sent with a note.
  await phone.getByRole('button', { name: /^Cart/ }).click();
  await phone.locator('.cart-line').nth(1).waitFor();
  assert.equal(await phone.locator('.cart-line').count(), 2);
  await phone.getByRole('textbox', { name: 'Note for the business' }).fill('Deliver after 6pm');
  await shot('03-phone-cart');
  await phone.getByRole('button', { name: 'Send to business' }).click();
  const orderInPhone = phone.locator('[data-type="order"]');
  await orderInPhone.waitFor();
  await shot('04-phone-order-sent');

  // 4. The order bubble in the conversation view.
  await page.getByRole('link', { name: 'Conversations' }).click();
  const order = page.locator('#thread [data-type="order"]');
  await order.waitFor();
  const orderText = await order.innerText();
  assert.match(orderText, /2 ×/);
  assert.match(orderText, /Total/);
  assert.match(orderText, /Deliver after 6pm/);
  await settled(() => order.scrollIntoViewIfNeeded());
  await shot('05-conversation-order');

  // 5. The webhook log shows the delivered `order` webhook, with its signature.
  await page.getByRole('link', { name: 'Webhooks' }).click();
  const row = page.locator('tr[data-summary="message order"][data-state="delivered"]');
  await row.waitFor();
  await row.getByRole('link').click();
  const detail = page.locator('#webhook-detail');
  await detail.locator('h2', { hasText: 'message order' }).waitFor();
  const exact = await detail.locator('pre.exact').innerText();
  assert.match(exact, /"type":"order"/);
  assert.match(await detail.innerText(), /X-Hub-Signature-256[\s\S]*sha256=/);
  assert.match(await detail.locator('table.attempts').innerText(), /200/);
  await shot('06-webhook-order');
  const got = await waitFor(() => received.find((r) => r.body.includes('"type":"order"')), 'the order webhook at the receiver');
  assert.match(got.headers['x-hub-signature-256'], /^sha256=[0-9a-f]{64}$/);

  // 6. A product in the cart goes out of stock in the catalog view: the cart shows the notice.
  await page.getByRole('link', { name: 'Phone' }).click();
  await phone.locator(`[data-wamid="${wamid}"]`).getByRole('button', { name: 'View items' }).click();
  await phone.locator('button[data-rid="candle-cedar-200g"]').click();
  await phone.getByRole('button', { name: 'Add to cart' }).click();
  await phone.locator('.cart-count', { hasText: '1' }).waitFor();
  await page.getByRole('link', { name: 'Catalog' }).click();
  const candle = page.locator('tr[data-rid="candle-cedar-200g"]');
  await candle.locator('select[data-field="availability"]').selectOption('out of stock');
  await page.locator('#toast', { hasText: 'candle-cedar-200g: out of stock' }).waitFor();
  await settled(() => candle.scrollIntoViewIfNeeded());
  await shot('07-catalog-stock-out');
  await page.getByRole('link', { name: 'Phone' }).click();
  await phone.getByRole('button', { name: /^Cart/ }).click();
  await phone.locator('.banner', { hasText: 'items in your cart have been updated' }).waitFor();
  assert.equal(await phone.locator('.cart-line').count(), 0);
  await shot('08-phone-cart-notice');

  // The other views render too, at laptop and phone widths.
  await page.getByRole('link', { name: 'Templates' }).click();
  await page.getByRole('heading', { name: 'Message templates' }).waitFor();
  await shot('09-templates');
  await page.getByRole('link', { name: 'Sandbox' }).click();
  await page.getByRole('button', { name: 'Advance 24 hours' }).waitFor();
  await shot('10-sandbox');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('link', { name: 'Conversations' }).click();
  await page.locator('#thread [data-type="order"]').waitFor();
  await shot('11-conversations-phone-width');
});
