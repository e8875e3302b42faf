// Browser test of the agent console (/agent) against the real server: login, knowledge search with its
// latency, the service detail and the copied answer, a live handoff with the citizen widget, the editors'
// tables, axe-core WCAG 2.1 AA checks and a screenshot.
//
// Contract with adapters/web/assets/agent.js (both written together): after rendering search results,
// agent.js sets on the results list #results `data-query` (the query rendered) and `data-rendered-at`
// (performance.now() right after rendering). The test records performance.now() in its own 'input' listener
// and compares the two clocks of the same page.

import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { readFile } from 'node:fs/promises';

const AXE_PATH = fileURLToPath(new URL('./node_modules/axe-core/axe.min.js', import.meta.url));
const WAIT = 10_000;
const SEARCH_QUERY = 'Personalausweis';
const MAX_SEARCH_MS = 100;
const HANDOFF_TEXT = 'Ich möchte mit einem Mitarbeiter sprechen';
const AGENT_REPLY = 'Guten Tag, hier ist das Bürgertelefon. Wie kann ich helfen?';
const CITIZEN_FOLLOW_UP = 'Danke, ich brauche eine Meldebescheinigung';

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function within(promise, message) {
  try {
    return await promise;
  } catch (error) {
    throw new Error(`${message}: ${error && error.message ? error.message.split('\n')[0] : error}`);
  }
}

let axeSource = null;

async function runAxe(page, where) {
  const loaded = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!loaded) {
    // page.addScriptTag({path}) inserts an inline <script>, which the page's content security policy
    // (script-src 'self') refuses; evaluating the source through the DevTools protocol is not subject to it.
    axeSource = axeSource || (await readFile(AXE_PATH, 'utf8'));
    await page.evaluate(axeSource);
    check(await page.evaluate(() => typeof window.axe !== 'undefined'), 'axe-core could not be injected');
  }
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return {
      violations: r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.map((n) => n.target.join(' ')),
      })),
      passes: r.passes.length,
      incomplete: r.incomplete.map((v) => v.id),
    };
  });
  if (result.violations.length) {
    const lines = result.violations.map(
      (v) => `  - ${v.id} (${v.impact}): ${v.help}\n      ${v.targets.join('\n      ')}`,
    );
    throw new Error(`axe found ${result.violations.length} WCAG violation(s) on ${where}:\n${lines.join('\n')}`);
  }
  return result;
}

/** Calls `condition` every 100 ms until it returns true; throws `message` after `timeout` ms. */
async function pollUntil(condition, message, timeout = WAIT) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Fails when the console shows an error alert. */
async function noAlert(page, where) {
  const text = (await page.locator('#error').textContent()) || '';
  check(!text.trim(), `${where}: the console shows an error: ${text.trim()}`);
}

/** The citizen widget's message box; opens the widget first if it starts closed behind a launcher. */
async function citizenInput(page) {
  const input = page.getByLabel('Ihre Nachricht', { exact: true });
  try {
    await input.first().waitFor({ state: 'visible', timeout: 3000 });
    return input.first();
  } catch {
    /* maybe behind a launcher button */
  }
  const launchers = [
    page.locator('button[aria-expanded="false"]'),
    page.getByRole('button', { name: /chat|frage|hilfe|auskunft|assistent/i }),
  ];
  for (const launcher of launchers) {
    if ((await launcher.count()) > 0 && (await launcher.first().isVisible())) {
      await launcher.first().click();
      try {
        await input.first().waitFor({ state: 'visible', timeout: 3000 });
        return input.first();
      } catch {
        /* try the next one */
      }
    }
  }
  await within(input.first().waitFor({ state: 'visible', timeout: WAIT }), 'citizen page: no textarea labelled "Ihre Nachricht"');
  return input.first();
}

async function citizenSays(page, text) {
  const input = await citizenInput(page);
  await input.click();
  await input.fill('');
  await page.keyboard.type(text, { delay: 5 });
  await page.keyboard.press('Enter');
}

export async function run({ browser, base, screenshots, agent, log }) {
  check(agent && agent.name && agent.password, 'agent: {name, password} is required');
  const origin = new URL(base).origin;
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'de-DE' });
  const problems = [];
  let citizenContext = null;
  try {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      const text = message.text();
      if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(text)) {
        problems.push(`CSP: ${text}`);
      }
    });

    // ---------------------------------------------------------------- 1. login
    const response = await page.goto(base + '/agent', { waitUntil: 'domcontentloaded' });
    check(response && response.ok(), `GET /agent answered ${response && response.status()}`);
    const csp = response.headers()['content-security-policy'] || '';
    check(/default-src 'self'/.test(csp), `GET /agent has no content security policy (got "${csp}")`);
    const loginForm = page.locator('#login-form');
    await within(loginForm.waitFor({ state: 'visible' }), 'the login form does not appear');
    await page.getByLabel('Name', { exact: true }).fill(agent.name);
    await page.getByLabel('Passwort', { exact: true }).fill(agent.password + '-falsch');
    await page.getByRole('button', { name: 'Anmelden' }).click();
    const loginAlert = page.locator('#login-form [role="alert"]');
    await within(
      page.waitForFunction(() => {
        const alert = document.querySelector('#login-form [role="alert"]');
        return alert && alert.textContent.trim().length > 0;
      }),
      'a wrong password shows no alert',
    );
    const alertText = (await loginAlert.textContent()).trim();
    check(await loginForm.isVisible(), 'after a wrong password the login form is gone');
    check(!(await page.locator('#console-view').isVisible()), 'a wrong password opened the console');
    const focusInForm = await page.evaluate(() => !!document.activeElement && !!document.activeElement.closest('#login-form'));
    check(focusInForm, 'after a wrong password the focus left the login form');
    log(`login: wrong password shows "${alertText}"`);

    await runAxe(page, 'the login view (after a failed login)');
    log('axe: login view has no WCAG 2.1 A/AA violations');

    await page.getByLabel('Passwort', { exact: true }).fill(agent.password);
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await within(page.locator('#console-view').waitFor({ state: 'visible' }), 'login with the right password fails');
    const shownName = ((await page.locator('header #agent-name').textContent()) || '').trim();
    check(shownName === agent.name, `the header shows "${shownName}", not the agent's name "${agent.name}"`);
    const headerText = await page.locator('header').innerText();
    check(headerText.includes('Auskunft – Agentenkonsole'), 'the header lacks "Auskunft – Agentenkonsole"');
    check(await page.getByRole('button', { name: 'Abmelden' }).isVisible(), 'no "Abmelden" button');
    log(`login: header shows "${shownName}"`);

    // --------------------------------------------------------------- 2. search
    await page.locator('#tab-search').focus();
    await page.keyboard.press('/');
    const focusedId = await page.evaluate(() => document.activeElement && document.activeElement.id);
    check(focusedId === 'search-input', `"/" did not focus the search input (focus is on #${focusedId})`);
    const searchValue = await page.locator('#search-input').inputValue();
    check(searchValue === '', `"/" was typed into the search input ("${searchValue}")`);
    const label = await page.evaluate(() => {
      const input = document.activeElement;
      return input.labels && input.labels[0] ? input.labels[0].textContent.trim() : '';
    });
    check(label === 'Suche in der Wissensdatenbank', `the search input's label is "${label}"`);

    await page.evaluate(() => {
      window.__agentTest = { lastInput: 0, inputs: 0 };
      document.getElementById('search-input').addEventListener('input', () => {
        window.__agentTest.lastInput = performance.now();
        window.__agentTest.inputs += 1;
      });
    });
    await page.keyboard.type(SEARCH_QUERY, { delay: 20 });
    await within(
      page.waitForFunction(
        (query) => {
          const list = document.getElementById('results');
          return (
            list.dataset.query === query &&
            Number(list.dataset.renderedAt) >= window.__agentTest.lastInput &&
            list.querySelector('button') !== null
          );
        },
        SEARCH_QUERY,
        { timeout: WAIT },
      ),
      `no results for "${SEARCH_QUERY}"`,
    );
    const timing = await page.evaluate(() => {
      const list = document.getElementById('results');
      return {
        renderedAt: Number(list.dataset.renderedAt),
        lastInput: window.__agentTest.lastInput,
        inputs: window.__agentTest.inputs,
        status: document.getElementById('search-status').textContent.trim(),
        titles: Array.from(list.querySelectorAll('.result-title')).map((t) => t.textContent),
        marks: list.querySelectorAll('mark').length,
        buttons: list.querySelectorAll('button').length,
        statusRole: document.getElementById('search-status').getAttribute('role'),
      };
    });
    const latency = timing.renderedAt - timing.lastInput;
    check(timing.inputs === SEARCH_QUERY.length, `expected ${SEARCH_QUERY.length} input events, saw ${timing.inputs}`);
    check(
      timing.titles.some((t) => t.includes(SEARCH_QUERY)),
      `no result title contains "${SEARCH_QUERY}": ${JSON.stringify(timing.titles)}`,
    );
    check(timing.marks > 0, 'the results contain no <mark> highlight');
    check(timing.statusRole === 'status', 'the search status is not a role="status" element');
    const statusMatch = /^(\d+) Treffer in (\d+(?:[.,]\d+)?) ms$/.exec(timing.status);
    check(statusMatch, `the search status reads "${timing.status}", not "N Treffer in X ms"`);
    check(Number(statusMatch[1]) === timing.buttons, `the status says ${statusMatch[1]} hits but ${timing.buttons} are shown`);
    log(`search: "${timing.status}" (console's own measure); test's measure from the last keystroke to the rendered list: ${latency.toFixed(1)} ms`);
    check(latency >= 0 && latency < MAX_SEARCH_MS, `search took ${latency.toFixed(1)} ms from the last keystroke to the rendered results (limit ${MAX_SEARCH_MS} ms)`);

    await page.keyboard.press('ArrowDown');
    const onFirst = await page.evaluate(() => document.activeElement === document.querySelector('#results button'));
    check(onFirst, 'ArrowDown from the search input does not focus the first result');
    const firstTitle = ((await page.locator('#results .result-title').first().textContent()) || '').trim();
    await page.keyboard.press('Enter');
    const heading = page.locator('#detail h2');
    await within(
      page.waitForFunction((title) => {
        const h = document.querySelector('#detail h2');
        const detail = document.getElementById('detail');
        return detail && !detail.hidden && h && h.textContent.trim() === title;
      }, firstTitle),
      `Enter on the first result does not show its detail ("${firstTitle}")`,
    );
    const headingText = (await heading.textContent()).trim();
    const answerArea = page.getByLabel('Antworttext', { exact: true });
    const answerText = await answerArea.inputValue();
    check(answerText.trim().length > 0, 'the "Antworttext" textarea is empty');
    check(answerText.includes(headingText), 'the "Antworttext" does not name the service');
    check(await answerArea.evaluate((a) => a.readOnly), 'the "Antworttext" textarea is not read-only');
    log(`search: detail "${headingText}", answer text ${answerText.length} characters`);

    await page.getByRole('button', { name: 'Antworttext kopieren' }).click();
    await within(
      page.waitForFunction(() => /kopiert/.test(document.getElementById('copy-status').textContent)),
      'after "Antworttext kopieren" the status does not say "kopiert"',
    );
    const copyStatus = (await page.locator('#copy-status').textContent()).trim();
    const clipboard = await page.evaluate(() => navigator.clipboard.readText().catch((e) => `(unreadable: ${e.message})`));
    check(clipboard === answerText, `the clipboard does not hold the answer text (it holds ${JSON.stringify(clipboard.slice(0, 80))})`);
    log(`search: copy announces "${copyStatus}"; clipboard holds the answer text`);

    await runAxe(page, 'the console with search results and a detail open');
    log('axe: console (search results + detail) has no WCAG 2.1 A/AA violations');

    // ------------------------------------------------------------ 6. screenshot
    const shot = path.join(screenshots, 'agent-console.png');
    await page.screenshot({ path: shot, fullPage: false });
    log(`screenshot: ${shot}`);

    // Escape in the detail returns to the list.
    await page.locator('#detail h2').focus();
    await page.keyboard.press('Escape');
    const backInList = await page.evaluate(() => !!document.activeElement && !!document.activeElement.closest('#results'));
    check(backInList, 'Escape in the detail does not return the focus to the results');
    await noAlert(page, 'search');

    // ------------------------------------------------- 3. live handoff to a person
    citizenContext = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'de-DE' });
    const citizen = await citizenContext.newPage();
    citizen.setDefaultTimeout(WAIT);
    citizen.on('pageerror', (error) => problems.push(`citizen page error: ${error.message}`));
    await citizen.goto(base + '/', { waitUntil: 'domcontentloaded' });
    // Answers that mention 115 or "Mitarbeiter" other than the citizen's own words.
    const answerLocator = citizen
      .getByText(/115|Mitarbeiter/)
      .filter({ hasNotText: HANDOFF_TEXT });
    await citizenInput(citizen);
    await citizen.waitForTimeout(300); // let a greeting settle before counting
    const before = await answerLocator.count();
    await citizenSays(citizen, HANDOFF_TEXT);
    await pollUntil(
      async () => (await answerLocator.count()) > before,
      'the citizen widget shows no answer with "115" or "Mitarbeiter" within 10 s after asking for a person',
    );
    log('handoff: the citizen asked for a person and got the handoff answer');

    await page.locator('#tab-queue').click();
    check((await page.locator('#tab-queue').getAttribute('aria-selected')) === 'true', 'the "Warteschlange" tab is not selected after a click');
    const ourItem = async () => {
      const items = page.locator('#queue-list > li');
      const n = await items.count();
      let fallback = null;
      for (let i = n - 1; i >= 0; i -= 1) {
        const item = items.nth(i);
        const text = await item.innerText();
        if (text.includes(HANDOFF_TEXT) && !/übernommen von/.test(text)) return item;
        if (!fallback) fallback = item;
      }
      return fallback;
    };
    let item = null;
    await pollUntil(async () => (item = await ourItem()) !== null, 'no conversation appears in the queue within 10 s');
    const queueBadge = ((await page.locator('#queue-count').textContent()) || '').trim();
    const itemText = (await item.innerText()).replace(/\s+/g, ' ');
    log(`handoff: queue shows "${itemText}" (tab badge ${queueBadge})`);
    check(/hat nach einer Person gefragt|Bot kam nicht weiter/.test(itemText), `the queue item gives no reason: "${itemText}"`);
    await item.getByRole('button', { name: 'Öffnen' }).click();
    const conversation = page.locator('#conversation');
    await within(conversation.waitFor({ state: 'visible' }), '"Öffnen" shows no conversation');
    await within(
      page.locator('#conv-entries').getByText(HANDOFF_TEXT).first().waitFor({ state: 'visible' }),
      `the conversation's history lacks "${HANDOFF_TEXT}"`,
    );
    const key = {
      channel: await conversation.getAttribute('data-channel'),
      conversation: await conversation.getAttribute('data-conversation'),
    };
    const historyText = await page.locator('#conv-entries').innerText();
    check(/Bürger\/in/.test(historyText), 'the history does not label the citizen\'s entries "Bürger/in"');
    await page.getByRole('button', { name: 'Übernehmen' }).click();
    const reply = page.getByLabel('Antwort an die Bürgerin/den Bürger', { exact: true });
    await within(reply.waitFor({ state: 'visible' }), 'after "Übernehmen" there is no reply box');
    await noAlert(page, 'take over');
    await reply.fill(AGENT_REPLY);
    await page.getByRole('button', { name: 'Senden', exact: true }).click();
    await within(
      page.locator('#conv-entries').getByText(AGENT_REPLY).first().waitFor({ state: 'visible' }),
      'the sent reply does not appear in the agent\'s view of the conversation',
    );
    await noAlert(page, 'send');
    await within(
      citizen.locator('.ak-agent', { hasText: AGENT_REPLY }).first().waitFor({ state: 'visible', timeout: WAIT }),
      'the agent\'s reply does not reach the citizen widget (.ak-agent) within 10 s',
    );
    log('handoff: the agent took over and the reply reached the citizen live');

    await citizenSays(citizen, CITIZEN_FOLLOW_UP);
    await within(
      page.locator('#conv-entries').getByText(CITIZEN_FOLLOW_UP).first().waitFor({ state: 'visible', timeout: WAIT }),
      'the citizen\'s follow-up does not appear in the agent\'s conversation within 10 s',
    );
    log('handoff: the citizen\'s follow-up reached the agent');

    await runAxe(page, 'the queue with an open conversation');
    log('axe: queue with an open conversation has no WCAG 2.1 A/AA violations');

    await page.getByRole('button', { name: 'An Bot zurückgeben' }).click();
    await within(
      page.waitForFunction(
        ({ channel, conversation: id }) =>
          !Array.from(document.querySelectorAll('#queue-list > li')).some(
            (li) => li.dataset.channel === channel && li.dataset.conversation === id,
          ),
        key,
      ),
      'after "An Bot zurückgeben" the conversation is still in the queue',
    );
    check(!(await conversation.isVisible()), 'after "An Bot zurückgeben" the conversation stays open');
    await noAlert(page, 'release');
    log('handoff: released to the bot; the conversation left the queue');

    // ------------------------------------------------------------ 4. Redaktion
    await page.locator('#tab-feedback').click();
    await within(
      page.getByRole('table', { name: 'Unbeantwortete Fragen' }).waitFor({ state: 'visible' }),
      'no table "Unbeantwortete Fragen"',
    );
    await within(
      page.getByRole('table', { name: 'Negativ bewertete Antworten' }).waitFor({ state: 'visible' }),
      'no table "Negativ bewertete Antworten"',
    );
    await within(
      page.waitForFunction(() => document.querySelector('#table-unanswered tbody tr') !== null),
      'the feedback tables stay empty (no answer from /api/v1/agent/feedback?)',
    );
    await noAlert(page, 'Redaktion');
    const rows = await page.evaluate(() => ({
      unanswered: document.querySelectorAll('#table-unanswered tbody tr:not(.empty-row)').length,
      ratedDown: document.querySelectorAll('#table-rated-down tbody tr:not(.empty-row)').length,
    }));
    log(`Redaktion: ${rows.unanswered} unanswered question(s), ${rows.ratedDown} answer(s) rated down in 7 days`);
    await runAxe(page, 'the Redaktion tab');
    log('axe: Redaktion tab has no WCAG 2.1 A/AA violations');

    // Logout returns to the login.
    await page.getByRole('button', { name: 'Abmelden' }).click();
    await within(loginForm.waitFor({ state: 'visible' }), '"Abmelden" does not return to the login');

    check(!problems.length, `the pages reported problems:\n  ${problems.join('\n  ')}`);
    log('agent console: all checks passed');
  } finally {
    if (citizenContext) await citizenContext.close().catch(() => {});
    await context.close().catch(() => {});
  }
}
