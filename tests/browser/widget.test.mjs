// Browser test of the citizen chat widget against the real server (demo page at `/`).
//
//   export async function run({ browser, base, screenshots, log })
//
// browser: a playwright-core Browser (Debian chromium); base: the server, e.g. "http://127.0.0.1:40123";
// screenshots: an existing directory; log: function(string). Every scenario runs in a fresh browser context
// (scenario 3 reuses scenario 1's, it checks the reload); all scenarios run, then one Error lists every
// failed check. Besides each scenario's checks, every page must run without uncaught script errors and
// without content-security-policy violations (no inline styles or scripts).

import { fileURLToPath } from 'node:url';
import path from 'node:path';

const TIMEOUT = 10_000;
const AXE_PATH = fileURLToPath(new URL('./node_modules/axe-core/axe.min.js', import.meta.url));
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

const INPUT_NAME = 'Ihre Nachricht';
const ANSWERS = '.ak-log .ak-assistant, .ak-log .ak-error';

class CheckFailed extends Error {}

let screenshotDir = null;

/** Saves what the page showed when a scenario failed (widget-failure-NAME.png), for the report. */
async function failureShot(page, name) {
  if (!screenshotDir || !page) {
    return;
  }
  await page.screenshot({ path: path.join(screenshotDir, `widget-failure-${name}.png`), fullPage: true }).catch(() => {});
}

function check(condition, message) {
  if (!condition) {
    throw new CheckFailed(message);
  }
}

/** A fresh context and page that records script errors, CSP violations and dialogs. */
async function openPage(browser, base, options = {}) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 1,
    locale: 'de-DE',
    ...options,
  });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  const problems = attachRecorders(page);
  await page.goto(`${base}/`, { waitUntil: 'load' });
  await page.locator('section.ak-widget').waitFor({ state: 'visible' });
  return { context, page, problems };
}

function attachRecorders(page) {
  const problems = { errors: [], csp: [], dialogs: [] };
  page.on('pageerror', (error) => problems.errors.push(String(error && error.message ? error.message : error)));
  page.on('console', (message) => {
    const text = message.text();
    if (/Content Security Policy|Refused to (apply|load|execute|connect|evaluate)/i.test(text)) {
      problems.csp.push(text);
    }
  });
  page.on('dialog', (dialog) => {
    problems.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    dialog.dismiss().catch(() => {});
  });
  return problems;
}

function checkProblems(problems, where) {
  check(problems.errors.length === 0, `${where}: uncaught script errors: ${problems.errors.join(' | ')}`);
  check(problems.csp.length === 0, `${where}: content security policy violations: ${problems.csp.join(' | ')}`);
  check(problems.dialogs.length === 0, `${where}: unexpected dialogs: ${problems.dialogs.join(' | ')}`);
}

function isChatPost(response) {
  return response.request().method() === 'POST' && new URL(response.url()).pathname === '/api/v1/chat';
}

/**
 * Does `act` (which sends one chat message), waits for the server's answer and for the widget to show it.
 * Returns the answer's JSON.
 */
async function exchange(page, act, what) {
  const before = await page.locator(ANSWERS).count();
  const answered = page.waitForResponse(isChatPost, { timeout: TIMEOUT });
  await act();
  let response;
  try {
    response = await answered;
  } catch (error) {
    throw new CheckFailed(`${what}: no POST /api/v1/chat answered within ${TIMEOUT / 1000} s`);
  }
  let body = null;
  try {
    body = await response.json();
  } catch (error) {
    body = null;
  }
  check(response.status() === 200, `${what}: POST /api/v1/chat answered ${response.status()}: ${JSON.stringify(body)}`);
  try {
    await page.waitForFunction(
      ([selector, count]) => document.querySelectorAll(selector).length > count,
      [ANSWERS, before],
      { timeout: TIMEOUT },
    );
  } catch (error) {
    throw new CheckFailed(`${what}: the widget did not show the answer`);
  }
  const errors = page.locator('.ak-log .ak-error');
  if (await errors.count() > 0) {
    throw new CheckFailed(`${what}: the widget shows an error message: ${await errors.last().textContent()}`);
  }
  return body;
}

function textbox(page) {
  return page.getByRole('textbox', { name: INPUT_NAME, exact: true });
}

async function sendTyped(page, text) {
  const box = textbox(page);
  await box.fill(text);
  return exchange(page, () => box.press('Enter'), `sending "${text}"`);
}

/** The text of the log's messages from the latest answer on (after the last citizen message). */
async function latestAnswerText(page) {
  return page.evaluate(() => {
    const log = document.querySelector('.ak-log');
    const nodes = Array.from(log.children);
    let start = 0;
    nodes.forEach((node, index) => {
      if (node.classList.contains('ak-citizen')) {
        start = index + 1;
      }
    });
    return nodes.slice(start).map((node) => node.textContent).join('\n');
  });
}

async function expectLatestAnswer(page, needle, what) {
  const text = await latestAnswerText(page);
  check(text.includes(needle), `${what}: expected the answer to contain "${needle}", it says: ${text.slice(0, 400)}`);
}

async function expectFocusInInput(page, what) {
  try {
    await page.waitForFunction(
      (name) => {
        const active = document.activeElement;
        return !!active && active.tagName === 'TEXTAREA' && !!active.labels && active.labels.length > 0 &&
          active.labels[0].textContent.trim() === name;
      },
      INPUT_NAME,
      { timeout: TIMEOUT },
    );
  } catch (error) {
    const active = await page.evaluate(() => {
      const a = document.activeElement;
      return a ? `${a.tagName} "${(a.textContent || '').trim().slice(0, 40)}"` : 'nothing';
    });
    throw new CheckFailed(`${what}: focus is not back in the textarea "${INPUT_NAME}" (it is on ${active})`);
  }
}

/** The enabled choice buttons of the latest assistant message that has any. */
function latestChoices(page) {
  return page.locator('.ak-log .ak-assistant:has(.ak-actions button:enabled)').last().locator('.ak-actions button:enabled');
}

async function clickChoice(page, locator, what) {
  check(await locator.count() > 0, `${what}: no such button`);
  return exchange(page, () => locator.first().click(), what);
}

async function firstTimeButton(page) {
  const choices = latestChoices(page);
  const labels = await choices.allTextContents();
  const index = labels.findIndex((label) => /\d{1,2}:\d{2}/.test(label));
  return choices.nth(index >= 0 ? index : 0);
}

async function firstConfirmButton(page) {
  const choices = latestChoices(page);
  const labels = await choices.allTextContents();
  const index = labels.findIndex((label) => /^\s*Ja\b/.test(label));
  return choices.nth(index >= 0 ? index : 0);
}

/** Presses Tab until the predicate (run in the page on document.activeElement) holds; at most 60 times. */
async function tabUntil(page, predicate, what) {
  const seen = [];
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    // A string expression: evaluated through the debugging protocol, which the page's CSP does not govern.
    const state = await page.evaluate(`(() => {
      const active = document.activeElement;
      const label = active
        ? active.tagName.toLowerCase() + ':' + (active.getAttribute('aria-label') || active.textContent || '').trim().slice(0, 30)
        : 'none';
      return { ok: !!active && !!(${predicate.toString()})(active), label };
    })()`);
    seen.push(state.label);
    if (state.ok) {
      return i + 1;
    }
  }
  throw new CheckFailed(`${what}: not reached with 60 Tab presses; focus went through: ${seen.join(', ')}`);
}

// Predicates for tabUntil: they get the focused element. (They must not close over test variables.)
const isInput = (el) => el.tagName === 'TEXTAREA' && el.classList.contains('ak-input');
const isMitte = (el) => el.tagName === 'BUTTON' && !el.disabled && /Bürgerbüro Mitte/.test(el.textContent);
const isTimeButton = (el) => {
  if (el.tagName !== 'BUTTON' || el.disabled || !el.closest('.ak-actions')) {
    return false;
  }
  const messages = document.querySelectorAll('.ak-log .ak-assistant');
  return el.closest('.ak-assistant') === messages[messages.length - 1] && /\d{1,2}:\d{2}/.test(el.textContent);
};
const isYes = (el) => el.tagName === 'BUTTON' && !el.disabled && !!el.closest('.ak-actions') && /^\s*Ja\b/.test(el.textContent);

async function runAxe(page, where) {
  // page.addScriptTag({ path }) would insert an inline <script>, which the server's content security policy
  // refuses (as it must). Evaluating axe's source through the debugging protocol is not governed by the
  // policy and leaves no CSP violation behind.
  const loaded = await page.evaluate(() => typeof window.axe === 'object');
  if (!loaded) {
    const fs = await import('node:fs/promises');
    await page.evaluate(await fs.readFile(AXE_PATH, 'utf8'));
  }
  check(await page.evaluate(() => typeof window.axe === 'object'), `${where}: axe-core could not be loaded`);
  // Let entrance animations finish, so that colours are measured as they end up.
  await page.waitForFunction(
    () => document.getAnimations().every((animation) => animation.playState !== 'running' ||
      !Number.isFinite(animation.effect.getComputedTiming().endTime)),
    null,
    { timeout: TIMEOUT },
  ).catch(() => {});
  const results = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }),
    AXE_TAGS,
  );
  const violations = results.violations.map((violation) =>
    `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes.map((node) => node.target.join(' ')).join('; ')}`);
  check(violations.length === 0, `${where}: axe found ${violations.length} violation(s):\n  ${violations.join('\n  ')}`);
  return results;
}

// ---------------------------------------------------------------------------------------------------------
// Scenarios.

async function questionAndCard({ browser, base, log }, shared) {
  const { context, page, problems } = await openPage(browser, base);
  shared.context = context;
  shared.page = page;
  shared.problems = problems;

  const question = 'Was kostet ein Personalausweis?';
  const box = textbox(page);
  check(await box.count() === 1, 'there is no textbox named "Ihre Nachricht"');
  await box.click();
  await page.keyboard.type(question);
  const answer = await exchange(page, () => page.keyboard.press('Enter'), `sending "${question}"`);
  check(typeof answer.session_id === 'string' && answer.session_id, 'the answer has no session_id');

  const card = page.locator('.ak-log .ak-assistant .ak-card').filter({
    has: page.locator('h3', { hasText: 'Personalausweis' }),
  }).last();
  await card.waitFor({ state: 'visible' }).catch(() => {
    throw new CheckFailed('no answer card whose h3 title contains "Personalausweis"');
  });
  const fees = card.locator('.ak-card-section').filter({ hasText: 'Gebühren' }).locator('li');
  check(await fees.count() > 0, 'the card has no fee list ("Gebühren")');
  const links = card.locator('a[target="_blank"]');
  for (let i = 0; i < await links.count(); i++) {
    const rel = (await links.nth(i).getAttribute('rel')) || '';
    check(rel.includes('noopener'), `card link ${i} opens a new window without rel="noopener"`);
  }

  await expectFocusInInput(page, 'after the answer');

  const logs = page.getByRole('log');
  check(await logs.count() === 1, `expected one element with role=log, found ${await logs.count()}`);
  check(await logs.getAttribute('aria-live') === 'polite', 'the log is not aria-live="polite"');
  check(await logs.locator('.ak-citizen', { hasText: question }).count() === 1, 'the log does not contain the question');
  check(await logs.locator('.ak-assistant .ak-card').count() > 0, 'the log does not contain the answer card');
  const lang = await page.locator('.ak-log .ak-assistant').last().getAttribute('lang');
  check(lang === 'de', `the answer's lang attribute is "${lang}", expected "de"`);

  const message = page.locator('.ak-log .ak-assistant:has(.ak-feedback)').last();
  const up = message.getByRole('button', { name: 'Hilfreich', exact: true });
  check(await up.count() === 1, 'the answer has no "Hilfreich" button');
  check(await message.getByRole('button', { name: 'Nicht hilfreich', exact: true }).count() === 1,
    'the answer has no "Nicht hilfreich" button');
  const feedback = page.waitForResponse(
    (response) => response.request().method() === 'POST' && new URL(response.url()).pathname === '/api/v1/feedback',
    { timeout: TIMEOUT },
  );
  await up.click();
  const response = await feedback.catch(() => null);
  check(response, 'clicking "Hilfreich" sent no POST /api/v1/feedback');
  check(response.status() === 204, `POST /api/v1/feedback answered ${response.status()}, expected 204`);
  const sent = response.request().postDataJSON();
  check(sent.rating === 'up' && sent.session_id === answer.session_id && sent.turn === answer.turn,
    `the feedback sent ${JSON.stringify(sent)}`);
  check(await up.getAttribute('aria-pressed') === 'true', '"Hilfreich" is not aria-pressed="true" after the click');
  await message.getByRole('status').filter({ hasText: 'Danke für Ihre Rückmeldung' }).waitFor().catch(() => {
    throw new CheckFailed('no status "Danke für Ihre Rückmeldung" after the rating');
  });
  checkProblems(problems, 'question and card');
  log(`answer card "${(await card.locator('h3').textContent()).trim()}" with ${await fees.count()} fee(s); feedback 204`);
}

async function reloadKeepsHistory({ log }, shared) {
  const { page, problems, context } = shared;
  check(page, 'scenario 1 did not leave a page to reload');
  try {
    await page.reload({ waitUntil: 'load' });
    const earlier = page.locator('.ak-history .ak-citizen', { hasText: 'Was kostet ein Personalausweis?' });
    await earlier.first().waitFor({ state: 'visible' }).catch(() => {
      throw new CheckFailed('after the reload the earlier question is not shown in .ak-history');
    });
    check(await page.locator('[role="log"] .ak-history, .ak-history [role="log"]').count() === 0,
      'the history is inside the live log (it would be announced again)');
    check(await page.locator('.ak-history .ak-assistant').count() > 0, 'after the reload the earlier answer is missing');
    checkProblems(problems, 'reload');
    log(`history after reload: ${await page.locator('.ak-history .ak-msg').count()} messages`);
  } catch (error) {
    await failureShot(page, 'reload');
    throw error;
  } finally {
    await context.close();
  }
}

async function bookingByClicking({ browser, base, log }) {
  const { context, page, problems } = await openPage(browser, base);
  try {
    await sendTyped(page, 'Ich brauche einen Termin für einen Reisepass');
    await expectLatestAnswer(page, 'In welchem Bürgerbüro', 'booking');
    const mitte = page.getByRole('button', { name: /Bürgerbüro Mitte/ });
    await clickChoice(page, mitte, 'clicking "Bürgerbüro Mitte"');
    check(await page.locator('.ak-log .ak-citizen').last().textContent().then((t) => t.includes('Bürgerbüro Mitte')),
      'the pressed button\'s label is not shown as the citizen\'s message');
    check(await mitte.first().isDisabled(), 'the office buttons of the earlier answer are still enabled');
    await expectLatestAnswer(page, 'Welche Zeit passt Ihnen', 'booking');
    const time = await firstTimeButton(page);
    const timeLabel = (await time.textContent()).trim();
    await clickChoice(page, time, `clicking the time "${timeLabel}"`);
    await expectFocusInInput(page, 'after the time button');
    await sendTyped(page, 'Erika Mustermann');
    await sendTyped(page, 'erika@example.org');
    await expectLatestAnswer(page, 'Stimmt das so?', 'booking summary');
    const yes = await firstConfirmButton(page);
    await clickChoice(page, yes, 'confirming the summary');
    await expectLatestAnswer(page, 'Ihr Termin ist gebucht', 'booking');
    await expectLatestAnswer(page, 'Buchungscode', 'booking');
    checkProblems(problems, 'booking by clicking');
    log(`booked by clicking at "${timeLabel}"`);
  } catch (error) {
    await failureShot(page, 'booking-click');
    throw error;
  } finally {
    await context.close();
  }
}

async function htmlInjection({ browser, base, log }) {
  const { context, page, problems } = await openPage(browser, base);
  try {
    const attack = '<img src=x onerror=alert(1)>';
    const box = textbox(page);
    await box.fill(attack);
    const before = await page.locator(ANSWERS).count();
    const answered = page.waitForResponse(isChatPost, { timeout: TIMEOUT });
    await box.press('Enter');
    await answered;
    await page.waitForFunction(([s, n]) => document.querySelectorAll(s).length > n, [ANSWERS, before]);
    await page.waitForTimeout(300);
    const citizen = page.locator('.ak-log .ak-citizen').last();
    const text = await citizen.locator('.ak-text').textContent();
    check(text === attack, `the citizen's message reads ${JSON.stringify(text)}, expected ${JSON.stringify(attack)}`);
    const whole = await citizen.textContent();
    check(whole.endsWith(attack), `the citizen's message element reads ${JSON.stringify(whole)}`);
    const injected = await page.evaluate(() =>
      Array.from(document.querySelectorAll('img')).filter((img) => img.getAttribute('src') === 'x').length);
    check(injected === 0, `found ${injected} <img src="x"> in the page`);
    check(await page.locator('.ak-root [onerror]').count() === 0, 'an element with an onerror attribute is in the widget');
    checkProblems(problems, 'HTML injection');
    log('HTML injection shown as text, no dialog');
  } catch (error) {
    await failureShot(page, 'injection');
    throw error;
  } finally {
    await context.close();
  }
}

async function keyboardBooking({ browser, base, log }) {
  const { context, page, problems } = await openPage(browser, base);
  try {
    const keyboard = page.keyboard;
    const waitAnswer = (what, act) => exchange(page, act, what);

    await tabUntil(page, isInput, 'Tab to the textarea');
    await keyboard.type('Ich brauche einen Termin für einen Reisepass');
    await waitAnswer('keyboard: the Reisepass question', () => keyboard.press('Enter'));
    await expectLatestAnswer(page, 'In welchem Bürgerbüro', 'keyboard booking');
    await expectFocusInInput(page, 'keyboard: after the first answer');

    const toMitte = await tabUntil(page, isMitte, 'Tab to "Bürgerbüro Mitte"');
    await waitAnswer('keyboard: Enter on "Bürgerbüro Mitte"', () => keyboard.press('Enter'));
    await expectLatestAnswer(page, 'Welche Zeit passt Ihnen', 'keyboard booking');
    await expectFocusInInput(page, 'keyboard: after choosing the office');

    const toTime = await tabUntil(page, isTimeButton, 'Tab to the first time button');
    await waitAnswer('keyboard: Enter on the time', () => keyboard.press('Enter'));
    await expectFocusInInput(page, 'keyboard: after choosing the time');

    await keyboard.type('Erika Mustermann');
    await waitAnswer('keyboard: the name', () => keyboard.press('Enter'));
    await expectFocusInInput(page, 'keyboard: after the name');
    await keyboard.type('erika@example.org');
    await waitAnswer('keyboard: the e-mail address', () => keyboard.press('Enter'));
    await expectLatestAnswer(page, 'Stimmt das so?', 'keyboard booking summary');

    const toYes = await tabUntil(page, isYes, 'Tab to "Ja"');
    await waitAnswer('keyboard: Enter on "Ja"', () => keyboard.press('Enter'));
    await expectLatestAnswer(page, 'Ihr Termin ist gebucht', 'keyboard booking');
    checkProblems(problems, 'keyboard booking');
    log(`booked by keyboard only (Tab presses: office ${toMitte}, time ${toTime}, confirm ${toYes})`);
  } catch (error) {
    await failureShot(page, 'keyboard');
    throw error;
  } finally {
    await context.close();
  }
}

async function arabic({ browser, base, log }) {
  const { context, page, problems } = await openPage(browser, base);
  try {
    await page.getByLabel('Sprache', { exact: true }).selectOption('ar');
    const root = page.locator('section.ak-widget');
    check(await root.getAttribute('dir') === 'rtl', `after choosing Arabic the widget's dir is "${await root.getAttribute('dir')}"`);
    const box = page.locator('section.ak-widget').getByRole('textbox');
    await box.fill('مرحبا');
    const answered = page.waitForRequest((request) => request.method() === 'POST' && new URL(request.url()).pathname === '/api/v1/chat');
    const body = await exchange(page, () => box.press('Enter'), 'sending "مرحبا"');
    const sent = (await answered).postDataJSON();
    check(sent.lang === 'ar', `the request was sent with lang ${JSON.stringify(sent.lang)}, expected "ar"`);
    check(await root.getAttribute('dir') === 'rtl', 'the widget is not dir="rtl"');
    const message = page.locator('.ak-log .ak-assistant').last();
    check(await message.getAttribute('lang') === 'ar', `the answer has lang="${await message.getAttribute('lang')}" (server said ${body.lang})`);
    check(await message.getAttribute('dir') === 'rtl', `the answer has dir="${await message.getAttribute('dir')}"`);
    const citizen = page.locator('.ak-log .ak-citizen').last();
    check(await citizen.getAttribute('lang') === 'ar' && await citizen.getAttribute('dir') === 'rtl',
      'the citizen\'s Arabic message is not lang="ar" dir="rtl"');
    await runAxe(page, 'Arabic');
    checkProblems(problems, 'Arabic');
    log('Arabic: widget dir=rtl, answer lang=ar dir=rtl, axe clean');
  } catch (error) {
    await failureShot(page, 'arabic');
    throw error;
  } finally {
    await context.close();
  }
}

async function axeCheck({ browser, base, log }) {
  const { context, page, problems } = await openPage(browser, base);
  try {
    await runAxe(page, 'empty widget');
    await sendTyped(page, 'Was kostet ein Personalausweis?');
    await page.locator('.ak-log .ak-assistant .ak-card').first().waitFor();
    const results = await runAxe(page, 'conversation with an answer card');
    checkProblems(problems, 'axe');
    log(`axe (${AXE_TAGS.join(', ')}): 0 violations, ${results.passes.length} rules passed`);
  } catch (error) {
    await failureShot(page, 'axe');
    throw error;
  } finally {
    await context.close();
  }
}

async function screenshotsAndReflow({ browser, base, screenshots, log }) {
  const shots = [
    ['widget-phone.png', { width: 390, height: 844 }],
    ['widget-desktop.png', { width: 1366, height: 900 }],
  ];
  for (const [name, viewport] of shots) {
    const { context, page, problems } = await openPage(browser, base, { viewport, deviceScaleFactor: 1 });
    try {
      await sendTyped(page, 'Was kostet ein Personalausweis?');
      await page.locator('.ak-log .ak-assistant .ak-card').first().waitFor();
      await page.waitForTimeout(400);
      const file = path.join(screenshots, name);
      await page.screenshot({ path: file, fullPage: true });
      checkProblems(problems, `screenshot ${name}`);
      log(`screenshot: ${file}`);
    } catch (error) {
      await failureShot(page, 'screenshot');
      throw error;
    } finally {
      await context.close();
    }
  }

  // 320 CSS pixels wide: a 640 px window at 200 % zoom (WCAG 1.4.10 reflow, 1.4.4 resize text).
  const { context, page, problems } = await openPage(browser, base, { viewport: { width: 320, height: 640 } });
  try {
    await sendTyped(page, 'Was kostet ein Personalausweis?');
    await page.locator('.ak-log .ak-assistant .ak-card').first().waitFor();
    await page.waitForTimeout(300);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    check(width <= 320, `at 320 px wide the page scrolls horizontally (scrollWidth ${width})`);
    const overflowing = await page.evaluate(() => {
      const out = [];
      document.querySelectorAll('.ak-root *').forEach((node) => {
        if (node.closest('.ak-sr-only') || node.closest('[hidden]') || node.tagName === 'OPTION') {
          return;
        }
        const box = node.getBoundingClientRect();
        if (box.width > 0 && (box.right > 321 || box.left < -1)) {
          out.push(`${node.tagName.toLowerCase()}.${node.className} (${Math.round(box.left)}–${Math.round(box.right)})`);
        }
      });
      return out.slice(0, 10);
    });
    check(overflowing.length === 0, `at 320 px wide these widget elements stick out: ${overflowing.join(', ')}`);
    checkProblems(problems, 'reflow at 320 px');
    log(`reflow at 320 px: scrollWidth ${width}, nothing sticks out`);
  } catch (error) {
    await failureShot(page, 'reflow');
    throw error;
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------------------------------------------------

export async function run({ browser, base, screenshots, log }) {
  base = String(base).replace(/\/+$/, '');
  screenshotDir = screenshots;
  const env = { browser, base, screenshots, log };
  const shared = {};
  const scenarios = [
    ['1 question and card', () => questionAndCard(env, shared)],
    ['3 reload keeps history', () => reloadKeepsHistory(env, shared)],
    ['2 booking by clicking', () => bookingByClicking(env)],
    ['4 HTML injection', () => htmlInjection(env)],
    ['5 keyboard-only booking', () => keyboardBooking(env)],
    ['6 Arabic', () => arabic(env)],
    ['7 axe', () => axeCheck(env)],
    ['8 screenshots and reflow', () => screenshotsAndReflow(env)],
  ];
  const failures = [];
  for (const [name, scenario] of scenarios) {
    const started = Date.now();
    try {
      await scenario();
      log(`ok   widget ${name} (${Date.now() - started} ms)`);
    } catch (error) {
      const message = error instanceof CheckFailed ? error.message : (error && error.stack) || String(error);
      if (name.startsWith('1 ') && shared.page) {
        await failureShot(shared.page, 'question');
      }
      failures.push(`${name}: ${message}`);
      log(`FAIL widget ${name}: ${message}`);
    }
  }
  if (shared.context) {
    await shared.context.close().catch(() => {});
  }
  if (failures.length) {
    throw new Error(`widget browser test: ${failures.length} scenario(s) failed:\n- ${failures.join('\n- ')}`);
  }
}
