// End-to-end test of Vitrine's web UI: the real binary, a local webhook receiver, and headless
// Chromium driven by playwright-core. Screenshots of every step go to ui-tests/artifacts/.
//
//   VITRINE_BIN=target/debug/vitrine node --test ui-tests/ui.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { start, waitFor, mpm, here, PHONE, WABA, CATALOG, TOKEN } from './harness.mjs';

const artifacts = join(here, 'artifacts');
mkdirSync(artifacts, { recursive: true });

let v;
let page;

before(async () => {
  v = await start();
  page = await v.page();
});

after(async () => {
  if (v) await v.stop();
});

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

test('an MPM, a cart, an order, its webhook, and a stock-out notice', async () => {
  await page.goto(v.base + '/#/conversations');
  await page.locator('#live.on').waitFor();

  // 1. The bot sends an MPM (as with curl); it appears in the open conversation, live.
  const sent = await v.graph(`${PHONE}/messages`, mpm('Our picks', [
    ['Coffee', ['beans-house-blend-250g', 'mug-stoneware-350ml']],
    ['Home', ['candle-cedar-200g']],
  ]));
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

  // 4b. Save as scenario: the thread downloads as a scenario file that plays it again.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Save as scenario' }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^conversation-\d+\.yaml$/);
  const scenario = readFileSync(await download.path(), 'utf8');
  assert.match(scenario, /- expect:\n      type: product_list\n      text: Tap an item\n      header: Our picks\n      products:\n      - beans-house-blend-250g\n      - mug-stoneware-350ml\n      - candle-cedar-200g\n/);
  assert.match(scenario, /- add:\n      product: beans-house-blend-250g\n      quantity: 2\n  - add: mug-stoneware-350ml\n  - send_cart:\n      note: Deliver after 6pm\n/);

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
  const got = await waitFor(() => v.received.find((r) => r.body.includes('"type":"order"')), 'the order webhook at the receiver');
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

test('every kind of business message, as the customer sees it, and taps on its buttons', async () => {
  // An Indian number: checkout orders reach WhatsApp users in India only.
  const to = '919812300001';
  await v.vitrine('POST', '/customers', { wa_id: to, name: 'Sam Lee' });
  await v.vitrine('POST', `/customers/${to}/messages`, { text: 'Hello! Do you have gifts?' });
  const send = async (body) => (await v.graph(`${PHONE}/messages`, Object.assign({ messaging_product: 'whatsapp', to }, body))).messages[0].id;
  const catalogMsg = await send({ type: 'interactive', interactive: { type: 'catalog_message', body: { text: 'Browse our whole range.' }, footer: { text: 'Free shipping over $50' }, action: { name: 'catalog_message', parameters: { thumbnail_product_retailer_id: 'candle-cedar-200g' } } } });
  const spm = await send({ type: 'interactive', interactive: { type: 'product', body: { text: 'Back in stock!' }, action: { catalog_id: CATALOG, product_retailer_id: 'grinder-hand-steel' } } });
  const buttons = await send({ type: 'interactive', interactive: { type: 'button', body: { text: 'Gift wrap it?' }, action: { buttons: [{ type: 'reply', reply: { id: 'wrap-yes', title: 'Yes please' } }, { type: 'reply', reply: { id: 'wrap-no', title: 'No thanks' } }] } } });
  const list = await send({ type: 'interactive', interactive: { type: 'list', body: { text: 'When should it arrive?' }, action: { button: 'Pick a day', sections: [{ title: 'This week', rows: [{ id: 'fri', title: 'Friday', description: 'Before noon' }, { id: 'sat', title: 'Saturday' }] }] } } });
  const created = await v.graph(`${WABA}/message_templates`, {
    name: 'gift_follow_up', language: 'en_US', category: 'MARKETING',
    components: [
      { type: 'BODY', text: 'Thanks {{1}}! Your gift card is ready.', example: { body_text: [['Sam']] } },
      { type: 'FOOTER', text: 'Vitrine Demo Store' },
      { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Send it now' }, { type: 'URL', text: 'Track order', url: 'https://shop.example/track' }] },
    ],
  });
  await v.vitrine('POST', `/templates/${created.id}/status`, { status: 'APPROVED' });
  const template = await send({ type: 'template', template: { name: 'gift_follow_up', language: { code: 'en_US' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Sam' }] }] } });
  const card = { components: [{ type: 'header', format: 'product' }, { type: 'buttons', buttons: [{ type: 'spm', text: 'View' }] }] };
  const carouselTemplate = await v.graph(`${WABA}/message_templates`, {
    name: 'picked_for_you', language: 'en_US', category: 'MARKETING',
    components: [{ type: 'body', text: 'Picked for you, {{1}}.', example: { body_text: [['Sam']] } }, { type: 'carousel', cards: [card, card] }],
  });
  await v.vitrine('POST', `/templates/${carouselTemplate.id}/status`, { status: 'APPROVED' });
  const productCard = (i, r) => ({ card_index: i, components: [{ type: 'header', parameters: [{ type: 'product', product: { product_retailer_id: r, catalog_id: CATALOG } }] }] });
  const carousel = await send({ type: 'template', template: { name: 'picked_for_you', language: { code: 'en_US' }, components: [
    { type: 'body', parameters: [{ type: 'text', text: 'Sam' }] },
    { type: 'carousel', cards: [productCard(0, 'tee-classic-white'), productCard(1, 'hoodie-heather-grey')] },
  ] } });
  const now = Math.floor(Date.now() / 1000);
  const checkout = await send({ type: 'interactive', interactive: {
    type: 'order_details', body: { text: 'Your order is ready to pay.' }, footer: { text: 'Powered by Razorpay' },
    action: { name: 'review_and_pay', parameters: {
      reference_id: 'order_7781', type: 'physical-goods', currency: 'INR',
      payment_settings: [{ type: 'payment_gateway', payment_gateway: { type: 'razorpay', configuration_name: 'main-razorpay' } }],
      order: {
        status: 'pending',
        items: [
          { retailer_id: 'tee-blue', name: 'Blue tee', amount: { value: 50000, offset: 100 }, quantity: 2, sale_amount: { value: 45000, offset: 100 } },
          { retailer_id: 'socks', name: 'Socks', amount: { value: 10000, offset: 100 }, quantity: 1 },
        ],
        subtotal: { value: 100000, offset: 100 }, tax: { value: 5000, offset: 100, description: 'GST' },
        shipping: { value: 4000, offset: 100 }, discount: { value: 9000, offset: 100, description: 'Welcome' },
        expiration: { timestamp: String(now + 3600), description: 'Offer ends' },
      },
      total_amount: { value: 100000, offset: 100 },
    } },
  } });
  const orderStatus = await send({ type: 'interactive', interactive: { type: 'order_status', body: { text: 'Payment received, thank you.' }, action: { name: 'review_order', parameters: { reference_id: 'order_7781', order: { status: 'processing', description: 'Ships tomorrow' } } } } });
  await v.graph(`${CATALOG}/products`, { retailer_id: 'mug-no-image', name: 'Mug Without Image', description: 'Its image URL answers nothing.', price: 1500, currency: 'USD', image_url: 'http://127.0.0.1:9/mug.jpg', availability: 'in stock' });
  const broken = await send({ type: 'interactive', interactive: { type: 'product', action: { catalog_id: CATALOG, product_retailer_id: 'mug-no-image' } } });
  const failed = await send({ type: 'text', text: { body: 'This one will not arrive.' } });
  await v.vitrine('POST', `/messages/${failed}/fail`, { code: 131026 });

  await page.setViewportSize({ width: 1280, height: 860 });
  await page.goto(`${v.base}/#/conversations/${PHONE}/${to}`);
  const thread = page.locator('#thread');
  await thread.locator(`[data-wamid="${catalogMsg}"]`, { hasText: 'View catalog' }).waitFor();
  await thread.locator(`[data-wamid="${spm}"]`, { hasText: 'View' }).waitFor();
  assert.match(await thread.locator(`[data-wamid="${spm}"]`).innerText(), /Hand Grinder[\s\S]*\$/);
  assert.match(await thread.locator(`[data-wamid="${buttons}"]`).innerText(), /Yes please[\s\S]*No thanks/);
  assert.match(await thread.locator(`[data-wamid="${template}"]`).innerText(), /Thanks Sam![\s\S]*Send it now[\s\S]*Track order/);
  const cards = thread.locator(`[data-wamid="${carousel}"] .carousel .card`);
  await cards.nth(1).waitFor();
  assert.equal(await cards.count(), 2);
  assert.match(await cards.nth(1).innerText(), /Hoodie[\s\S]*\$[\s\S]*View/);
  assert.match(await thread.locator(`[data-wamid="${checkout}"]`).innerText(), /2 ×\s+Blue tee\s+₹900\.00[\s\S]*Total\s+₹1,000\.00[\s\S]*Review and pay/);
  assert.match(await thread.locator(`[data-wamid="${orderStatus}"]`).innerText(), /order_7781[\s\S]*processing[\s\S]*Ships tomorrow/i);
  const bang = thread.locator(`[data-wamid="${failed}"] .ticks.failed`);
  await bang.waitFor();
  assert.match(await bang.getAttribute('title'), /131026/);
  // A product image that cannot load shows the placeholder.
  await thread.locator(`[data-wamid="${broken}"] img[data-fallback="1"]`).waitFor();
  await settled(() => thread.locator(`[data-wamid="${carousel}"]`).scrollIntoViewIfNeeded());
  await shot('12-message-kinds');
  await settled(() => thread.locator(`[data-wamid="${checkout}"]`).scrollIntoViewIfNeeded());
  await shot('12b-checkout');

  // As the customer: tap a reply button and the template's quick reply.
  await page.getByRole('button', { name: 'Open as the customer' }).click();
  const phone = page.locator('section.phone');
  await phone.locator(`[data-wamid="${carousel}"] .card`).nth(1).getByRole('button', { name: 'View' }).click();
  await phone.getByRole('heading', { name: /Hoodie/ }).waitFor();
  await phone.getByRole('button', { name: 'Back to the chat' }).click();
  await phone.locator(`[data-wamid="${buttons}"]`).getByRole('button', { name: 'Yes please' }).click();
  await phone.locator(`[data-wamid="${template}"]`).getByRole('button', { name: 'Send it now' }).click();
  await phone.locator('.from-customer', { hasText: 'Send it now' }).waitFor();
  await phone.locator('.from-customer', { hasText: 'Yes please' }).waitFor();
  // The checkout order: pay it (a payment status reaches the business).
  await phone.locator(`[data-wamid="${checkout}"]`).getByRole('button', { name: 'Review and pay' }).click();
  await phone.locator('.from-customer [data-type="payment"]', { hasText: '₹1,000.00' }).waitFor();
  await waitFor(() => v.received.find((r) => r.body.includes('"payment"') && r.body.includes('order_7781')), 'the payment webhook');
  // A list: open it, pick a row.
  await phone.locator(`[data-wamid="${list}"]`).getByRole('button', { name: /Pick a day/ }).click();
  await phone.locator(`[data-wamid="${list}"]`).getByRole('button', { name: /Friday/ }).click();
  await phone.locator('.from-customer', { hasText: 'Friday' }).waitFor();
  await waitFor(() => v.received.find((r) => r.body.includes('"list_reply":{"id":"fri"')), 'the list_reply webhook');
  // The catalog message opens the catalog; a product there can be asked about.
  await phone.locator(`[data-wamid="${catalogMsg}"]`).getByRole('button', { name: 'View catalog' }).click();
  await phone.getByRole('button', { name: /Wool Throw/ }).click();
  await phone.getByRole('textbox', { name: 'Question about this product' }).fill('Is it machine washable?');
  await phone.getByRole('button', { name: 'Ask' }).click();
  await phone.locator('.from-customer', { hasText: 'machine washable' }).waitFor();
  // And write.
  await phone.getByRole('textbox', { name: 'Message' }).fill('Thank you!');
  await phone.getByRole('textbox', { name: 'Message' }).press('Enter');
  await phone.locator('.from-customer', { hasText: 'Thank you!' }).waitFor();
  await shot('13-phone-replies');
  await waitFor(() => v.received.find((r) => r.body.includes('"button":{"payload":"Send it now"')), 'the button webhook');
  await waitFor(() => v.received.find((r) => r.body.includes('"button_reply":{"id":"wrap-yes"')), 'the button_reply webhook');

  // The README's screenshot (docs/ui.png is a copy of artifacts/14-readme.png).
  await v.vitrine('POST', `/customers/${to}/cart/items`, { product_retailer_id: 'gift-card-25', quantity: 2 });
  await v.vitrine('POST', `/customers/${to}/cart/items`, { product_retailer_id: 'candle-cedar-200g' }).catch(() => {});
  await v.vitrine('POST', `/customers/${to}/cart/send`, { text: 'Two gift cards, please' });
  await page.setViewportSize({ width: 1200, height: 760 });
  await page.getByRole('link', { name: 'Conversations' }).click();
  await page.locator('#thread [data-type="order"]').waitFor();
  await page.evaluate(() => { document.getElementById('toast').hidden = true; });
  await new Promise((r) => setTimeout(r, 600));
  // Start at the product carousel: it, the checkout order and its status, a missing image and a
  // failed message fit in the window.
  await page.evaluate((wamid) => {
    const bubble = document.querySelector(`#thread [data-wamid="${wamid}"]`);
    const thread = document.getElementById('thread');
    thread.scrollTop = bubble.offsetTop - thread.offsetTop - 8;
  }, carousel);
  await shot('14-readme');
});

test('asking about a product, editing a price, redelivering, reviewing templates, settings and the clock', async () => {
  await page.setViewportSize({ width: 1280, height: 860 });
  const to = '919812300001';
  const spm = (await v.graph(`${PHONE}/messages`, { messaging_product: 'whatsapp', to, type: 'interactive', interactive: { type: 'product', action: { catalog_id: CATALOG, product_retailer_id: 'vase-glass-amber' } } })).messages[0].id;

  // A price edited in the catalog view reaches the customer's product card.
  await page.getByRole('link', { name: 'Catalog' }).click();
  const vase = page.locator('tr[data-rid="vase-glass-amber"]');
  await vase.getByRole('textbox', { name: /Price of/ }).fill('21.50');
  await vase.getByRole('button', { name: 'Save' }).click();
  await page.locator('#toast', { hasText: 'Price of vase-glass-amber saved' }).waitFor();

  // The customer opens the card, sees the new price and asks about it.
  await page.goto(`${v.base}/#/conversations/${PHONE}/${to}`);
  await page.getByRole('button', { name: 'Open as the customer' }).click();
  const phone = page.locator('section.phone');
  await phone.locator(`[data-wamid="${spm}"]`, { hasText: '$21.50' }).getByRole('button', { name: 'View' }).click();
  await phone.getByRole('heading', { name: /Vase/ }).waitFor();
  await phone.getByRole('textbox', { name: 'Question about this product' }).fill('Is it hand-blown?');
  await phone.getByRole('button', { name: 'Ask' }).click();
  await phone.locator('.from-customer', { hasText: 'Is it hand-blown?' }).getByText('About Amber Glass Vase').waitFor();
  await waitFor(() => v.received.find((r) => r.body.includes('"referred_product":{"catalog_id":"771804362295518","product_retailer_id":"vase-glass-amber"}')), 'the product inquiry webhook');

  // With the cart disabled in the sandbox view, the product page cannot add to the cart.
  await page.getByRole('link', { name: 'Sandbox' }).click();
  await page.getByRole('checkbox', { name: 'Cart enabled' }).uncheck();
  await page.locator('#toast', { hasText: 'Cart enabled: off' }).waitFor();
  await page.getByRole('link', { name: 'Phone' }).click();
  await phone.locator(`[data-wamid="${spm}"]`).getByRole('button', { name: 'View' }).click();
  await phone.getByText('The cart is disabled for this number.').waitFor();
  assert.equal(await phone.getByRole('button', { name: 'Add to cart' }).isDisabled(), true);
  assert.equal(await phone.getByRole('button', { name: 'One more' }).isDisabled(), true);
  await shot('15-phone-cart-disabled');
  await page.getByRole('link', { name: 'Sandbox' }).click();
  await page.getByRole('checkbox', { name: 'Cart enabled' }).check();
  await page.locator('#toast', { hasText: 'Cart enabled: on' }).waitFor();

  // The storefront from the chat's bar.
  await page.getByRole('link', { name: 'Phone' }).click();
  await phone.getByRole('button', { name: 'Back to the chat' }).click();
  await phone.getByRole('button', { name: 'Catalog', exact: true }).click();
  await phone.getByRole('button', { name: /Canvas Tote/ }).click();
  await phone.getByRole('heading', { name: /Canvas Tote/ }).waitFor();

  // Redeliver a webhook: a second attempt appears.
  await page.getByRole('link', { name: 'Webhooks' }).click();
  await page.getByLabel('Event').selectOption('message');
  await waitFor(async () => (await page.locator('tr[data-summary^="status"]').count()) === 0, 'the event filter');
  await page.locator('tr[data-summary="message order"]').first().waitFor();
  await page.getByLabel('Event').selectOption('');
  const first = page.locator('tbody tr').first();
  await first.getByRole('link').click();
  const detail = page.locator('#webhook-detail');
  await detail.getByRole('button', { name: 'Redeliver' }).click();
  await detail.locator('table.attempts tbody tr').nth(1).waitFor();
  await shot('16-webhook-redelivered');

  // Templates: pause, then reinstate.
  await page.getByRole('link', { name: 'Templates' }).click();
  const row = page.locator('tr[data-name="gift_follow_up"]');
  await row.getByRole('button', { name: 'Pause' }).click();
  await row.locator('.badge', { hasText: 'PAUSED' }).waitFor();
  await shot('17-template-paused');
  await row.getByRole('button', { name: 'Reinstate' }).click();
  await row.locator('.badge', { hasText: 'APPROVED' }).waitFor();

  // The clock: a day later, the customer service windows are closed.
  await page.getByRole('link', { name: 'Sandbox' }).click();
  await page.getByRole('button', { name: 'Advance 24 hours' }).click();
  await page.locator('#toast', { hasText: 'Clock moved 24 hours ahead' }).waitFor();
  await page.getByRole('link', { name: 'Conversations' }).click();
  await page.locator('.threads .badge', { hasText: 'closed' }).first().waitFor();
  assert.equal(await page.locator('.threads .badge', { hasText: 'open' }).count(), 0);
  await shot('18-windows-closed');

  // At phone width.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('link', { name: 'Phone' }).click();
  await page.locator('section.phone').waitFor();
  await shot('19-phone-view-phone-width');
  await page.getByRole('link', { name: 'Webhooks' }).click();
  await page.locator('#webhook-detail').waitFor();
  await shot('20-webhooks-phone-width');
});

// Images made by Chromium itself (PNG and WebP from a canvas), so nothing is fetched.
async function drawn(type, w, h, label) {
  const data = await page.evaluate(async ([type, w, h, label]) => {
    const c = document.createElement('canvas');
    c.width = w; c.height = h;
    const g = c.getContext('2d');
    const grad = g.createLinearGradient(0, 0, w, h);
    grad.addColorStop(0, '#2a9d8f'); grad.addColorStop(1, '#f4a261');
    g.fillStyle = grad; g.fillRect(0, 0, w, h);
    g.fillStyle = '#fff'; g.font = `bold ${Math.round(h / 5)}px sans-serif`; g.textAlign = 'center';
    g.fillText(label, w / 2, h / 2);
    return c.toDataURL(type).split(',')[1];
  }, [type, w, h, label]);
  return Buffer.from(data, 'base64');
}

async function upload(bytes, type, filename) {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type }), filename);
  form.append('messaging_product', 'whatsapp');
  form.append('type', type);
  const r = await fetch(`${v.base}/v23.0/${PHONE}/media`, { method: 'POST', headers: { Authorization: 'Bearer ' + TOKEN }, body: form });
  const json = await r.json();
  assert.equal(r.status, 200, JSON.stringify(json));
  return json.id;
}

test('everyday messages both ways: media, places, contacts, reactions, read receipts, typing, forwarding', async () => {
  await page.setViewportSize({ width: 1280, height: 900 });
  const to = '15551230077';
  await v.vitrine('POST', '/customers', { wa_id: to, name: 'Jo Park' });
  const hello = (await v.vitrine('POST', `/customers/${to}/messages`, { text: 'Hi! Can I see the new mugs?' })).wamid;
  const send = async (body) => (await v.graph(`${PHONE}/messages`, Object.assign({ messaging_product: 'whatsapp', to }, body))).messages[0].id;
  await page.goto(v.base + '/#/conversations');
  const photo = await upload(await drawn('image/png', 480, 320, 'New mugs'), 'image/png', 'mugs.png');
  const sticker = await upload(await drawn('image/webp', 256, 256, ':)'), 'image/webp', 'smile.webp');
  const pdf = await upload(Buffer.from('%PDF-1.4\n% a tiny price list\n'), 'application/pdf', 'price-list.pdf');
  const voice = await upload(Buffer.from('OggS not really audio'), 'audio/ogg', 'hello.ogg');
  const image = await send({ type: 'image', image: { id: photo, caption: 'Fresh from the kiln' }, context: { message_id: hello } });
  const doc = await send({ type: 'document', document: { id: pdf, filename: 'price-list.pdf', caption: 'Our prices' } });
  const note = await send({ type: 'audio', audio: { id: voice, voice: true } });
  const stick = await send({ type: 'sticker', sticker: { id: sticker } });
  const place = await send({ type: 'location', location: { latitude: 38.7223, longitude: -9.1393, name: 'Vitrine Store', address: 'Praça do Comércio, Lisboa' } });
  const card = await send({ type: 'contacts', contacts: [{ name: { formatted_name: 'Dana (orders)' }, phones: [{ phone: '+1 650 555 0199', type: 'WORK', wa_id: '16505550199' }], emails: [{ email: 'orders@shop.example' }] }] });
  const cta = await send({ type: 'interactive', interactive: { type: 'cta_url', body: { text: 'Track your parcel anytime.' }, action: { name: 'cta_url', parameters: { display_text: 'Track parcel', url: 'https://shop.example/track/42' } } } });
  const ask = await send({ type: 'interactive', interactive: { type: 'location_request_message', body: { text: 'Where should we deliver?' }, action: { name: 'send_location' } } });
  const spm = await send({ type: 'interactive', interactive: { type: 'product', body: { text: 'This one?' }, action: { catalog_id: CATALOG, product_retailer_id: 'mug-stoneware-350ml' } } });
  const link = await send({ type: 'text', text: { preview_url: true, body: 'Everything we sell: https://wa.me/c/15550107788' } });
  await send({ type: 'reaction', reaction: { message_id: hello, emoji: '\u{1F44D}' } });

  // The inspector renders each of them.
  await page.goto(`${v.base}/#/conversations/${PHONE}/${to}`);
  const thread = page.locator('#thread');
  await thread.locator(`[data-wamid="${link}"] .ticks[title="delivered"]`).waitFor();
  await thread.locator(`[data-wamid="${image}"] img:not([data-fallback])`).waitFor();
  assert.match(await thread.locator(`[data-wamid="${image}"]`).innerText(), /Reply to Hi! Can I see[\s\S]*Fresh from the kiln/);
  assert.match(await thread.locator(`[data-wamid="${doc}"]`).innerText(), /price-list\.pdf[\s\S]*application\/pdf[\s\S]*Our prices/);
  assert.match(await thread.locator(`[data-wamid="${note}"]`).innerText(), /Voice message/);
  await thread.locator(`[data-wamid="${stick}"] .sticker img:not([data-fallback])`).waitFor();
  assert.match(await thread.locator(`[data-wamid="${place}"]`).innerText(), /Vitrine Store[\s\S]*Lisboa[\s\S]*38\.72230, -9\.13930/);
  assert.match(await thread.locator(`[data-wamid="${card}"]`).innerText(), /Dana \(orders\)[\s\S]*\+1 650 555 0199[\s\S]*Message · Save contact/);
  assert.match(await thread.locator(`[data-wamid="${cta}"]`).innerText(), /Track your parcel anytime\.[\s\S]*Track parcel/);
  assert.equal(await thread.locator(`[data-wamid="${cta}"] a[href="https://shop.example/track/42"]`).count(), 1);
  assert.match(await thread.locator(`[data-wamid="${link}"]`).innerText(), /View Vitrine Demo Store's catalog on WhatsApp[\s\S]*items[\s\S]*View catalog/);
  assert.equal(await thread.locator(`[data-wamid="${hello}"] .reaction`).innerText(), '\u{1F44D}');
  // The photo is served from Vitrine's store.
  const src = await thread.locator(`[data-wamid="${image}"] img`).getAttribute('src');
  assert.equal(src, `/_vitrine/media/${photo}`);
  await settled(() => thread.locator(`[data-wamid="${image}"]`).scrollIntoViewIfNeeded());
  await shot('22-media-in-conversation');
  await settled(() => thread.locator(`[data-wamid="${place}"]`).scrollIntoViewIfNeeded());
  await shot('23-location-contacts-cta');

  // On the phone: no cart icon in the chat header; the Shop entry while the catalog shows.
  await page.getByRole('button', { name: 'Open as the customer' }).click();
  const phone = page.locator('section.phone');
  await phone.locator(`[data-wamid="${link}"]`).waitFor();
  assert.equal(await phone.locator('.bar').getByRole('button', { name: /^Cart/ }).count(), 0);
  assert.equal(await phone.locator('.bar').getByRole('button', { name: 'Catalog', exact: true }).count(), 1);
  await shot('24-phone-media');

  // The customer answers the location request from the phone.
  await phone.locator(`[data-wamid="${ask}"]`).getByRole('button', { name: 'Send location' }).click();
  const tray = phone.getByRole('form', { name: 'Share location' });
  await tray.getByRole('textbox', { name: 'Place name' }).fill('Home');
  await tray.getByRole('textbox', { name: 'Address' }).fill('Rua Augusta 1');
  await shot('25-phone-location-form');
  await tray.getByRole('button', { name: 'Send location' }).click();
  await phone.locator('.from-customer [data-type="location"]', { hasText: 'Home' }).waitFor();
  const locHook = await waitFor(() => v.received.find((r) => r.body.includes('"type":"location"') && r.body.includes('Rua Augusta 1')), 'the location webhook');
  assert.match(locHook.body, new RegExp(`"context":\\{"from":"15550107788","id":"${ask.replace(/[.+=/]/g, '\\$&')}"\\}`));

  // A photo from the file picker, with a caption.
  await phone.getByRole('button', { name: 'Attach' }).click();
  await phone.getByLabel('File to send').setInputFiles({ name: 'my-mug.png', mimeType: 'image/png', buffer: await drawn('image/png', 300, 300, 'Mine') });
  await phone.getByRole('textbox', { name: 'Caption' }).fill('Like this one?');
  await phone.getByRole('button', { name: 'Send file' }).click();
  const mine = phone.locator('.from-customer [data-type="image"]', { hasText: 'Like this one?' });
  await mine.waitFor();
  await mine.locator('img:not([data-fallback])').waitFor();
  const imgHook = await waitFor(() => v.received.find((r) => r.body.includes('"type":"image"') && r.body.includes('Like this one?')), 'the image webhook');
  const mediaId = JSON.parse(imgHook.body).entry[0].changes[0].value.messages[0].image.id;
  // The bot downloads it through the Graph API.
  const info = await (await fetch(`${v.base}/v23.0/${mediaId}`, { headers: { Authorization: 'Bearer ' + TOKEN } })).json();
  assert.equal(info.mime_type, 'image/png');
  const dl = await fetch(info.url, { headers: { Authorization: 'Bearer ' + TOKEN } });
  assert.equal(dl.status, 200);
  assert.equal((await dl.arrayBuffer()).byteLength, info.file_size);

  // A contact, and something the API cannot pass on.
  await phone.getByRole('button', { name: 'Attach' }).click();
  await phone.getByRole('button', { name: 'Contact' }).click();
  await phone.getByRole('textbox', { name: 'Contact name' }).fill('Sam Lee');
  await phone.getByRole('textbox', { name: 'Contact phone' }).fill('+1 650 555 0100');
  await phone.getByRole('button', { name: 'Send contact' }).click();
  await phone.locator('.from-customer [data-type="contacts"]', { hasText: 'Sam Lee' }).waitFor();
  await phone.getByRole('button', { name: 'Attach' }).click();
  await phone.getByRole('button', { name: 'Send an unsupported type' }).click();
  await phone.locator('.from-customer [data-type="unsupported"]').waitFor();
  await waitFor(() => v.received.find((r) => r.body.includes('"unsupported":{"type":"poll"}')), 'the unsupported webhook');

  // A reaction on the business's photo.
  await phone.locator(`[data-wamid="${image}"]`).getByRole('button', { name: 'React' }).click();
  await phone.getByRole('button', { name: 'React \u2764\uFE0F' }).click();
  await phone.locator(`[data-wamid="${image}"] .reaction`, { hasText: '\u2764' }).waitFor();
  await waitFor(() => v.received.find((r) => r.body.includes('"type":"reaction"') && r.body.includes(image)), 'the reaction webhook');

  // The bot reads the customer's messages and types: blue ticks and "typing…".
  const last = JSON.parse(imgHook.body).entry[0].changes[0].value.messages[0].id;
  await v.graph(`${PHONE}/messages`, { messaging_product: 'whatsapp', status: 'read', message_id: last, typing_indicator: { type: 'text' } });
  await phone.locator('.bar .subtitle', { hasText: 'typing…' }).waitFor();
  await phone.locator(`.from-customer [data-wamid="${last}"] .ticks.read`).waitFor();
  await phone.locator('.from-customer .ticks.read').first().waitFor();
  await shot('26-phone-read-typing-reactions');

  // Forwarding: the customer forwards the product message to a friend…
  const friend = '15551230088';
  await v.vitrine('POST', '/customers', { wa_id: friend, name: 'Kim Friend' });
  await phone.locator(`[data-wamid="${spm}"]`).getByRole('button', { name: 'Forward' }).click();
  const forwardForm = phone.getByRole('form', { name: 'Forward' });
  await forwardForm.getByRole('checkbox', { name: 'Forward to Kim Friend' }).check();
  await shot('26b-phone-forward');
  await forwardForm.getByRole('button', { name: 'Forward' }).click();
  await page.locator('#toast', { hasText: 'Forwarded' }).waitFor();
  // …who sees it forwarded, with the product as it is now, and orders from it.
  await page.locator('#ph-customer').selectOption(friend);
  await page.locator('#ph-number').selectOption(`peer:${to}`);
  const fwd = phone.locator('.from-friend .bubble[data-type="product"]');
  await fwd.waitFor();
  assert.match(await fwd.innerText(), /Forwarded[\s\S]*From Vitrine Demo Store[\s\S]*Stoneware Mug[\s\S]*\$/);
  await shot('27-friend-sees-forward');
  await fwd.getByRole('button', { name: 'View' }).click();
  await phone.getByRole('heading', { name: /Stoneware Mug/ }).waitFor();
  await phone.getByRole('button', { name: 'Add to cart' }).click();
  await phone.locator('.cart-count', { hasText: '1' }).waitFor();
  await phone.getByRole('button', { name: /^Cart/ }).click();
  await phone.getByRole('button', { name: 'Send to business' }).click();
  await phone.locator('.from-customer [data-type="order"]').waitFor();
  const order = await waitFor(() => v.received.find((r) => r.body.includes('"type":"order"') && r.body.includes(`"from":"${friend}"`)), 'the friend\'s order webhook');
  assert.match(order.body, /"product_retailer_id":"mug-stoneware-350ml","quantity":1/);
  await shot('28-friend-ordered');

  // With the catalog hidden, the chat has no Shop entry.
  await page.getByRole('link', { name: 'Sandbox' }).click();
  await page.getByRole('checkbox', { name: 'Catalog visible' }).uncheck();
  await page.locator('#toast', { hasText: 'Catalog visible: off' }).waitFor();
  await page.getByRole('link', { name: 'Phone' }).click();
  await phone.locator('.from-customer [data-type="order"]').waitFor();
  assert.equal(await phone.locator('.bar').getByRole('button', { name: 'Catalog', exact: true }).count(), 0);
  await shot('29-phone-catalog-hidden');
  await page.getByRole('link', { name: 'Sandbox' }).click();
  await page.getByRole('checkbox', { name: 'Catalog visible' }).check();
  await page.locator('#toast', { hasText: 'Catalog visible: on' }).waitFor();
});

test('with an admin token, the page asks for it and then works', async () => {
  const guarded = await start({ adminToken: 's3cret-admin' });
  try {
    const p = await guarded.page();
    await p.goto(guarded.base + '/');
    await p.getByRole('heading', { name: 'Admin token needed' }).waitFor();
    await p.getByLabel('Admin token').fill('s3cret-admin');
    await p.getByRole('button', { name: 'Use it' }).click();
    await p.locator('.threads a', { hasText: 'Alex Rivera' }).waitFor();
    await p.locator('#live.on').waitFor();
    // Live updates flow with the token too.
    await guarded.vitrine('POST', '/customers/16505550123/messages', { text: 'Still there?' });
    await p.locator('#thread .from-customer', { hasText: 'Still there?' }).waitFor();
    await p.screenshot({ path: join(artifacts, '21-admin-token.png') });
  } finally {
    await guarded.stop();
  }
});
