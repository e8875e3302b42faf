// Runs the browser tests of the widget and the agent console against a running server, in Debian's
// chromium driven by playwright-core. Called by tests/browser.rs with the server's address:
//   BASE=http://127.0.0.1:PORT AGENT_NAME=... AGENT_PASSWORD=... SCREENSHOTS=DIR node run.mjs
import { chromium } from 'playwright-core';
import * as widget from './widget.test.mjs';
import * as agent from './agent.test.mjs';

const base = process.env.BASE;
const screenshots = process.env.SCREENSHOTS;
const account = { name: process.env.AGENT_NAME, password: process.env.AGENT_PASSWORD };
if (!base || !screenshots || !account.name || !account.password) {
  console.error('run.mjs needs BASE, SCREENSHOTS, AGENT_NAME and AGENT_PASSWORD');
  process.exit(2);
}
const log = (line) => console.log(line);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/lib/chromium/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failed = 0;
for (const [name, suite, options] of [
  ['widget', widget, { browser, base, screenshots, log }],
  ['agent console', agent, { browser, base, screenshots, agent: account, log }],
]) {
  const started = Date.now();
  try {
    await suite.run(options);
    log(`ok: ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    failed += 1;
    console.error(`FAILED: ${name}: ${error && error.stack ? error.stack : error}`);
  }
}
await browser.close();
process.exit(failed ? 1 : 0);
