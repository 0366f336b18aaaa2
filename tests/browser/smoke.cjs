// Browser test: loads the release build (dist/) in real headless Chromium and drives
// the first page: a command typed at #command, and a manifest applied with #apply.
//
//   node tests/browser/smoke.cjs [DIST]     (scripts/test.sh runs it)
//
// Chromium: $KUBEPLAY_CHROMIUM, else chromium, chromium-browser or google-chrome on PATH.
// playwright-core comes from the cache that scripts/setup.sh fills (NODE_PATH); it
// downloads no browser.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { serve } = require('./static-server.cjs');

const DIST = path.resolve(process.argv[2] || path.join(__dirname, '..', '..', 'dist'));
const TIMEOUT_MS = 30_000;

function findChromium() {
  if (process.env.KUBEPLAY_CHROMIUM) return process.env.KUBEPLAY_CHROMIUM;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
    } catch {}
  }
  return null;
}

/** The text the terminal shows after the last echo of `command`, or null when absent. */
async function outputAfter(page, command) {
  const text = await page.textContent('#terminal');
  const echo = `$ ${command}\n`;
  const at = text.lastIndexOf(echo);
  return at < 0 ? null : text.slice(at + echo.length);
}

/** Waits until the terminal shows `$ command` followed by non-empty output. */
async function waitForOutput(page, command) {
  await page.waitForFunction(
    (echo) => {
      const text = document.querySelector('#terminal')?.textContent ?? '';
      const at = text.lastIndexOf(echo);
      return at >= 0 && text.slice(at + echo.length).trim().length > 0;
    },
    `$ ${command}\n`,
    { timeout: TIMEOUT_MS },
  );
  return outputAfter(page, command);
}

const MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
`;

const tests = [
  ['the page mounts and replaces the loading text', async (page) => {
    await page.waitForSelector('#command', { timeout: TIMEOUT_MS });
    for (const id of ['#terminal', '#manifest', '#apply']) {
      if (!(await page.$(id))) throw new Error(`${id} is missing`);
    }
    if (await page.$('.loading')) throw new Error('the loading text is still shown');
  }],
  ['a command typed at #command prints its echo and output', async (page) => {
    const command = 'kubectl version';
    await page.fill('#command', command);
    await page.press('#command', 'Enter');
    const out = await waitForOutput(page, command);
    console.log(`  output: ${JSON.stringify(out.trim().slice(0, 200))}`);
    if (!/Client Version: v1\.33\.\d+/.test(out) || !/Server Version: v1\.33\.\d+/.test(out)) {
      throw new Error(`unexpected kubectl version output: ${JSON.stringify(out)}`);
    }
    if ((await page.inputValue('#command')) !== '') throw new Error('#command was not cleared');
  }],
  ['a manifest applied with #apply prints the apply echo and output', async (page) => {
    await page.fill('#manifest', MANIFEST);
    await page.click('#apply');
    const out = await waitForOutput(page, 'kubectl apply -f manifest.yaml');
    console.log(`  output: ${JSON.stringify(out.trim().slice(0, 200))}`);
    if (out.trim() !== 'deployment.apps/web created') {
      throw new Error(`unexpected apply output: ${JSON.stringify(out)}`);
    }
    // The object is in the store: the same interpreter lists it.
    await page.fill('#command', 'kubectl get deploy web -o name');
    await page.press('#command', 'Enter');
    const listed = await waitForOutput(page, 'kubectl get deploy web -o name');
    if (listed.trim() !== 'deployment.apps/web') {
      throw new Error(`unexpected get output: ${JSON.stringify(listed)}`);
    }
  }],
  ['kubectl get -w streams rows as the clock runs, until Ctrl+C', async (page) => {
    // The Deployment applied above: its pods go from ContainerCreating to Running
    // while the watch is open (the clock runs with the wall clock).
    const command = 'kubectl get pods -w';
    await page.fill('#command', command);
    await page.press('#command', 'Enter');
    await page.waitForFunction(
      (echo) => {
        const text = document.querySelector('#terminal')?.textContent ?? '';
        const out = text.slice(text.lastIndexOf(echo) + echo.length);
        return /Running/.test(out);
      },
      `$ ${command}\n`,
      { timeout: TIMEOUT_MS },
    );
    await page.press('#command', 'Control+c');
    await page.waitForFunction(
      () => (document.querySelector('#terminal')?.textContent ?? '').endsWith('^C\n'),
      null,
      { timeout: TIMEOUT_MS },
    );
    const out = await outputAfter(page, command);
    console.log(`  output: ${JSON.stringify(out.slice(0, 300))}`);
    if (!/^NAME +READY +STATUS +RESTARTS +AGE\n/.test(out)) {
      throw new Error(`no table header: ${JSON.stringify(out)}`);
    }
    // The clock stopped with the stream: nothing more is appended.
    await page.waitForTimeout(1000);
    if ((await outputAfter(page, command)) !== out) throw new Error('output grew after Ctrl+C');
  }],
];

async function main() {
  if (!fs.existsSync(path.join(DIST, 'index.html'))) {
    throw new Error(`${DIST}/index.html not found: run \`trunk build --release\` first`);
  }
  const executablePath = findChromium();
  if (!executablePath) {
    throw new Error('Chromium not found: install it with `sudo apt-get install -y chromium chromium-driver` (or set KUBEPLAY_CHROMIUM)');
  }
  let chromium;
  try {
    ({ chromium } = require('playwright-core'));
  } catch {
    throw new Error('playwright-core not found: run scripts/setup.sh (it installs it and sets NODE_PATH)');
  }

  const server = await serve(DIST);
  const url = `http://127.0.0.1:${server.address().port}/`;
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubeplay-chromium-'));
  let context;
  let passed = 0;
  let failed = 0;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      timeout: TIMEOUT_MS,
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    });
    const page = context.pages()[0] || (await context.newPage());
    const errors = [];
    page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
    page.on('response', (r) => { if (r.status() >= 400) errors.push(`HTTP ${r.status()} for ${r.url()}`); });
    page.on('console', (m) => { if (m.type() === 'error') errors.push(`console error: ${m.text()}`); });
    console.log(`browser: ${path.basename(executablePath)} ${context.browser()?.version() ?? ''} on ${url}`);
    await page.goto(url, { timeout: TIMEOUT_MS });

    for (const [name, run] of tests) {
      const before = errors.length;
      try {
        await run(page);
        if (errors.length > before) throw new Error(errors.slice(before).join('\n'));
        passed += 1;
        console.log(`ok   ${name}`);
      } catch (e) {
        failed += 1;
        console.log(`FAIL ${name}\n  ${String(e && e.message || e).split('\n').join('\n  ')}`);
        const terminal = await page.textContent('#terminal').catch(() => null);
        if (terminal !== null) console.log(`  #terminal:\n${terminal.replace(/^/gm, '    | ')}`);
      }
    }
  } finally {
    if (context) await context.close().catch(() => {});
    server.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
  console.log(`browser: ${passed} passed, ${failed} failed`);
  return failed === 0;
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (e) => {
    console.error(`browser test failed: ${e && e.message || e}`);
    process.exit(1);
  },
);
