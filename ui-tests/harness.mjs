// What the UI tests share: the real binary on a free port with a fresh SQLite file, a local
// webhook receiver subscribed as on Meta, and headless Chromium.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import http from 'node:http';
import net from 'node:net';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export const here = dirname(fileURLToPath(import.meta.url));
export const APP_ID = '1489523075316720';
export const APP_SECRET = '8a1f3c9e5b7d2046f1e9a3c5b7d90124';
export const TOKEN = 'EAAVitrineDemoSystemUserToken0000000000000000000000000000000000';
export const WABA = '110457892231604';
export const PHONE = '113859604417350';
export const CATALOG = '771804362295518';
export const CUSTOMER = '16505550123';
const VERIFY = 'ui-test-verify-token';

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

export async function waitFor(fn, what, ms = 15000) {
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

// Vitrine with its webhooks going to a receiver that records them.
export async function start(options = {}) {
  const received = [];
  const receiver = http.createServer((req, res) => {
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

  const bin = resolve(process.env.VITRINE_BIN || join(here, '..', 'target', 'debug', 'vitrine'));
  const tmp = mkdtempSync(join(tmpdir(), 'vitrine-ui-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITRINE_')));
  let log = '';
  const args = ['serve', '--listen', `127.0.0.1:${port}`, '--database', `sqlite://${join(tmp, 'vitrine.db')}`];
  if (options.adminToken) args.push('--admin-token', options.adminToken);
  const server = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout.on('data', (d) => { log += d; });
  server.stderr.on('data', (d) => { log += d; });
  await waitFor(async () => (await fetch(base + '/_vitrine/health')).ok, 'vitrine to start: ' + log);

  const v = {
    base, received,
    async graph(path, body, token = TOKEN, form = false) {
      const r = await fetch(`${base}/v23.0/${path}`, {
        method: 'POST',
        headers: { Authorization: 'Bearer ' + token, 'Content-Type': form ? 'application/x-www-form-urlencoded' : 'application/json' },
        body: form ? new URLSearchParams(body).toString() : JSON.stringify(body),
      });
      const json = await r.json();
      assert.equal(r.status, 200, JSON.stringify(json));
      return json;
    },
    async vitrine(method, path, body) {
      const headers = { 'Content-Type': 'application/json' };
      if (options.adminToken) headers.Authorization = 'Bearer ' + options.adminToken;
      const r = await fetch(`${base}/_vitrine${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const json = await r.json();
      assert.equal(r.status, 200, JSON.stringify(json));
      return json;
    },
    browser: null,
    async page(width = 1280, height = 860) {
      v.browser = v.browser || await chromium.launch({
        executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      });
      const page = await v.browser.newPage({ viewport: { width, height } });
      page.on('pageerror', (e) => { console.error('page error:', e); });
      return page;
    },
    async stop() {
      if (v.browser) await v.browser.close();
      server.kill('SIGTERM');
      receiver.close();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
  // Subscribe the endpoint as on Meta: the app's callback (with the handshake), then the WABA.
  await v.graph(`${APP_ID}/subscriptions`, { object: 'whatsapp_business_account', callback_url: hook, verify_token: VERIFY, fields: 'messages' }, `${APP_ID}|${APP_SECRET}`, true);
  await v.graph(`${WABA}/subscribed_apps`, {}, TOKEN, true);
  return v;
}

export function mpm(header, sections) {
  return {
    messaging_product: 'whatsapp', to: CUSTOMER, type: 'interactive',
    interactive: {
      type: 'product_list', header: { type: 'text', text: header }, body: { text: 'Tap an item' },
      action: { catalog_id: CATALOG, sections: sections.map(([title, rids]) => ({ title, product_items: rids.map((r) => ({ product_retailer_id: r })) })) },
    },
  };
}
