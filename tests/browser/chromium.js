// chromium.js — the one way the browser tests start Chromium: Debian's /usr/bin/chromium
// (or $CHROMIUM), headless, with the background services that would try the network off.
import { chromium } from 'playwright-core';

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
}

/** Collects what a page reports going wrong (console errors, uncaught errors, failed
 * requests, HTTP errors) into `problems`; allow404 lets a test provoke a 404 on purpose. */
export function watchPage(page, problems, { allow404 = false } = {}) {
  page.on('console', (m) => { if (m.type() === 'error' && !(allow404 && /404/.test(m.text()))) problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => { if (r.status() >= 400 && !allow404) problems.push(`HTTP ${r.status()} ${r.url()}`); });
}

/** The browser suites' runner: test(name, fn) prints "ok" or "not ok" with the error; a
 * test that left problems (see watchPage) fails; finish() prints "<suite>: N passed, N failed"
 * and exits non-zero if any failed. */
export function runner(suite) {
  let passed = 0;
  let failed = 0;
  return {
    async test(name, fn, problems = []) {
      try {
        await fn();
        if (problems.length) throw new Error(problems.join('\n'));
        passed++;
        console.log(`ok      ${name}`);
      } catch (err) {
        failed++;
        console.log(`not ok  ${name}\n  ${String(err.stack || err).split('\n').join('\n  ')}`);
      }
    },
    finish() {
      console.log(`${suite}: ${passed} passed, ${failed} failed`);
      process.exit(failed ? 1 : 0);
    },
  };
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}
