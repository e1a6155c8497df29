// Vitrine web UI: a small hand-written single page. It reads the /_vitrine/ API (and the Graph
// API with the sandbox's own token for catalog, settings and templates), and refetches the view
// shown whenever /_vitrine/events says something changed.
'use strict';

(() => {
  const main = document.getElementById('main');
  const liveEl = document.getElementById('live');
  const toastEl = document.getElementById('toast');

  const st = {
    facts: null,
    adminToken: sessionStorage.getItem('vitrine.adminToken') || '',
    // The phone view's state: who, on which device, and which screen.
    // (`from`: the message a product page was opened from; `rows`: the list message whose rows
    // are shown; `notice`: the cart notice, kept until dismissed since the API shows it once.)
    phone: { wa: null, device: null, number: null, screen: 'chat', product: null, from: null, list: null, rows: null, notice: null },
    // Business names by phone number id, as the thread list gives them.
    businesses: {},
  };

  // ---------- small helpers ----------

  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k === 'value') el.value = v;
      else if (k in el && typeof v !== 'string') el[k] = v;
      else el.setAttribute(k, v === true ? '' : v);
    }
    for (const kid of kids.flat(Infinity)) {
      if (kid === null || kid === undefined || kid === false) continue;
      el.append(kid instanceof Node ? kid : String(kid));
    }
    return el;
  }

  const PLACEHOLDER = 'data:image/svg+xml,' + encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><rect width="100" height="100" fill="#e4e7ec"/>' +
    '<path d="M30 66l14-18 10 12 8-9 10 15z" fill="#98a2b3"/><circle cx="62" cy="38" r="6" fill="#98a2b3"/></svg>');

  // An image that falls back to a placeholder when its URL cannot load.
  function img(src, alt, cls) {
    return h('img', {
      src: src || PLACEHOLDER, alt: alt || '', class: cls, loading: 'lazy',
      onerror: (e) => { e.target.onerror = null; e.target.src = PLACEHOLDER; e.target.dataset.fallback = '1'; },
    });
  }

  function money(minor, currency) {
    if (minor === null || minor === undefined) return '';
    try {
      const f = new Intl.NumberFormat('en-US', { style: 'currency', currency });
      return f.format(minor / 10 ** f.resolvedOptions().maximumFractionDigits);
    } catch (_) {
      return (minor / 100).toFixed(2) + ' ' + currency;
    }
  }

  function decimals(currency) {
    try { return new Intl.NumberFormat('en-US', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits; } catch (_) { return 2; }
  }

  const time = (ms) => new Date(ms).toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const clock = (ms) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

  let toastTimer = null;
  function toast(text, bad) {
    toastEl.textContent = text;
    toastEl.className = 'toast' + (bad ? ' bad' : '');
    toastEl.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { toastEl.hidden = true; }, bad ? 6000 : 2500);
  }

  // Runs an action from a button; shows its error, then refreshes the view.
  async function act(fn, ok) {
    try {
      await fn();
      if (ok) toast(ok);
    } catch (e) {
      toast(e.message, true);
    }
    refresh();
  }

  // ---------- HTTP ----------

  async function call(method, url, body, headers) {
    const hdrs = Object.assign({}, headers || {});
    if (body !== undefined) hdrs['Content-Type'] = 'application/json';
    const r = await fetch(url, { method, headers: hdrs, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    let data = null;
    try { data = JSON.parse(text); } catch (_) { /* not JSON */ }
    if (!r.ok) {
      const e = data && data.error;
      const err = new Error(e ? [e.message, e.error_data && e.error_data.details].filter(Boolean).join(' — ') : `${r.status} ${text}`);
      err.status = r.status;
      throw err;
    }
    return data;
  }

  const adminHeaders = () => (st.adminToken ? { Authorization: 'Bearer ' + st.adminToken } : {});
  async function api(method, path, body) {
    try {
      return await call(method, '/_vitrine' + path, body, adminHeaders());
    } catch (e) {
      e.vitrine = true;
      throw e;
    }
  }

  // The Graph API, as the sandbox's own system user.
  function graph(method, path, params) {
    const headers = { Authorization: 'Bearer ' + st.facts.access_token };
    const base = '/' + st.facts.api_version + '/' + path;
    if (method === 'GET') {
      const q = new URLSearchParams(params || {}).toString();
      return call('GET', base + (q ? '?' + q : ''), undefined, headers);
    }
    return call(method, base, params || {}, headers);
  }

  async function facts() {
    if (!st.facts) st.facts = await api('GET', '/sandbox');
    return st.facts;
  }

  // ---------- routing and refreshing ----------

  const views = { conversations, phone, catalog, webhooks, templates, sandbox };

  function route() {
    const [name, ...args] = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
    return views[name] ? { name, args: args.filter(Boolean) } : { name: 'conversations', args: [] };
  }

  let busy = false;
  let again = false;
  let shownRoute = '';

  async function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    try {
      do {
        again = false;
        const r = route();
        const key = location.hash;
        for (const a of document.querySelectorAll('.top nav a')) {
          if (a.dataset.view === r.name) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
        }
        let node;
        try {
          await facts();
          node = await views[r.name](r.args);
        } catch (e) {
          node = errorView(e);
        }
        swap(node, key !== shownRoute);
        shownRoute = key;
      } while (again);
    } finally {
      busy = false;
    }
  }

  // Replaces the view, keeping what the user was typing, the focus and the scroll positions.
  function swap(node, fresh) {
    const kept = {};
    let focused = null;
    if (!fresh) {
      for (const el of main.querySelectorAll('[data-keep]')) {
        kept[el.dataset.keep] = { value: el.value, checked: el.checked };
        if (el === document.activeElement) focused = { key: el.dataset.keep, start: el.selectionStart, end: el.selectionEnd };
      }
      const active = document.activeElement;
      if (!focused && active && main.contains(active) && active.dataset && active.dataset.focus) focused = { focusKey: active.dataset.focus };
      else if (!focused && active && main.contains(active) && active.id) focused = { id: active.id };
    }
    const scrolls = {};
    for (const el of main.querySelectorAll('[data-scroll]')) {
      scrolls[el.dataset.scroll] = { top: el.scrollTop, bottom: el.scrollHeight - el.scrollTop - el.clientHeight < 24 };
    }
    main.replaceChildren(node);
    for (const el of main.querySelectorAll('[data-keep]')) {
      const k = kept[el.dataset.keep];
      if (!k) continue;
      if (el.type === 'checkbox') el.checked = k.checked; else el.value = k.value;
    }
    if (focused) {
      const el = focused.key ? main.querySelector(`[data-keep="${CSS.escape(focused.key)}"]`)
        : focused.id ? document.getElementById(focused.id)
          : main.querySelector(`[data-focus="${CSS.escape(focused.focusKey)}"]`);
      if (el) {
        el.focus();
        if (focused.start !== undefined && el.setSelectionRange) { try { el.setSelectionRange(focused.start, focused.end); } catch (_) { /* not a text input */ } }
      }
    }
    for (const el of main.querySelectorAll('[data-scroll]')) {
      const s = scrolls[el.dataset.scroll];
      if (!s || s.bottom || fresh) el.scrollTop = el.dataset.stick === 'top' && fresh ? 0 : el.scrollHeight;
      else el.scrollTop = s.top;
    }
  }

  function errorView(e) {
    if (e.status === 401 && e.vitrine) {
      const input = h('input', { type: 'password', id: 'admin-token', autocomplete: 'off' });
      return h('div', { class: 'panel' },
        h('h1', { text: 'Admin token needed' }),
        h('p', { text: 'This Vitrine has VITRINE_ADMIN_TOKEN set: the UI needs it to read /_vitrine/.' }),
        h('form', { class: 'row', onsubmit: (ev) => { ev.preventDefault(); st.adminToken = input.value.trim(); sessionStorage.setItem('vitrine.adminToken', st.adminToken); st.facts = null; listen(); refresh(); } },
          h('label', { for: 'admin-token', text: 'Admin token' }), input, h('button', { class: 'primary', type: 'submit', text: 'Use it' })));
    }
    return h('div', { class: 'panel error', role: 'alert' }, h('strong', { text: 'Could not load this view: ' }), e.message);
  }

  // A live update waits while a drop-down of the view is in use (replacing it would close it).
  let selectTouched = 0;
  for (const type of ['pointerdown', 'keydown']) {
    document.addEventListener(type, (e) => { if (e.target.tagName === 'SELECT') selectTouched = Date.now(); }, true);
  }
  let timer = null;
  function scheduleRefresh() {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const el = document.activeElement;
      if (el && el.tagName === 'SELECT' && main.contains(el) && Date.now() - selectTouched < 5000) scheduleRefresh();
      else refresh();
    }, 150);
  }

  // The live event stream (fetch, so that an admin token can go in a header).
  let listening = 0;
  let connectedBefore = false;
  async function listen() {
    const me = ++listening;
    while (me === listening) {
      try {
        const r = await fetch('/_vitrine/events', { headers: adminHeaders() });
        if (!r.ok) throw new Error(String(r.status));
        setLive(true);
        const reader = r.body.getReader();
        const dec = new TextDecoder();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done || me !== listening) break;
          buf += dec.decode(value, { stream: true });
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            if (/^event: change$/m.test(block)) scheduleRefresh();
            // After a reconnection, catch up with what changed meanwhile.
            if (/^event: ready$/m.test(block) && connectedBefore) scheduleRefresh();
            if (/^event: ready$/m.test(block)) connectedBefore = true;
          }
        }
      } catch (_) { /* reconnect below */ }
      setLive(false);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }

  function setLive(on) {
    liveEl.textContent = on ? 'live' : 'reconnecting…';
    liveEl.className = 'live ' + (on ? 'on' : 'off');
  }

  function copyButton(value, label) {
    return h('button', {
      type: 'button', class: 'small', 'aria-label': 'Copy ' + label, text: 'Copy',
      onclick: async () => {
        try { await navigator.clipboard.writeText(value); toast('Copied ' + label); } catch (_) {
          const t = h('textarea', { value }); document.body.append(t); t.select(); document.execCommand('copy'); t.remove(); toast('Copied ' + label);
        }
      },
    });
  }

  // ---------- message rendering (shared by Conversations and Phone) ----------

  const rid = (p) => p.product_retailer_id || p.retailer_id;

  // A cart drawn inline (no emoji font is needed).
  function cartIcon() {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('width', '18');
    svg.setAttribute('height', '18');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('class', 'icon');
    const path = document.createElementNS(ns, 'path');
    path.setAttribute('d', 'M3 4h2l2.4 10.2a1 1 0 0 0 1 .8h8.9a1 1 0 0 0 1-.8L20 8H6.2M9 20a1.5 1.5 0 1 0 0-.01M17 20a1.5 1.5 0 1 0 0-.01');
    path.setAttribute('fill', 'none');
    path.setAttribute('stroke', 'currentColor');
    path.setAttribute('stroke-width', '2');
    path.setAttribute('stroke-linecap', 'round');
    path.setAttribute('stroke-linejoin', 'round');
    svg.append(path);
    return svg;
  }

  function priceOf(p) {
    if (p.sale_price !== undefined && p.sale_price !== null) {
      return h('span', { class: 'price' }, money(p.sale_price, p.currency), h('s', { text: money(p.price, p.currency) }));
    }
    return h('span', { class: 'price', text: money(p.price, p.currency) });
  }

  // ---------- media, places, people, reactions, forwards ----------

  // Where a media shows from: Vitrine's store (uploaded or received) or the link as sent.
  const mediaSrc = (c) => (c.media ? (c.media.id ? '/_vitrine/media/' + encodeURIComponent(c.media.id) : c.media.link) : c.id ? '/_vitrine/media/' + encodeURIComponent(c.id) : null);

  function size(n) {
    if (n === null || n === undefined) return '';
    if (n < 1024) return n + ' B';
    if (n < 1024 * 1024) return (n / 1024).toFixed(0) + ' kB';
    return (n / 1024 / 1024).toFixed(1) + ' MB';
  }

  function svgIcon(d, label) {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('width', '22');
    svg.setAttribute('height', '22');
    svg.setAttribute('class', 'icon');
    if (label) { svg.setAttribute('role', 'img'); svg.setAttribute('aria-label', label); } else svg.setAttribute('aria-hidden', 'true');
    const path = document.createElementNS(ns, 'path');
    path.setAttribute('d', d);
    path.setAttribute('fill', 'currentColor');
    svg.append(path);
    return svg;
  }
  const PIN = 'M12 2a7 7 0 0 0-7 7c0 5.2 7 13 7 13s7-7.8 7-13a7 7 0 0 0-7-7zm0 9.5A2.5 2.5 0 1 1 12 6.5a2.5 2.5 0 0 1 0 5z';
  const DOC = 'M6 2h8l6 6v12a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2zm7 1.5V9h5.5L13 3.5z';
  const MIC = 'M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.9V21h2v-3.1A7 7 0 0 0 19 11h-2z';
  const PERSON = 'M12 12a4.5 4.5 0 1 0 0-9 4.5 4.5 0 0 0 0 9zm0 2c-4 0-8 2-8 5v2h16v-2c0-3-4-5-8-5z';
  const FORWARD = 'M14 5l7 7-7 7v-4.1C9 14.9 5.5 16.5 3 20c1-5 4-10 11-11V5z';

  // A photo, video, voice note or audio file, document or sticker, as a chat shows it.
  function mediaPart(c) {
    const src = mediaSrc(c);
    const kind = c.kind;
    const name = c.filename || (c.media && c.media.link ? c.media.link.split('/').pop() : '') || kind;
    if (kind === 'image') return h('div', { class: 'media' }, img(src, c.caption || 'Photo'));
    if (kind === 'sticker') return h('div', { class: 'sticker' }, img(src, 'Sticker'));
    if (kind === 'video') return h('div', { class: 'media' }, h('video', { src, controls: true, preload: 'metadata', 'aria-label': 'Video' }));
    if (kind === 'audio') {
      return h('div', { class: 'audio' }, svgIcon(MIC), h('span', { class: 'small', text: c.voice ? 'Voice message' : 'Audio' }),
        h('audio', { src, controls: true, preload: 'none', 'aria-label': c.voice ? 'Voice message' : 'Audio' }));
    }
    const ext = (name.split('.').pop() || '').toUpperCase().slice(0, 4);
    return h('a', { class: 'doc', href: src, target: '_blank', rel: 'noopener', download: name },
      h('span', { class: 'doc-icon' }, svgIcon(DOC), h('span', { class: 'ext', text: ext })),
      h('span', { class: 'grow' }, h('strong', { text: name }), h('br'),
        h('span', { class: 'muted small', text: [size(c.file_size), c.mime_type].filter(Boolean).join(' · ') })));
  }

  // A location as a map card (drawn here: nothing is loaded from the internet).
  function mapCard(l) {
    // A geo: link opens the device's map app; nothing is fetched.
    const href = `geo:${l.latitude},${l.longitude}`;
    return h('div', { class: 'place' },
      h('div', { class: 'map', role: 'img', 'aria-label': `Map at ${l.latitude}, ${l.longitude}` }, svgIcon(PIN)),
      l.name ? h('strong', { text: l.name }) : null,
      l.name && l.address ? h('div', { class: 'small', text: l.address }) : null,
      h('a', { class: 'small mono', href, text: `${Number(l.latitude).toFixed(5)}, ${Number(l.longitude).toFixed(5)}` }));
  }

  // Contact cards: with a WhatsApp number they offer Message; without, Invite.
  function contactCards(list) {
    return h('div', { class: 'contacts' }, (list || []).map((c) => {
      const phones = c.phones || [];
      const onWa = phones.some((p) => p.wa_id);
      return h('div', { class: 'contact' },
        h('div', { class: 'row' }, h('span', { class: 'avatar' }, svgIcon(PERSON)), h('strong', { class: 'grow', text: (c.name && c.name.formatted_name) || '' })),
        phones.map((p) => h('div', { class: 'small', text: `${p.phone || p.wa_id || ''}${p.type ? ' · ' + p.type : ''}` })),
        (c.emails || []).map((e) => h('div', { class: 'small', text: e.email })),
        c.org && c.org.company ? h('div', { class: 'small muted', text: c.org.company }) : null,
        h('div', { class: 'small link', text: onWa ? 'Message · Save contact' : 'Invite to WhatsApp' }));
    }));
  }

  function reactionsOf(m) {
    const list = m.reactions || [];
    if (!list.length) return null;
    return h('div', { class: 'reactions', 'aria-label': 'Reactions' }, list.map((r) => h('span', { class: 'reaction', title: `${r.from} reacted`, text: r.emoji })));
  }

  function forwardedLabel(m) {
    const many = m.frequently_forwarded || (m.context && m.context.forwards > 5);
    const once = m.forwarded || (m.context && m.context.forwards > 0);
    if (!many && !once) return null;
    return h('div', { class: 'forwarded' }, svgIcon(FORWARD), many ? svgIcon(FORWARD) : null, many ? 'Forwarded many times' : 'Forwarded');
  }

  function unavailable(p) {
    if (p.unavailable) return h('div', { class: 'unavailable', text: 'No longer available' });
    if (p.orderable === false) return h('div', { class: 'unavailable', text: 'Unavailable' });
    return null;
  }

  // In the inspector: what the product message showed when it was sent, when that differs.
  function asSent(p) {
    const s = p.as_sent;
    if (!s || (s.price === p.price && (s.sale_price ?? null) === (p.sale_price ?? null) && s.name === p.name)) return null;
    return h('div', { class: 'muted small', text: `sent as ${s.name}, ${money(s.sale_price !== undefined && s.sale_price !== null ? s.sale_price : s.price, s.currency)}` });
  }

  function ticks(m) {
    if (m.from !== 'business' || m.peer) return null;
    const s = m.status;
    if (s === 'failed') {
      const failed = (m.statuses || []).find((x) => x.status === 'failed');
      const err = failed && failed.errors && failed.errors[0];
      const title = err ? `Failed: ${err.code} ${err.title || ''}${err.error_data && err.error_data.details ? ' — ' + err.error_data.details : ''}` : 'Failed';
      return h('span', { class: 'ticks failed', title, 'aria-label': title, text: '!' });
    }
    const label = s || 'pending';
    const glyph = s === 'sent' ? '✓' : s === 'delivered' || s === 'read' ? '✓✓' : '…';
    return h('span', { class: 'ticks' + (s === 'read' ? ' read' : ''), title: label, 'aria-label': label, text: glyph });
  }

  function failure(m) {
    if (m.status !== 'failed') return null;
    const failed = (m.statuses || []).find((x) => x.status === 'failed');
    const err = failed && failed.errors && failed.errors[0];
    if (!err) return null;
    return h('div', { class: 'unavailable' }, `${err.code}: ${err.title || err.message || ''}`, err.error_data && err.error_data.details ? ' — ' + err.error_data.details : '');
  }

  function headerOf(header) {
    if (!header) return null;
    if (typeof header === 'string') return h('div', { class: 'head', text: header });
    if (header.type === 'text') return h('div', { class: 'head', text: header.text });
    const link = header.media ? mediaSrc(header) : null;
    if (header.type === 'image') return h('div', { class: 'media' }, img(link, 'Header image'));
    if (header.type === 'video') return h('div', { class: 'media' }, h('video', { src: link, controls: true, preload: 'metadata', 'aria-label': 'Header video' }));
    if (header.type === 'document') return mediaPart({ kind: 'document', media: header.media });
    return h('div', { class: 'head', text: `[${header.type}${link ? ': ' + link : ''}]` });
  }

  // A template as sent (hydrated); older records fall back to the template's definition.
  function templateParts(m) {
    const c = m.content || {};
    const def = (m.template && m.template.components) || [];
    const comp = (type) => def.find((x) => (x.type || '').toUpperCase() === type);
    const buttons = c.buttons && c.buttons.length ? c.buttons : (comp('BUTTONS') || {}).buttons || [];
    const cards = c.cards && c.cards.length ? c.cards : ((comp('CAROUSEL') || {}).cards || []).map((card, i) => {
      const comps = card.components || [];
      const body = comps.find((x) => (x.type || '').toUpperCase() === 'BODY');
      return { card_index: i, body: body && body.text, buttons: (comps.find((x) => (x.type || '').toUpperCase() === 'BUTTONS') || {}).buttons || [] };
    });
    const header = c.header ? { type: 'text', text: c.header } : c.header_media || null;
    return { header, buttons, cards };
  }

  const money2 = (m, currency) => (m ? money(Math.round((m.value / m.offset) * 10 ** decimals(currency)), currency) : '');

  const times = (m, n) => (m ? { value: m.value * n, offset: m.offset } : m);

  // An order to review and pay (checkout templates, order_details messages).
  function checkoutTable(od) {
    const row = (label, m, sign) => (m ? h('tr', {}, h('td', {}), h('td', { text: label }), h('td', { text: (sign || '') + money2(m, od.currency) })) : null);
    return h('table', { class: 'order-lines' }, h('tbody', {},
      (od.items || []).map((i) => h('tr', {}, h('td', { text: `${i.quantity} ×` }), h('td', { text: i.name }), h('td', { text: money2(times(i.sale_amount || i.amount, i.quantity), od.currency) }))),
      row('Subtotal', od.subtotal), row('Tax', od.tax), row('Shipping', od.shipping), row('Discount', od.discount, '−'),
      h('tr', { class: 'total' }, h('td', {}), h('td', { text: 'Total' }), h('td', { text: money2(od.total_amount, od.currency) }))));
  }

  // A template's (or a card's) button: what the customer can tap.
  function templateButton(b, m, ctx, action, product, card) {
    const type = (b.kind || b.type || '').toUpperCase();
    if (type === 'QUICK_REPLY') action(b.text, () => ctx.reply(m, b.text, card));
    else if (type === 'URL') action('↗ ' + b.text, null, { title: b.url || '' });
    else if (type === 'PHONE_NUMBER') action('☎ ' + b.text, null, { title: b.phone_number || '' });
    else if (type === 'COPY_CODE') action(b.text + (b.coupon_code ? ': ' + b.coupon_code : ''));
    else if (type === 'CATALOG') action(b.text || 'View catalog', () => ctx.openCatalog(m));
    else if (type === 'MPM') action(b.text || 'View items', () => ctx.openList(m));
    else if (type === 'SPM' && product) action(b.text || 'View', () => ctx.openProduct(product, m.wamid));
    else if (type === 'ORDER_DETAILS') action(b.text || 'Review and pay', () => ctx.pay(m));
    else action(b.text || type);
  }

  function businessBubble(m, ctx) {
    const c = m.content || {};
    const products = m.products || [];
    const parts = [];
    const actions = [];
    const action = (label, fn, attrs) => actions.push(ctx.phone && fn
      ? h('button', Object.assign({ type: 'button', onclick: fn }, attrs || {}), label)
      : h('span', attrs || {}, label));
    if (m.notice) {
      parts.push(h('div', { class: 'notice', text: m.notice }));
    } else {
      switch (m.type) {
        case 'text': {
          const link = m.catalog_link;
          if (link && link.preview) {
            parts.push(h('div', { class: 'media' }, img(link.thumbnail, 'Catalog')));
            parts.push(h('div', { class: 'head', text: `View ${link.business}'s catalog on WhatsApp` }));
            parts.push(h('div', { class: 'muted small', text: `${link.products} item${link.products === 1 ? '' : 's'}` }));
          }
          parts.push(h('div', { class: 'body', text: c.body }));
          if (c.catalog_link) action('View catalog', () => ctx.openCatalog(m, link));
          break;
        }
        case 'image':
        case 'video':
        case 'audio':
        case 'document':
        case 'sticker':
          parts.push(mediaPart(c));
          if (c.caption) parts.push(h('div', { class: 'body', text: c.caption }));
          break;
        case 'location':
          parts.push(mapCard(c));
          break;
        case 'contacts':
          parts.push(contactCards(c.contacts));
          break;
        case 'cta_url':
          parts.push(headerOf(c.header));
          parts.push(h('div', { class: 'body', text: c.body }));
          if (c.footer) parts.push(h('div', { class: 'foot', text: c.footer }));
          actions.push(h('a', { href: c.url, target: '_blank', rel: 'noopener', title: c.url }, '↗ ' + c.display_text));
          break;
        case 'location_request_message':
          parts.push(h('div', { class: 'body', text: c.body }));
          if (c.footer) parts.push(h('div', { class: 'foot', text: c.footer }));
          action('Send location', () => ctx.shareLocation(m));
          break;
        case 'catalog_message': {
          const thumb = products[0];
          parts.push(h('div', { class: 'media' }, img(thumb && thumb.image_url, 'Catalog thumbnail')));
          parts.push(h('div', { class: 'head', text: ctx.business ? `View ${ctx.business}'s catalog on WhatsApp` : 'Catalog' }));
          parts.push(h('div', { class: 'body', text: c.body }));
          if (c.footer) parts.push(h('div', { class: 'foot', text: c.footer }));
          action('View catalog', () => ctx.openCatalog(m));
          break;
        }
        case 'product': {
          const p = products[0] || { product_retailer_id: c.product_retailer_id, name: c.product_retailer_id };
          parts.push(h('div', { class: 'spm' }, img(p.image_url, p.name),
            h('div', {}, h('div', { class: 'head', text: p.name }), p.price !== undefined ? priceOf(p) : null, unavailable(p), ctx.inspector ? asSent(p) : null)));
          if (c.body) parts.push(h('div', { class: 'body', text: c.body }));
          if (c.footer) parts.push(h('div', { class: 'foot', text: c.footer }));
          action('View', () => ctx.openProduct(rid(p), m.wamid));
          break;
        }
        case 'product_list': {
          const count = (c.sections || []).reduce((n, s) => n + (s.product_retailer_ids || []).length, 0);
          const first = products[0];
          parts.push(h('div', { class: 'spm' }, img(first && first.image_url, 'First product'),
            h('div', {}, h('div', { class: 'head', text: c.header }), h('div', { class: 'muted small', text: `${count} item${count === 1 ? '' : 's'}` }))));
          parts.push(h('div', { class: 'body', text: c.body }));
          if (c.footer) parts.push(h('div', { class: 'foot', text: c.footer }));
          parts.push(h('div', { class: 'sections' }, (c.sections || []).map((s) => h('div', {},
            h('span', { text: s.title || '(untitled)' }), h('span', { class: 'muted', text: String((s.product_retailer_ids || []).length) })))));
          if ((m.dropped_retailer_ids || []).length) parts.push(h('div', { class: 'muted small', text: 'Dropped (not in catalog): ' + m.dropped_retailer_ids.join(', ') }));
          action('View items', () => ctx.openList(m));
          break;
        }
        case 'button':
          parts.push(headerOf(c.header));
          parts.push(h('div', { class: 'body', text: c.body }));
          if (c.footer) parts.push(h('div', { class: 'foot', text: c.footer }));
          for (const b of c.buttons || []) action(b.title, () => ctx.reply(m, b.id));
          break;
        case 'list':
          parts.push(headerOf(c.header));
          parts.push(h('div', { class: 'body', text: c.body }));
          if (c.footer) parts.push(h('div', { class: 'foot', text: c.footer }));
          if (ctx.phone && ctx.openRows === m.wamid) {
            for (const s of c.sections || []) {
              if (s.title) actions.push(h('span', { class: 'muted small', text: s.title }));
              for (const r of s.rows) actions.push(h('button', { type: 'button', onclick: () => ctx.reply(m, r.id) }, r.title, r.description ? h('div', { class: 'muted small', text: r.description }) : null));
            }
          } else {
            action('☰ ' + c.button, () => ctx.showRows(m));
            if (!ctx.phone) parts.push(h('div', { class: 'sections' }, (c.sections || []).map((s) => h('div', {}, h('span', { text: (s.title ? s.title + ': ' : '') + s.rows.map((r) => r.title).join(', ') })))));
          }
          break;
        case 'template': {
          const t = templateParts(m);
          const byRid = {};
          for (const x of products) byRid[rid(x)] = x;
          parts.push(headerOf(t.header));
          parts.push(h('div', { class: 'body', text: c.body }));
          if (c.footer) parts.push(h('div', { class: 'foot', text: c.footer }));
          if (c.order_details) parts.push(checkoutTable(c.order_details));
          if (t.cards.length) {
            parts.push(h('div', { class: 'carousel', role: 'list', 'aria-label': 'Carousel' }, t.cards.map((card) => {
              const p = card.product_retailer_id ? byRid[card.product_retailer_id] || { product_retailer_id: card.product_retailer_id, name: card.product_retailer_id } : null;
              const cardActions = [];
              const cardAction = (label, fn, attrs) => cardActions.push(ctx.phone && fn
                ? h('button', Object.assign({ type: 'button', class: 'linkish', onclick: fn }, attrs || {}), label)
                : h('div', Object.assign({ class: 'small', style: 'color:var(--link)' }, attrs || {}), label));
              for (const b of card.buttons || []) templateButton(b, m, ctx, cardAction, p && rid(p), card.card_index);
              const media = card.header_media && card.header_media.media ? mediaSrc(card.header_media) : null;
              return h('div', { class: 'card', role: 'listitem' },
                p ? [img(p.image_url, p.name), h('strong', { text: p.name }), p.price !== undefined ? h('div', {}, priceOf(p)) : null, unavailable(p)]
                  : [media ? img(media, 'Card ' + (card.card_index + 1)) : null, h('div', { text: card.body || '' })],
                cardActions);
            })));
          }
          for (const b of t.buttons) templateButton(b, m, ctx, action, products[0] && rid(products[0]));
          if (!ctx.phone) parts.push(h('div', { class: 'muted small', text: `template ${c.name} (${c.language})` }));
          break;
        }
        case 'order_details':
          parts.push(headerOf(c.header));
          parts.push(h('div', { class: 'body', text: c.body }));
          if (c.order) parts.push(checkoutTable(c.order));
          if (c.footer) parts.push(h('div', { class: 'foot', text: c.footer }));
          action('Review and pay', () => ctx.pay(m));
          break;
        case 'order_status':
          parts.push(h('div', { class: 'order-head' }, cartIcon(), `Order ${c.reference_id}`, h('span', { class: 'badge', text: c.status })));
          parts.push(h('div', { class: 'body', text: c.body }));
          if (c.description) parts.push(h('div', { class: 'muted small', text: c.description }));
          if (c.footer) parts.push(h('div', { class: 'foot', text: c.footer }));
          break;
        default:
          parts.push(h('pre', { text: JSON.stringify(c, null, 2) }));
      }
    }
    parts.push(failure(m));
    parts.push(h('div', { class: 'meta' }, clock(m.at), ticks(m)));
    if (m.context && m.context.id) {
      const q = ctx.byWamid[m.context.id];
      parts.unshift(h('div', { class: 'quote' }, `Reply to ${q ? quoteText(q) : 'a message'}`));
    }
    parts.unshift(forwardedLabel(m));
    return h('div', { class: 'bubble', 'data-wamid': m.wamid, 'data-type': m.type }, parts, actions.length ? h('div', { class: 'actions' }, actions) : null,
      reactionsOf(m), ctx.tools ? ctx.tools(m) : null);
  }

  // A few words of a message, for a quote.
  function quoteText(q) {
    const c = q.content || {};
    if (c.body) return c.body;
    if (c.header) return typeof c.header === 'string' ? c.header : c.header.text || q.type;
    if (c.caption) return c.caption;
    if (c.kind) return c.kind === 'audio' && c.voice ? 'voice message' : c.kind;
    if (c.type === 'location' || q.type === 'location') return c.name || 'location';
    return q.type || c.type;
  }

  function customerBubble(m, ctx) {
    const c = m.content || {};
    const parts = [];
    parts.push(forwardedLabel(m));
    if (m.context && (m.context.id || m.context.referred_product)) {
      const q = ctx.byWamid[m.context.id];
      const about = m.context.referred_product;
      parts.push(h('div', { class: 'quote' },
        about ? `About ${ctx.names[about.product_retailer_id] || about.product_retailer_id}` : `Reply to ${q ? quoteText(q) : 'a message'}`));
    }
    switch (c.type) {
      case 'text':
        parts.push(h('div', { class: 'body', text: c.body }));
        break;
      case 'media':
        parts.push(mediaPart(c));
        if (c.caption) parts.push(h('div', { class: 'body', text: c.caption }));
        break;
      case 'media_too_large':
        parts.push(h('div', { class: 'notice', text: `This ${c.kind} is over 100 MB: the business gets error 131052, not the file.` }));
        break;
      case 'location':
        parts.push(mapCard(c));
        break;
      case 'contacts':
        parts.push(contactCards(c.contacts));
        break;
      case 'unsupported':
        parts.push(h('div', { class: 'notice', text: `A ${c.kind}: the business gets an unsupported message (131051).` }));
        break;
      case 'order': {
        const lines = m.lines || c.product_items || [];
        const currency = m.currency || (lines[0] && lines[0].currency);
        const total = m.total !== undefined ? m.total : lines.reduce((n, l) => n + l.item_price * l.quantity, 0);
        const count = lines.reduce((n, l) => n + l.quantity, 0);
        parts.push(h('div', { class: 'order-head' }, cartIcon(), 'Order', h('span', { class: 'muted small', text: `${count} item${count === 1 ? '' : 's'}` })));
        parts.push(h('table', { class: 'order-lines' },
          h('tbody', {}, lines.map((l) => h('tr', {}, h('td', { text: `${l.quantity} ×` }), h('td', { text: l.name || ctx.names[l.product_retailer_id] || l.product_retailer_id }), h('td', { text: money(l.item_price * l.quantity, l.currency) }))),
            h('tr', { class: 'total' }, h('td', {}), h('td', { text: 'Total' }), h('td', { text: money(total, currency) })))));
        if (c.text) parts.push(h('div', { class: 'body', text: c.text }));
        break;
      }
      case 'button_reply':
      case 'list_reply':
        parts.push(h('div', { class: 'body', text: c.title }));
        break;
      case 'template_button':
        parts.push(h('div', { class: 'body', text: c.text }));
        break;
      case 'payment':
        parts.push(h('div', { class: 'order-head' }, `Payment ${c.status === 'captured' ? 'sent' : c.status}`, h('span', { class: 'badge ' + (c.status === 'captured' ? 'ok' : 'bad'), text: c.status })));
        parts.push(h('div', { class: 'body', text: `${money2(c.amount, c.currency)} for ${c.reference_id} (${c.method})` }));
        parts.push(h('div', { class: 'muted small', text: `${c.transaction_type} ${c.transaction_id}` }));
        break;
      default:
        parts.push(h('pre', { text: JSON.stringify(c, null, 2) }));
    }
    // The customer's ticks: delivered to the business, blue once it marked them read.
    const read = m.read === true;
    parts.push(h('div', { class: 'meta' }, clock(m.at), m.from === 'customer' && !m.peer && c.type !== 'payment'
      ? h('span', { class: 'ticks' + (read ? ' read' : ''), title: read ? 'read' : 'delivered', 'aria-label': read ? 'read' : 'delivered', text: '✓✓' }) : null));
    return h('div', { class: 'bubble', 'data-wamid': m.wamid, 'data-type': c.type === 'media' ? c.kind : c.type }, parts,
      reactionsOf(m), ctx.tools ? ctx.tools(m) : null);
  }

  // `side`: which sender is on the right.
  function chatMessages(messages, ctx, right) {
    ctx.byWamid = {};
    ctx.names = {};
    for (const m of messages) {
      ctx.byWamid[m.wamid] = m;
      for (const p of m.products || []) ctx.names[rid(p)] = p.name;
    }
    const out = [];
    let day = '';
    for (const m of messages) {
      const d = new Date(m.at).toDateString();
      if (d !== day) { day = d; out.push(h('div', { class: 'day', text: new Date(m.at).toLocaleDateString([], { weekday: 'short', month: 'short', day: 'numeric', year: 'numeric' }) })); }
      const side = m.from === right ? 'right' : 'left';
      out.push(h('div', { class: 'msg ' + side + ' from-' + m.from },
        m.from === 'business' ? businessBubble(m, ctx) : customerBubble(m, ctx)));
    }
    if (!messages.length) out.push(h('p', { class: 'muted', text: 'No messages yet.' }));
    return out;
  }

  // ---------- Conversations ----------

  async function conversations(args) {
    const list = (await api('GET', '/conversations')).data;
    for (const t of list) st.businesses[t.phone_number_id] = t.business;
    let [number, wa] = args;
    if (!number && list.length) { number = list[0].phone_number_id; wa = list[0].wa_id; }
    const threads = h('ul', { class: 'threads', 'aria-label': 'Threads' }, list.map((t) => h('li', {},
      h('a', { href: `#/conversations/${t.phone_number_id}/${t.wa_id}`, 'aria-current': t.phone_number_id === number && t.wa_id === wa ? 'true' : null },
        h('div', {}, h('strong', { text: t.name || '+' + t.wa_id }), ' ', t.window_open ? h('span', { class: 'badge ok', title: '24-hour window open', text: 'open' }) : h('span', { class: 'badge', title: '24-hour window closed', text: 'closed' })),
        h('div', { class: 'muted small', text: `+${t.wa_id} ↔ ${t.business || ''} +${t.display_phone_number || t.phone_number_id}` }),
        h('div', { class: 'muted small', text: time(t.last_at) })))));
    let thread = h('p', { class: 'muted', text: 'No conversations yet: send a message with the Graph API, or write as a customer in the Phone view.' });
    if (number && wa) {
      const conv = await api('GET', `/conversations/${encodeURIComponent(number)}/${encodeURIComponent(wa)}`);
      const openPhone = (screen, extra) => () => {
        if (st.phone.wa !== wa || st.phone.number !== number) st.phone.notice = null;
        Object.assign(st.phone, { wa, number, screen, list: null, product: null, from: null, peer: null, shop: null, fromPeer: null, panel: null, replyTo: null }, extra);
        location.hash = '#/phone';
      };
      const ctx = {
        phone: true,
        inspector: true,
        business: (list.find((t) => t.phone_number_id === number) || {}).business,
        openCatalog: openPhone('catalog'),
        openProduct: (r, wamid) => openPhone('product', { product: r, from: wamid })(),
        openList: (m) => openPhone('list', { list: m.wamid })(),
        // Taps happen on the customer's phone: open it on this chat.
        reply: () => openPhone('chat')(),
        pay: () => openPhone('chat')(),
        showRows: (m) => openPhone('chat', { rows: m.wamid })(),
        shareLocation: (m) => openPhone('chat', { panel: 'location', replyTo: m.wamid })(),
      };
      thread = h('section', { 'aria-label': 'Thread' },
        h('div', { class: 'row' },
          h('h1', { class: 'grow', text: `${conv.name || '+' + wa} (+${wa})` }),
          conv.window_open ? h('span', { class: 'badge ok', text: 'window open' }) : h('span', { class: 'badge warn', text: 'window closed' }),
          h('button', { type: 'button', onclick: openPhone('chat'), text: 'Open as the customer' }),
          h('button', { type: 'button', onclick: () => saveScenario(number, wa), text: 'Save as scenario', title: 'Download this conversation as a scenario file for vitrine scenario run' })),
        h('div', { class: 'chat scroll', id: 'thread', 'data-scroll': 'thread', tabindex: '0', 'aria-label': 'Messages', 'aria-live': 'polite' }, chatMessages(conv.messages, ctx, 'business')));
    }
    return h('div', {}, h('div', { class: 'split' },
      h('aside', { class: 'panel' }, h('h2', { text: 'Threads' }), list.length ? threads : h('p', { class: 'muted', text: 'None yet.' })),
      thread));
  }

  // The thread as a scenario file (GET …/scenario), downloaded.
  async function saveScenario(number, wa) {
    const res = await fetch(`/_vitrine/conversations/${encodeURIComponent(number)}/${encodeURIComponent(wa)}/scenario`, { headers: adminHeaders() });
    if (!res.ok) {
      toast(`Could not export the scenario (${res.status}).`, true);
      return;
    }
    const url = URL.createObjectURL(new Blob([await res.text()], { type: 'application/yaml' }));
    const a = h('a', { href: url, download: `conversation-${wa}.yaml` });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  // ---------- Phone ----------

  async function phone() {
    const p = st.phone;
    const customers = (await api('GET', '/customers')).data;
    const numbers = [{ id: st.facts.phone_number_id, label: `Demo +${st.facts.display_phone_number}` }];
    if (st.facts.other_business) numbers.push({ id: st.facts.other_business.phone_number_id, label: `Other business (${st.facts.other_business.phone_number_id})` });
    if (!p.wa) p.wa = (customers.find((c) => c.wa_id === st.facts.customer.wa_id) || customers[0] || {}).wa_id;
    if (!p.number) p.number = numbers[0].id;
    const customer = customers.find((c) => c.wa_id === p.wa);
    if (customer && !customer.devices.some((d) => d.id === p.device)) p.device = customer.devices[0] && customer.devices[0].id;
    const nameOf = (wa) => ((customers.find((c) => c.wa_id === wa) || {}).name || '+' + wa);
    const peers = customer ? (await api('GET', `/customers/${encodeURIComponent(p.wa)}/peers`)).data : [];
    if (p.peer && !peers.some((x) => x.wa_id === p.peer)) p.peer = null;
    const reset = { screen: 'chat', notice: null, panel: null, replyTo: null, shop: null, fromPeer: null };

    const picker = h('form', { class: 'panel', onsubmit: (e) => e.preventDefault() },
      h('h2', { text: 'Act as' }),
      h('p', {}, h('label', { for: 'ph-customer', text: 'Customer' })),
      h('select', { id: 'ph-customer', onchange: (e) => { Object.assign(p, reset, { wa: e.target.value, device: null, peer: null }); refresh(); } },
        customers.map((c) => h('option', { value: c.wa_id, selected: c.wa_id === p.wa }, `${c.name} (+${c.wa_id})`))),
      h('p', {}, h('label', { for: 'ph-device', text: 'Device' })),
      h('select', { id: 'ph-device', onchange: (e) => { Object.assign(p, { device: e.target.value, notice: null }); refresh(); } },
        ((customer && customer.devices) || []).map((d) => h('option', { value: d.id, selected: d.id === p.device }, `${d.id} (${d.platform} ${d.app_version})`))),
      h('p', {}, h('label', { for: 'ph-number', text: 'Chat' })),
      h('select', { id: 'ph-number', onchange: (e) => {
        const [kind, id] = e.target.value.split(':');
        Object.assign(p, reset, kind === 'peer' ? { peer: id } : { number: id, peer: null });
        refresh();
      } },
      h('optgroup', { label: 'Businesses' }, numbers.map((n) => h('option', { value: 'biz:' + n.id, selected: !p.peer && n.id === p.number }, n.label))),
      peers.length ? h('optgroup', { label: 'Friends (forwards)' }, peers.map((x) => h('option', { value: 'peer:' + x.wa_id, selected: p.peer === x.wa_id }, `${x.name || '+' + x.wa_id} (+${x.wa_id})`))) : null),
      h('p', { class: 'muted small', text: 'Everything here goes through /_vitrine/customers/…: your endpoint receives the webhooks Meta would send.' }));
    if (!customer) return h('div', { class: 'phone-layout' }, picker, h('p', { text: 'No customers yet.' }));

    // Shopping screens (catalog, items, product, cart) belong to the business the products are
    // from: the chat's, or a forwarded message's.
    const shopNumber = p.shop || p.number;
    const q = `phone_number_id=${encodeURIComponent(shopNumber)}&device=${encodeURIComponent(p.device)}`;
    const base = `/customers/${encodeURIComponent(p.wa)}`;
    let cart = null;
    try { cart = await api('GET', `${base}/cart?${q}`); } catch (_) { cart = null; }
    if (cart && cart.notice) p.notice = cart.notice;
    const go = (screen, extra) => { Object.assign(p, { screen, panel: null }, extra || {}); refresh(); };
    const count = cart ? cart.items.reduce((n, i) => n + i.quantity, 0) : 0;
    const cartButton = h('button', { type: 'button', 'aria-label': `Cart, ${count} items`, onclick: () => go('cart'), 'data-focus': 'cart' }, cartIcon(), count ? h('span', { class: 'cart-count', text: String(count) }) : null);
    const back = h('button', { type: 'button', 'aria-label': 'Back to the chat', onclick: () => go('chat', { shop: null, fromPeer: null }), text: '←', 'data-focus': 'back' });

    if (!st.businesses[p.number] || (p.shop && !st.businesses[p.shop])) {
      for (const t of (await api('GET', '/conversations')).data) st.businesses[t.phone_number_id] = t.business;
    }
    const business = st.businesses[p.number];
    let title = p.peer ? nameOf(p.peer) : business || 'Business';
    let subtitle = null;
    let screen;
    let compose = null;
    let shopVisible = false;
    let typingUntil = null;
    if (p.screen === 'chat') {
      const chat = p.peer
        ? await api('GET', `${base}/peers/${encodeURIComponent(p.peer)}`)
        : await api('GET', `${base}/chat?phone_number_id=${encodeURIComponent(p.number)}&device=${encodeURIComponent(p.device)}`);
      shopVisible = !p.peer && chat.catalog_visible;
      typingUntil = chat.typing_until || null;
      if (typingUntil) subtitle = 'typing…';
      const originOf = (m) => (m.origin && m.origin.phone_number_id) || p.number;
      const ctx = {
        phone: true,
        business,
        openRows: p.rows,
        openCatalog: (m, link) => {
          if (link && !link.valid) { toast('Invalid catalog link', true); return; }
          const shop = link ? link.phone_number_id : p.peer ? originOf(m) : null;
          go('catalog', { from: p.peer ? null : m.wamid, shop: shop && shop !== p.number ? shop : (p.peer ? shop : null), fromPeer: p.peer ? m.wamid : null });
        },
        openProduct: (r, wamid) => go('product', { product: r, from: p.peer ? null : wamid, fromPeer: p.peer ? wamid : null, shop: p.peer ? originOf(ctx.byWamid[wamid] || {}) : null }),
        openList: (m) => go('list', { list: m.wamid, fromPeer: p.peer ? m.wamid : null, shop: p.peer ? originOf(m) : null }),
        reply: (m, choice, card) => act(() => api('POST', `${base}/replies`, { wamid: m.wamid, choice, card, phone_number_id: p.number })),
        pay: (m) => act(() => api('POST', `${base}/payments`, { wamid: m.wamid, phone_number_id: p.number }), 'Paid'),
        showRows: (m) => { p.rows = m.wamid; refresh(); },
        shareLocation: (m) => { Object.assign(p, { panel: 'location', replyTo: m.wamid }); refresh(); },
        // What every bubble offers on the phone: reply, react (to the business's), forward.
        tools: (m) => {
          if (m.notice || m.status === 'failed' || (m.content && m.content.type === 'payment')) return null;
          const row = h('div', { class: 'bubble-tools', role: 'group', 'aria-label': 'Message actions' });
          const tool = (label, fn) => row.append(h('button', { type: 'button', class: 'linkish small', onclick: fn, text: label }));
          if (!p.peer) tool('Reply', () => { Object.assign(p, { replyTo: m.wamid }); refresh(); });
          if (!p.peer && m.from === 'business') tool('React', () => { Object.assign(p, { panel: 'react:' + m.wamid }); refresh(); });
          tool('Forward', () => { Object.assign(p, { panel: 'forward:' + m.wamid }); refresh(); });
          return row;
        },
      };
      const messages = chat.messages.map((m) => (p.peer ? Object.assign({}, m, { from: m.from === 'me' ? 'customer' : 'business', side: m.from, peer: true }) : m));
      screen = h('div', { class: 'screen', 'data-scroll': 'chat', 'aria-label': 'Chat', 'aria-live': 'polite' },
        p.peer ? peerMessages(messages, ctx) : chatMessages(messages, ctx, 'customer'),
        typingUntil ? h('div', { class: 'msg left' }, h('div', { class: 'bubble typing', text: 'typing…' })) : null);
      compose = composer(p, base, messages, customers.filter((c) => c.wa_id !== p.wa));
    } else if (p.screen === 'catalog') {
      title = 'Catalog';
      let cat;
      try {
        cat = await api('GET', `${base}/catalog?phone_number_id=${encodeURIComponent(shopNumber)}&limit=100`);
      } catch (e) {
        cat = { business: '', products: [], error: e.message };
      }
      screen = h('div', { class: 'screen light', 'data-scroll': 'catalog', 'data-stick': 'top' },
        cat.error ? h('p', { class: 'error', text: cat.error }) : null,
        h('div', { class: 'muted small', text: cat.business }),
        h('div', { class: 'grid' }, cat.products.map((x) => h('button', { type: 'button', class: 'tile', onclick: () => go('product', { product: x.product_retailer_id }) },
          img(x.image_url, ''), h('span', {}, h('strong', { text: x.name }), h('br'), priceOf(x), x.orderable ? null : h('div', { class: 'unavailable', text: x.availability }))))));
    } else if (p.screen === 'list') {
      title = 'Items';
      const chat = p.peer ? await api('GET', `${base}/peers/${encodeURIComponent(p.peer)}`) : await api('GET', `${base}/chat?${q}`);
      const m = chat.messages.find((x) => x.wamid === p.list);
      const c = (m && m.content) || {};
      const byRid = {};
      for (const x of (m && m.products) || []) byRid[rid(x)] = x;
      screen = h('div', { class: 'screen light', 'data-scroll': 'list', 'data-stick': 'top' },
        h('div', { class: 'head', text: c.header || '' }),
        (c.sections || [{ title: '', product_retailer_ids: Object.keys(byRid) }]).map((s) => [s.title ? h('h2', { text: s.title }) : null, (s.product_retailer_ids || []).filter((r) => byRid[r]).map((r) => {
          const x = byRid[r];
          return h('button', { type: 'button', class: 'cart-line', style: 'width:100%;text-align:left', 'data-rid': r, onclick: () => go('product', { product: r, from: p.peer ? null : p.list }) },
            img(x.image_url, ''), h('span', { class: 'grow' }, h('strong', { text: x.name }), h('br'), x.price !== undefined ? priceOf(x) : null, unavailable(x)));
        })]));
    } else if (p.screen === 'product') {
      title = 'Product';
      let prod = null;
      let err = null;
      let cartEnabled = false;
      try {
        prod = await api('GET', `${base}/products/${encodeURIComponent(p.product)}?phone_number_id=${encodeURIComponent(shopNumber)}`);
        cartEnabled = (await api('GET', `${base}/catalog?phone_number_id=${encodeURIComponent(shopNumber)}&limit=1`)).cart_enabled;
      } catch (e) { err = e; }
      if (!prod) {
        screen = h('div', { class: 'screen light' }, h('p', { class: 'error', text: err ? err.message : 'Unavailable' }));
      } else {
        const enabled = cart !== null && prod.orderable && cartEnabled;
        const qty = h('input', { type: 'number', min: '1', max: '99', value: '1', 'data-keep': 'qty', 'aria-label': 'Quantity', disabled: !enabled, inputmode: 'numeric' });
        const step = (d) => () => { qty.value = String(Math.min(99, Math.max(1, (parseInt(qty.value, 10) || 1) + d))); };
        const ask = h('input', { 'data-keep': 'ask', 'aria-label': 'Question about this product', placeholder: 'Ask about this product', autocomplete: 'off' });
        const about = p.fromPeer ? { forwarded: p.fromPeer, product_retailer_id: prod.product_retailer_id } : p.from ? { wamid: p.from, product_retailer_id: prod.product_retailer_id } : null;
        screen = h('div', { class: 'screen light product-page', 'data-scroll': 'product', 'data-stick': 'top' },
          img(prod.image_url, prod.name, 'hero'),
          h('h2', { text: prod.name }), priceOf(prod),
          h('div', { class: prod.orderable ? 'muted small' : 'unavailable', text: prod.availability }),
          h('p', { text: prod.description }),
          p.shop ? h('p', { class: 'muted small', text: `Sold by ${st.businesses[p.shop] || 'the business'}: your cart is in your chat with them.` }) : null,
          h('div', { class: 'row' },
            h('div', { class: 'stepper', role: 'group', 'aria-label': 'Quantity' },
              h('button', { type: 'button', 'aria-label': 'One less', text: '−', disabled: !enabled, onclick: step(-1) }), qty,
              h('button', { type: 'button', 'aria-label': 'One more', text: '+', disabled: !enabled, onclick: step(1) })),
            h('button', { class: 'primary', type: 'button', disabled: !enabled, 'data-focus': 'add', text: 'Add to cart', onclick: () => act(() =>
              api('POST', `${base}/cart/items`, { product_retailer_id: prod.product_retailer_id, quantity: parseInt(qty.value, 10) || 1, device: p.device, phone_number_id: shopNumber }), 'Added to cart') })),
          !enabled ? h('p', { class: 'muted small', text: prod.orderable ? 'The cart is disabled for this number.' : 'This item cannot be ordered.' }) : null,
          about ? h('form', { class: 'row', onsubmit: (e) => {
            e.preventDefault();
            const text = ask.value.trim();
            if (!text) return;
            ask.value = '';
            // The question goes from the customer's own chat with the business.
            act(() => api('POST', `${base}/messages`, { text, phone_number_id: shopNumber, about }).then(() => {
              Object.assign(p, { number: shopNumber, peer: null, shop: null, fromPeer: null });
              go('chat');
            }), 'Question sent');
          } }, ask, h('button', { type: 'submit', text: p.fromPeer ? 'Message business' : 'Ask' })) : null);
      }
    } else {
      title = 'Your cart';
      const note = h('input', { 'data-keep': 'note', 'aria-label': 'Note for the business', placeholder: 'Add a note (optional)', autocomplete: 'off' });
      const lines = cart ? cart.items : [];
      const cq = `phone_number_id=${encodeURIComponent(shopNumber)}&device=${encodeURIComponent(p.device)}`;
      screen = h('div', { class: 'screen', 'data-scroll': 'cart', 'data-stick': 'top' },
        p.shop ? h('p', { class: 'muted small', text: `Your cart with ${st.businesses[p.shop] || 'the business'}` }) : null,
        p.notice ? h('div', { class: 'banner', role: 'status' }, h('span', { text: p.notice }), h('button', { type: 'button', class: 'linkish', text: 'OK', onclick: () => { p.notice = null; refresh(); } })) : null,
        lines.length ? lines.map((l) => h('div', { class: 'cart-line', 'data-rid': l.product_retailer_id },
          img(l.image_url, ''),
          h('div', { class: 'grow' }, h('strong', { text: l.name }), h('div', { class: 'small' }, money(l.price, l.currency), ' each')),
          h('div', { class: 'stepper', role: 'group', 'aria-label': 'Quantity of ' + l.name },
            h('button', { type: 'button', 'aria-label': 'One less ' + l.name, text: '−', onclick: () => act(() => (l.quantity <= 1
              ? api('DELETE', `${base}/cart/items/${encodeURIComponent(l.product_retailer_id)}?${cq}`)
              : api('PUT', `${base}/cart/items/${encodeURIComponent(l.product_retailer_id)}`, { quantity: l.quantity - 1, device: p.device, phone_number_id: shopNumber }))) }),
            h('input', { value: String(l.quantity), readOnly: true, 'aria-label': 'Quantity', tabindex: '-1' }),
            h('button', { type: 'button', 'aria-label': 'One more ' + l.name, text: '+', disabled: l.quantity >= 99, onclick: () => act(() => api('PUT', `${base}/cart/items/${encodeURIComponent(l.product_retailer_id)}`, { quantity: l.quantity + 1, device: p.device, phone_number_id: shopNumber })) })))) : h('p', { class: 'muted', text: 'Your cart is empty.' }),
        lines.length ? h('div', { class: 'row' }, h('strong', { class: 'grow', text: 'Subtotal' }), h('strong', { text: money(cart.total, cart.currency) })) : null,
        lines.length ? h('form', { class: 'row', onsubmit: (e) => {
          e.preventDefault();
          const text = note.value.trim();
          act(async () => {
            await api('POST', `${base}/cart/send`, { text: text || undefined, device: p.device, phone_number_id: shopNumber });
            note.value = '';
            // The order is in the customer's chat with that business.
            Object.assign(p, { notice: null, number: shopNumber, peer: null, shop: null, fromPeer: null });
            go('chat');
          }, 'Cart sent');
        } }, note, h('button', { class: 'primary', type: 'submit', text: 'Send to business' })) : null);
    }
    // Cloud API chats have no cart icon in their header (the guide): the cart opens from the
    // product message or page. The Shop entry is there only while the number shows its catalog.
    const shop = h('button', { type: 'button', 'aria-label': 'Catalog', title: 'Catalog', onclick: () => go('catalog', { from: null, shop: null }), 'data-focus': 'shop', text: 'Shop' });
    const titleBox = h('span', { class: 'title' }, h('span', { text: title }), subtitle ? h('span', { class: 'subtitle', text: subtitle }) : null);
    const bar = h('div', { class: 'bar' }, p.screen !== 'chat' ? back : null, titleBox,
      p.screen === 'chat' && shopVisible ? shop : null, p.screen !== 'chat' ? cartButton : null);
    if (typingUntil) {
      clearTimeout(st.typingTimer);
      st.typingTimer = setTimeout(refresh, Math.max(200, typingUntil - Date.now() + 300));
    }
    return h('div', { class: 'phone-layout' }, picker,
      h('section', { class: 'phone', 'aria-label': `Phone of ${customer.name}`, 'data-screen': p.screen }, bar, screen, compose));
  }

  // The messages of a chat between two customers: forwards, marked as such.
  function peerMessages(messages, ctx) {
    ctx.byWamid = {};
    ctx.names = {};
    for (const m of messages) {
      ctx.byWamid[m.wamid] = m;
      for (const x of m.products || []) ctx.names[rid(x)] = x.name;
    }
    if (!messages.length) return [h('p', { class: 'muted', text: 'No messages yet.' })];
    return messages.map((m) => {
      const bubble = m.origin ? businessBubble(m, Object.assign({}, ctx, { business: m.origin.business })) : customerBubble(m, ctx);
      if (m.origin) {
        const from = h('div', { class: 'muted small', text: `From ${m.origin.business || 'a business'}` });
        const label = bubble.querySelector('.forwarded');
        if (label) label.after(from); else bubble.prepend(from);
      }
      return h('div', { class: 'msg ' + (m.side === 'me' ? 'right' : 'left') + ' from-' + m.side }, bubble);
    });
  }

  // Writing: text, a reply, a file, a location, a contact, a reaction, a forward.
  function composer(p, base, messages, others) {
    const byWamid = {};
    for (const m of messages) byWamid[m.wamid] = m;
    const close = () => { Object.assign(p, { panel: null }); refresh(); };
    const chatScope = { phone_number_id: p.number };
    const replyTo = p.replyTo && byWamid[p.replyTo] ? p.replyTo : null;
    const sent = (label) => () => { Object.assign(p, { panel: null, replyTo: null }); if (label) toast(label); };
    let panel = null;
    const [kind, target] = (p.panel || '').split(':');
    if (kind === 'react') {
      const emojis = ['\u{1F44D}', '\u2764\uFE0F', '\u{1F602}', '\u{1F62E}', '\u{1F622}', '\u{1F64F}'];
      panel = h('div', { class: 'tray', role: 'group', 'aria-label': 'React' },
        emojis.map((e) => h('button', { type: 'button', class: 'emoji', 'aria-label': 'React ' + e, text: e, onclick: () => act(() => api('POST', `${base}/reactions`, Object.assign({ wamid: target, emoji: e }, chatScope)).then(sent())) })),
        h('button', { type: 'button', class: 'small', text: 'Remove', onclick: () => act(() => api('POST', `${base}/reactions`, Object.assign({ wamid: target, emoji: '' }, chatScope)).then(sent())) }),
        h('button', { type: 'button', class: 'linkish', text: 'Cancel', onclick: close }));
    } else if (kind === 'forward') {
      // Other customers to tick (up to five chats at once), or a new number.
      const picks = others.slice(0, 12).map((c) => h('input', { type: 'checkbox', value: c.wa_id, 'data-keep': 'fw-' + c.wa_id, 'aria-label': `Forward to ${c.name}` }));
      const friend = h('input', { 'data-keep': 'fw-to', 'aria-label': 'Forward to (other numbers, comma-separated)', placeholder: 'Other numbers, e.g. 16505550999', autocomplete: 'off' });
      const toBiz = h('input', { type: 'checkbox', 'data-keep': 'fw-biz', 'aria-label': 'Forward to the business' });
      panel = h('form', { class: 'tray', 'aria-label': 'Forward', onsubmit: (e) => {
        e.preventDefault();
        const to = picks.filter((x) => x.checked).map((x) => x.value)
          .concat(friend.value.split(',').map((x) => x.trim()).filter(Boolean));
        const toBusiness = toBiz.checked ? [p.number] : [];
        act(() => api('POST', `${base}/forwards`, { id: target, to, to_business: toBusiness }).then(sent('Forwarded')));
      } },
      h('strong', { class: 'small', text: 'Forward to (up to 5 chats)' }),
      h('div', { class: 'picks' }, picks.map((x, i) => h('label', { class: 'small' }, x, `${others[i].name} (+${others[i].wa_id})`))),
      friend,
      h('label', { class: 'small' }, toBiz, `the business (${st.businesses[p.number] || p.number})`),
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary', text: 'Forward' }), h('button', { type: 'button', class: 'linkish', text: 'Cancel', onclick: close })));
    } else if (kind === 'location') {
      const field = (key, label, value) => h('input', { 'data-keep': 'loc-' + key, 'aria-label': label, placeholder: label, value: value || '', autocomplete: 'off' });
      const lat = field('lat', 'Latitude', '38.7223');
      const lon = field('lon', 'Longitude', '-9.1393');
      const name = field('name', 'Place name');
      const address = field('address', 'Address');
      panel = h('form', { class: 'tray', 'aria-label': 'Share location', onsubmit: (e) => {
        e.preventDefault();
        const body = Object.assign({ latitude: parseFloat(lat.value), longitude: parseFloat(lon.value), name: name.value.trim() || undefined, address: address.value.trim() || undefined, reply_to: replyTo || undefined }, chatScope);
        act(() => api('POST', `${base}/locations`, body).then(sent()));
      } },
      h('strong', { class: 'small', text: replyTo ? 'Send your location (answers the request)' : 'Share a location' }),
      h('div', { class: 'row' }, lat, lon), name, address,
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary', text: 'Send location' }), h('button', { type: 'button', class: 'linkish', text: 'Cancel', onclick: close })));
    } else if (kind === 'contact') {
      const name = h('input', { 'data-keep': 'ct-name', 'aria-label': 'Contact name', placeholder: 'Name', autocomplete: 'off' });
      const tel = h('input', { 'data-keep': 'ct-tel', 'aria-label': 'Contact phone', placeholder: '+1 650 555 0199', autocomplete: 'off' });
      panel = h('form', { class: 'tray', 'aria-label': 'Share contact', onsubmit: (e) => {
        e.preventDefault();
        const card = { name: { formatted_name: name.value.trim() }, phones: tel.value.trim() ? [{ phone: tel.value.trim(), type: 'CELL' }] : [] };
        act(() => api('POST', `${base}/contacts`, Object.assign({ contacts: [card], reply_to: replyTo || undefined }, chatScope)).then(sent()));
      } }, h('strong', { class: 'small', text: 'Share a contact' }), name, tel,
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary', text: 'Send contact' }), h('button', { type: 'button', class: 'linkish', text: 'Cancel', onclick: close })));
    } else if (kind === 'attach') {
      // The chosen file is kept in the phone's state: a live refresh redraws the form.
      const file = h('input', { type: 'file', 'aria-label': 'File to send', 'data-focus': 'file', onchange: (e) => { p.file = e.target.files && e.target.files[0]; refresh(); } });
      const as = h('select', { 'aria-label': 'Send as', 'data-keep': 'send-as' }, [['', 'as its type'], ['image', 'photo'], ['video', 'video'], ['voice', 'voice note'], ['audio', 'audio file'], ['document', 'document'], ['sticker', 'sticker']].map(([v, t]) => h('option', { value: v, text: t })));
      const caption = h('input', { 'data-keep': 'caption', 'aria-label': 'Caption', placeholder: 'Caption (photo, video, document)', autocomplete: 'off' });
      const unsupported = h('select', { 'aria-label': 'Unsupported type' }, ['poll', 'edit', 'event'].map((t) => h('option', { value: t, text: t })));
      panel = h('div', { class: 'tray', 'aria-label': 'Attach' },
        h('form', { class: 'stack', onsubmit: (e) => {
          e.preventDefault();
          const f = p.file;
          if (!f) { toast('Choose a file', true); return; }
          const qs = new URLSearchParams({ phone_number_id: p.number, filename: f.name });
          if (as.value === 'voice') { qs.set('type', 'audio'); qs.set('voice', 'true'); } else if (as.value) qs.set('type', as.value);
          if (caption.value.trim()) qs.set('caption', caption.value.trim());
          if (replyTo) qs.set('reply_to', replyTo);
          act(async () => {
            const r = await fetch(`/_vitrine${base}/media?${qs}`, { method: 'POST', headers: Object.assign({ 'Content-Type': f.type || 'application/octet-stream' }, adminHeaders()), body: f });
            const data = await r.json().catch(() => null);
            if (!r.ok) throw new Error((data && data.error && data.error.message) || r.status);
            caption.value = '';
            p.file = null;
            sent()();
          });
        } }, h('strong', { class: 'small', text: 'Send a file' }), file,
        p.file ? h('div', { class: 'small muted', text: `Chosen: ${p.file.name} (${size(p.file.size)}, ${p.file.type || 'unknown type'})` }) : null,
        h('div', { class: 'row' }, as, caption), h('button', { type: 'submit', class: 'primary', text: 'Send file' })),
        h('div', { class: 'row' },
          h('button', { type: 'button', text: 'Location', onclick: () => { p.panel = 'location'; refresh(); } }),
          h('button', { type: 'button', text: 'Contact', onclick: () => { p.panel = 'contact'; refresh(); } }),
          h('span', { class: 'grow' }),
          unsupported, h('button', { type: 'button', text: 'Send', 'aria-label': 'Send an unsupported type', onclick: () => act(() => api('POST', `${base}/unsupported`, Object.assign({ type: unsupported.value }, chatScope)).then(sent())) })),
        h('button', { type: 'button', class: 'linkish', text: 'Cancel', onclick: close }));
    }
    if (p.peer) {
      return panel ? h('div', { class: 'compose-wrap' }, panel) : null;
    }
    const input = h('input', { 'data-keep': 'compose', 'aria-label': 'Message', placeholder: 'Message', autocomplete: 'off' });
    const form = h('form', { class: 'compose', onsubmit: (e) => {
      e.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      input.value = '';
      act(() => api('POST', `${base}/messages`, { text, phone_number_id: p.number, reply_to: replyTo || undefined }).then(sent()));
    } },
    h('button', { type: 'button', class: 'attach', 'aria-label': 'Attach', title: 'Attach', text: '+', onclick: () => { p.panel = p.panel === 'attach' ? null : 'attach'; refresh(); } }),
    input, h('button', { class: 'primary', type: 'submit', text: 'Send' }));
    const chip = replyTo ? h('div', { class: 'reply-chip' }, h('span', { class: 'grow', text: 'Replying to ' + quoteText(byWamid[replyTo]) }),
      h('button', { type: 'button', class: 'linkish', 'aria-label': 'Cancel the reply', text: '×', onclick: () => { p.replyTo = null; refresh(); } })) : null;
    return h('div', { class: 'compose-wrap' }, chip, panel, form);
  }

  // ---------- Catalog ----------

  async function catalog() {
    const id = st.facts.catalog_id;
    if (!id) return h('p', { text: 'The demo WABA has no catalog connected.' });
    const fields = 'id,retailer_id,name,price,sale_price,currency,availability,visibility,image_url';
    let products = [];
    let after = null;
    do {
      const page = await graph('GET', `${id}/products`, Object.assign({ fields, limit: '100' }, after ? { after } : {}));
      products = products.concat(page.data);
      after = page.paging && page.paging.next ? page.paging.cursors.after : null;
    } while (after && products.length < 1000);
    const AV = ['in stock', 'out of stock', 'preorder', 'available for order', 'discontinued'];
    const rows = products.map((x) => {
      const key = 'price-' + x.id;
      const priceInput = h('input', { 'data-keep': key, id: key, size: '8', inputmode: 'decimal', value: String(x.price).replace(/[^0-9.,]/g, '').replace(/,/g, ''), 'aria-label': 'Price of ' + x.name });
      const savePrice = (e) => {
        e.preventDefault();
        const v = parseFloat(priceInput.value);
        if (!(v >= 0)) { toast('Give a price like 12.50', true); return; }
        act(() => graph('POST', x.id, { price: Math.round(v * 10 ** decimals(x.currency)) }), `Price of ${x.retailer_id} saved`);
      };
      return h('tr', { 'data-rid': x.retailer_id },
        h('td', {}, img(x.image_url, '', 'thumb')),
        h('td', {}, h('strong', { text: x.name }), h('div', { class: 'muted small mono', text: x.retailer_id })),
        h('td', {}, h('form', { class: 'row', onsubmit: savePrice }, priceInput, h('span', { class: 'small muted', text: x.currency }), h('button', { type: 'submit', class: 'small', text: 'Save' })),
          x.sale_price ? h('div', { class: 'small muted', text: 'sale ' + x.sale_price }) : null),
        h('td', {}, h('select', { 'aria-label': 'Availability of ' + x.name, 'data-field': 'availability', 'data-focus': 'availability-' + x.id, onchange: (e) => act(() => graph('POST', x.id, { availability: e.target.value }), `${x.retailer_id}: ${e.target.value}`) },
          (AV.includes(x.availability) ? AV : AV.concat([x.availability])).map((a) => h('option', { value: a, selected: a === x.availability, text: a })))),
        h('td', {}, h('select', { 'aria-label': 'Visibility of ' + x.name, 'data-field': 'visibility', 'data-focus': 'visibility-' + x.id, onchange: (e) => act(() => graph('POST', x.id, { visibility: e.target.value }), `${x.retailer_id}: ${e.target.value}`) },
          ['published', 'staging'].map((a) => h('option', { value: a, selected: a === x.visibility, text: a === 'staging' ? 'staging (hidden)' : a })))));
    });
    return h('div', {},
      h('h1', { text: `Catalog ${id}` }),
      h('p', { class: 'muted', text: `${products.length} products. Edits go through the Graph API (POST /{product-id}); open carts and chats update.` }),
      h('div', { class: 'table-wrap' }, h('table', {},
        h('thead', {}, h('tr', {}, ['', 'Product', 'Price', 'Availability', 'Visibility'].map((t) => h('th', { text: t })))),
        h('tbody', {}, rows))));
  }

  // ---------- Webhooks ----------

  async function webhooks(args) {
    const q = new URLSearchParams({ limit: '100' });
    if (st.hookState) q.set('status', st.hookState);
    if (st.hookEvent) q.set('event', st.hookEvent);
    const list = (await api('GET', '/webhooks?' + q)).data;
    const selected = args[0] || (list[0] && list[0].id);
    const filter = (label, key, options) => h('label', {}, label, h('select', {
      'data-focus': 'filter-' + key,
      onchange: (e) => { st[key] = e.target.value; refresh(); },
    }, options.map(([value, text]) => h('option', { value, selected: (st[key] || '') === value, text }))));
    const filters = h('div', { class: 'row', style: 'margin-bottom:8px' },
      filter('State', 'hookState', [['', 'any'], ['pending', 'pending'], ['delivered', 'delivered'], ['dead', 'dead']]),
      filter('Event', 'hookEvent', [['', 'any'], ['message', 'message'], ['status', 'status'], ['template_status', 'template status']]));
    const summary = (w) => {
      try {
        const v = JSON.parse(w.body).entry[0].changes[0];
        if (v.field !== 'messages') return v.field + (v.value.event ? ' ' + v.value.event : '');
        const val = v.value;
        if (val.statuses) return 'status ' + val.statuses[0].status;
        if (val.messages) return 'message ' + val.messages[0].type;
        return v.field;
      } catch (_) { return w.event; }
    };
    const badge = (s) => h('span', { class: 'badge ' + (s === 'delivered' ? 'ok' : s === 'dead' ? 'bad' : 'warn'), text: s });
    const table = h('div', { class: 'table-wrap' }, h('table', {},
      h('thead', {}, h('tr', {}, ['#', 'What', 'State', 'Tries', 'URL'].map((t) => h('th', { text: t })))),
      h('tbody', {}, list.map((w) => h('tr', { class: w.id === selected ? 'selected' : null, 'data-summary': summary(w), 'data-state': w.state },
        h('td', {}, h('a', { href: '#/webhooks/' + w.id, text: w.id })),
        h('td', { text: summary(w) }),
        h('td', {}, badge(w.state)),
        h('td', { text: String(w.attempt_count) }),
        h('td', { class: 'small mono', text: w.url }))))));
    let detail = h('p', { class: 'muted', text: 'No webhooks yet. Subscribe a callback (README: "Receiving webhooks") and send a message.' });
    if (selected) {
      const w = await api('GET', '/webhooks/' + encodeURIComponent(selected));
      let pretty = w.body;
      try { pretty = JSON.stringify(JSON.parse(w.body), null, 2); } catch (_) { /* shown as is */ }
      detail = h('section', { class: 'panel', 'aria-label': 'Webhook ' + w.id, id: 'webhook-detail' },
        h('div', { class: 'row' }, h('h2', { class: 'grow', text: `Webhook ${w.id}: ${summary(w)}` }), badge(w.state),
          h('button', { type: 'button', text: 'Redeliver', onclick: () => act(() => api('POST', `/webhooks/${w.id}/redeliver`), 'Queued again') })),
        h('p', { class: 'small mono', text: 'POST ' + w.url }),
        h('h2', { text: 'Attempts' }),
        w.attempts.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'attempts' },
          h('thead', {}, h('tr', {}, ['#', 'At', 'Status', 'Latency', 'Response / error'].map((t) => h('th', { text: t })))),
          h('tbody', {}, w.attempts.map((a) => h('tr', {},
            h('td', { text: String(a.number) }), h('td', { text: time(a.at) }),
            h('td', {}, a.http_status ? h('span', { class: 'badge ' + (a.http_status < 300 ? 'ok' : 'bad'), text: String(a.http_status) }) : h('span', { class: 'badge bad', text: 'none' })),
            h('td', { text: a.latency_ms !== null && a.latency_ms !== undefined ? a.latency_ms + ' ms' : '' }),
            h('td', { class: 'small mono', text: a.error || a.response || '' })))))) : h('p', { class: 'muted', text: 'Not attempted yet' + (w.next_attempt_at ? '' : '.') }),
        w.next_attempt_at ? h('p', { class: 'small muted', text: 'Next attempt ' + time(w.next_attempt_at) }) : null,
        h('h2', { text: 'Headers' }),
        h('dl', { class: 'kv' }, Object.entries(w.headers).map(([k, v]) => [h('dt', { class: 'mono', text: k }), h('dd', { class: 'mono small', text: v }), copyButton(v, k)])),
        h('div', { class: 'row' }, h('h2', { class: 'grow', text: 'Body (exact bytes)' }), copyButton(w.body, 'body')),
        h('pre', { class: 'exact', text: w.body }),
        h('details', {}, h('summary', { text: 'Formatted' }), h('pre', { text: pretty })));
    }
    return h('div', {}, h('h1', { text: 'Webhook deliveries' }), h('div', { class: 'cols' }, h('div', {}, filters, table), detail));
  }

  // ---------- Templates ----------

  async function templates() {
    const list = (await graph('GET', `${st.facts.waba_id}/message_templates`, { limit: '250', fields: 'id,name,language,category,status,rejected_reason,components' })).data;
    const setStatus = (t, status) => () => act(() => api('POST', `/templates/${t.id}/status`, { status }), `${t.name}: ${status}`);
    const badge = (s) => h('span', { class: 'badge ' + (s === 'APPROVED' ? 'ok' : s === 'REJECTED' || s === 'DISABLED' ? 'bad' : 'warn'), text: s });
    return h('div', {},
      h('h1', { text: 'Message templates' }),
      h('p', { class: 'muted', text: `WABA ${st.facts.waba_id}. New templates are reviewed on the sandbox clock; force a decision here.` }),
      list.length ? h('div', { class: 'table-wrap' }, h('table', {},
        h('thead', {}, h('tr', {}, ['Name', 'Language', 'Category', 'Status', 'Body', 'Review'].map((t) => h('th', { text: t })))),
        h('tbody', {}, list.map((t) => {
          const body = (t.components || []).find((c) => (c.type || '').toUpperCase() === 'BODY');
          return h('tr', { 'data-name': t.name },
            h('td', { class: 'mono', text: t.name }), h('td', { text: t.language }), h('td', { text: t.category }),
            h('td', {}, badge(t.status), t.rejected_reason && t.rejected_reason !== 'NONE' ? h('div', { class: 'small muted', text: t.rejected_reason }) : null),
            h('td', { class: 'small', text: body ? body.text : '' }),
            h('td', {}, h('div', { class: 'row' },
              h('button', { type: 'button', class: 'small', text: 'Approve', disabled: t.status === 'APPROVED', onclick: setStatus(t, 'APPROVED') }),
              h('button', { type: 'button', class: 'small danger', text: 'Reject', disabled: t.status === 'REJECTED', onclick: setStatus(t, 'REJECTED') }),
              h('button', { type: 'button', class: 'small', text: 'Pause', disabled: t.status !== 'APPROVED', onclick: setStatus(t, 'PAUSED') }),
              h('button', { type: 'button', class: 'small', text: 'Disable', disabled: t.status === 'DISABLED', onclick: setStatus(t, 'DISABLED') }),
              t.status === 'PAUSED' || t.status === 'DISABLED' ? h('button', { type: 'button', class: 'small', text: 'Reinstate', onclick: setStatus(t, 'REINSTATED') }) : null)));
        })))) : h('p', { class: 'muted', text: 'No templates yet: create one with POST /{waba-id}/message_templates.' }));
  }

  // ---------- Sandbox ----------

  async function sandbox() {
    const f = st.facts;
    const [clk, settings] = await Promise.all([
      api('GET', '/clock'),
      graph('GET', `${f.phone_number_id}/whatsapp_commerce_settings`).catch((e) => ({ error: e.message })),
    ]);
    const s = (settings.data && settings.data[0]) || { is_cart_enabled: true, is_catalog_visible: false };
    const fact = (label, value) => [h('dt', { text: label }), h('dd', { class: 'mono', text: value || '—' }), value ? copyButton(value, label) : h('span')];
    const toggle = (name, label, on) => h('label', {},
      h('input', { type: 'checkbox', checked: on, 'data-focus': name, onchange: (e) => act(() => graph('POST', `${f.phone_number_id}/whatsapp_commerce_settings`, { [name]: e.target.checked }), `${label}: ${e.target.checked ? 'on' : 'off'}`) }),
      label);
    return h('div', {},
      h('h1', { text: 'Sandbox' }),
      h('div', { class: 'cols' },
        h('section', { class: 'panel', 'aria-label': 'Ids and token' },
          h('h2', { text: 'Ids and token' }),
          h('dl', { class: 'kv' },
            fact('Graph URL', f.graph_url), fact('Access token', f.access_token), fact('Business id', f.business_id),
            fact('WABA id', f.waba_id), fact('Phone number id', f.phone_number_id), fact('Display number', f.display_phone_number),
            fact('Catalog id', f.catalog_id), fact('App id', f.app_id), fact('App secret', f.app_secret),
            fact('Verify token', f.verify_token), fact('Webhook URL', f.webhook_url), fact('Demo customer', f.customer && f.customer.wa_id))),
        h('div', {},
          h('section', { class: 'panel', 'aria-label': 'Commerce settings' },
            h('h2', { text: `Commerce settings of ${f.phone_number_id}` }),
            settings.error ? h('p', { class: 'error', text: settings.error }) : [
              h('p', {}, toggle('is_cart_enabled', 'Cart enabled', s.is_cart_enabled)),
              h('p', {}, toggle('is_catalog_visible', 'Catalog visible', s.is_catalog_visible))]),
          h('section', { class: 'panel', 'aria-label': 'Clock', style: 'margin-top:16px' },
            h('h2', { text: 'Sandbox clock' }),
            h('p', {}, h('strong', { id: 'clock-now', text: time(clk.now_ms) }), clk.frozen ? h('span', { class: 'badge warn', text: ' frozen' }) : null),
            h('p', { class: 'muted small', text: `Offset from wall time: ${Math.round(clk.offset_ms / 1000)} s. Moving it closes 24-hour windows, ends sales, runs reviews and retries.` }),
            h('div', { class: 'row' },
              h('button', { type: 'button', class: 'primary', text: 'Advance 24 hours', onclick: () => act(() => api('POST', '/clock/advance', { seconds: 86400 }), 'Clock moved 24 hours ahead') }),
              h('button', { type: 'button', text: 'Advance 1 hour', onclick: () => act(() => api('POST', '/clock/advance', { seconds: 3600 })) }),
              clk.frozen
                ? h('button', { type: 'button', text: 'Unfreeze', onclick: () => act(() => api('POST', '/clock/unfreeze')) })
                : h('button', { type: 'button', text: 'Freeze', onclick: () => act(() => api('POST', '/clock/freeze')) }))))));
  }

  // ---------- start ----------

  window.addEventListener('hashchange', () => {
    if (!location.hash.startsWith('#/phone')) st.phone.rows = null;
    refresh().then(() => main.focus({ preventScroll: true }));
  });
  refresh();
  listen();
})();
