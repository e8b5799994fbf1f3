// The admin page (plugins/admin) in headless Chromium against a real notifyd running the shipped
// manifest: the page loads and goes live, its publishes chart moves when the test publishes,
// nothing logs an error; and with a token, the page asks for it and then works.
//
// Run: cd tests/browser && npm ci && node --test admin.test.mjs
// Env: NOTIFYD, NOTIFY_PLUGIN_DIR, NOTIFY_CLI (default: the release build), CHROMIUM.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

import { launchChromium, openChatPage } from './harness/browser.mjs';
import { notifydPath, testManifest } from './harness/notifyd.mjs';
import { sourceDir } from './harness/paths.mjs';

// The admin tests' share of the project's test ports (39880-39889; tests/admin uses 39880-39885).
const openPorts = { websocket: 39886, admin: 39887 };
const guardedPorts = { websocket: 39888, admin: 39889 };
const tokenVariable = 'NOTIFY_ADMIN_BROWSER_TOKEN';
const token = 'admin-browser-token-0123456789';
const notifyCliPath = process.env.NOTIFY_CLI || path.join(sourceDir, 'build', 'release', 'bin', 'notify-cli');

let browser;
let workDir;
const servers = [];

// The shipped manifest (harness/notifyd.mjs) with the admin listener moved to a test port and
// sampling every 250 ms, plus `extraAdminKeys`.
function adminManifest(ports, extraAdminKeys = '') {
  return testManifest({
    port: ports.websocket,
    adminPort: ports.admin,
    adminKeys: `sample_interval = "250ms"\n${extraAdminKeys}`,
  });
}

// True once the admin listener answers /healthz (never guarded by the token).
async function adminAnswers(port) {
  try {
    return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
  } catch {
    return false;
  }
}

async function startServer(name, ports, extraAdminKeys) {
  const dir = path.join(workDir, name);
  fs.mkdirSync(dir);
  const manifestPath = path.join(dir, 'notify.toml');
  fs.writeFileSync(manifestPath, adminManifest(ports, extraAdminKeys));
  const logPath = path.join(dir, 'notifyd.log');
  const log = fs.openSync(logPath, 'w');
  const child = spawn(notifydPath, ['--config', manifestPath], {
    stdio: ['ignore', log, log],
    env: { ...process.env, [tokenVariable]: token },
  });
  fs.closeSync(log);
  const server = { child, logTail: () => fs.readFileSync(logPath, 'utf8').split('\n').slice(-30).join('\n') };
  servers.push(server);
  const deadline = Date.now() + 10_000;
  while (!(await adminAnswers(ports.admin))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`notifyd did not serve the admin page on ${ports.admin}:\n${server.logTail()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return server;
}

async function stopServer({ child }) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function publish(port, count) {
  await promisify(execFile)(notifyCliPath,
    ['pub', `ws://127.0.0.1:${port}/pubsub`, 'chat', 'admin-page-test', '--count', String(count), '--timeout', '10'],
    { timeout: 15_000 });
}

async function waitForLive(page) {
  await page.page.waitForFunction(() => document.getElementById('status').dataset.state === 'live');
}

// A picture of the chart's pixels, to tell whether it was redrawn with other data.
function chartPixels(page, id) {
  return page.page.$eval(`#${id}`, (canvas) => canvas.toDataURL());
}

before(async () => {
  browser = await launchChromium();
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'notify-admin-browser-'));
  if (!fs.existsSync(notifyCliPath)) {
    throw new Error(`notify-cli not found at ${notifyCliPath} (NOTIFY_CLI): build it first`);
  }
}, { timeout: 30_000 });

after(async () => {
  await browser?.close().catch(() => {});
  for (const server of servers) {
    await stopServer(server);
  }
  if (workDir) {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}, { timeout: 20_000 });

test('the admin page goes live and its publishes chart moves when messages are published', { timeout: 60_000 }, async () => {
  const server = await startServer('open', openPorts);
  const admin = await openChatPage(browser, `http://127.0.0.1:${openPorts.admin}/`, 'admin');
  await waitForLive(admin);
  assert.equal(new URL(admin.page.url()).pathname, '/admin/');
  // A few samples in, so the chart has a line (flat at zero) to change from.
  await admin.page.waitForFunction(() => Number(document.getElementById('last-sample').dataset.samples) >= 3);
  const before = await chartPixels(admin, 'chart-publishes');
  const totalBefore = Number(await admin.page.$eval('#last-sample', (element) => element.dataset.publishesTotal));

  await publish(openPorts.websocket, 40);

  try {
    await admin.page.waitForFunction((total) => {
      const sample = document.getElementById('last-sample').dataset;
      const chart = document.getElementById('chart-publishes').dataset;
      return Number(sample.publishesTotal) >= total + 40 && Number(chart.peak) > 0;
    }, totalBefore, { timeout: 10_000 });
  } catch (error) {
    const sample = await admin.page.$eval('#last-sample', (element) => JSON.stringify(element.dataset));
    throw new Error(`the page did not show the 40 publishes: ${sample}\n${server.logTail()}`);
  }
  assert.notEqual(await chartPixels(admin, 'chart-publishes'), before, 'the publishes chart was not redrawn');
  // The tables are filled from the same poll.
  const nodes = await admin.page.$$eval('#nodes tbody tr', (rows) => rows.map((row) => row.textContent));
  assert.equal(nodes.length, 1, `one node expected: ${nodes}`);
  assert.match(nodes[0], /this node/);
  const transports = await admin.page.$eval('#transports', (table) => table.textContent);
  assert.match(transports, /websocket/);
  assert.deepEqual(admin.problems, [], `the page logged errors:\n${JSON.stringify(admin.problems, null, 2)}`);
  await admin.context.close();
});

test('with a token the page asks for it, keeps it for the tab and goes live', { timeout: 60_000 }, async () => {
  await startServer('guarded', guardedPorts, `token_env = "${tokenVariable}"\n`);
  const admin = await openChatPage(browser, `http://127.0.0.1:${guardedPorts.admin}/admin/`, 'admin-token');
  await admin.page.waitForFunction(() => document.getElementById('status').dataset.state === 'token');
  assert.equal(await admin.page.isVisible('#token-form'), true);
  await admin.page.fill('#token', 'not-the-token-at-all');
  await admin.page.press('#token', 'Enter');
  await admin.page.waitForFunction(() => document.getElementById('token-error').textContent === 'that token was refused');
  await admin.page.fill('#token', token);
  await admin.page.press('#token', 'Enter');
  await waitForLive(admin);
  assert.equal(await admin.page.isVisible('#token-form'), false);
  assert.equal(await admin.page.evaluate(() => sessionStorage.getItem('notify-admin-token')), token);
  // Chromium reports each refused fetch itself; the page must log nothing else.
  const refused = /^Failed to load resource: the server responded with a status of 401 \(Unauthorized\)$/;
  const unexpected = admin.problems.filter((problem) => !(problem.kind === 'console' && refused.test(problem.text)));
  assert.deepEqual(unexpected, [], `the page logged errors:\n${JSON.stringify(unexpected, null, 2)}`);
  await admin.context.close();
});
