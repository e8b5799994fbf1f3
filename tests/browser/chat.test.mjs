// The demo chat page (conf/www) in headless Chromium against a real notifyd: two pages chat, one
// loses its network while the other keeps talking, and on its return it shows every line once,
// in order. The page speaks to notifyd only through the JavaScript SDK (sdk/js).
//
// Run: cd tests/browser && npm ci && node --test
// Env: NOTIFYD, NOTIFY_PLUGIN_DIR (default: the release build), CHROMIUM (default /usr/bin/chromium).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  chatMessages, launchChromium, openChatPage, say, stateOf, transcript, waitForMessages, waitForState,
} from './harness/browser.mjs';
import { startNotifyd } from './harness/notifyd.mjs';
import { CuttableTcpProxy } from './harness/tcp_proxy.mjs';
import { pageDir } from './harness/paths.mjs';

// The browser tests' share of the project's test ports (39560-39569).
const notifydPort = 39560;
const proxyPort = 39561;
// docs/protocol.md section 8: the close code of a connection replaced by a newer one.
const replacedCloseCode = 4002;

let workDir;
let server;
let proxy;
let browser;

before(async () => {
  // The browser first: a missing `npm ci` or Chromium is then the first thing the run says.
  browser = await launchChromium();
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'notify-browser-'));
  server = await startNotifyd({ port: notifydPort, workDir });
  proxy = new CuttableTcpProxy({ listenPort: proxyPort, targetPort: notifydPort });
  await proxy.start();
}, { timeout: 30_000 });

after(async () => {
  // Each step on its own, so that one failing still lets the others release what they hold.
  await browser?.close().catch(() => {});
  await proxy?.close().catch(() => {});
  await server?.stop();
  if (workDir) {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}, { timeout: 15_000 });

// Chromium's own log line for each reconnect attempt refused while the proxy is cut: the browser
// reporting the lost network, not the page failing. Only these are tolerated, and only for the
// page whose network was cut.
const refusedReconnect = new RegExp(`^WebSocket connection to 'ws://127\\.0\\.0\\.1:${proxyPort}/pubsub' ` +
  'failed: Error in connection establishment: net::ERR_CONNECTION_REFUSED$');

// describeFailure: an async function making the message, called only on failure.
async function waitUntil(condition, timeout, describeFailure) {
  const deadline = Date.now() + timeout;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(await describeFailure());
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function unexpectedProblems(chat, tolerated = []) {
  return chat.problems.filter((problem) =>
    !(problem.kind === 'console' && tolerated.some((pattern) => pattern.test(problem.text))));
}

test('the page is a client of the SDK, with no protocol code of its own', () => {
  const app = fs.readFileSync(path.join(pageDir, 'app.js'), 'utf8');
  const html = fs.readFileSync(path.join(pageDir, 'index.html'), 'utf8');
  assert.match(app, /^import \{ Client\b[^}]*\} from '\.\/notify-client\/index\.js';$/m);
  for (const handRolled of [/new WebSocket\b/, /JSON\.stringify/, /JSON\.parse/, /notify\.json\.v1/, /['"]subscribe['"]\s*:/]) {
    assert.doesNotMatch(app, handRolled, `app.js must leave the protocol to the SDK (${handRolled})`);
  }
  assert.match(html, /<script type="module" src="app\.js"><\/script>/);
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
});

// Alice's page goes through the proxy, bob's straight to notifyd. They chat; alice's network goes
// away (`notifydNotices`: whether notifyd sees her connection end) while bob sends lines; alice
// comes back and must show every line once, in order, exactly as bob shows them.
async function chatThroughAnOutage(t, { notifydNotices, tag }) {
  const alice = await openChatPage(browser, `http://127.0.0.1:${proxyPort}/`, 'alice (behind the proxy)');
  const bob = await openChatPage(browser, `http://127.0.0.1:${notifydPort}/`, 'bob');
  try {
    await waitForState(alice, 'connected');
    await waitForState(bob, 'connected');

    // The page ran the SDK from the same static server, as an ES module.
    for (const chat of [alice, bob]) {
      const sdk = chat.loaded.find((response) => response.url.endsWith('/notify-client/index.js'));
      assert.ok(sdk, `${chat.name} did not load notify-client/index.js`);
      assert.equal(sdk.status, 200, `${chat.name}: notify-client/index.js answered ${sdk.status}`);
    }

    await say(alice, `hello from alice (${tag})`);
    await say(bob, `hello from bob (${tag})`);
    await waitForMessages(alice, [`hello from alice (${tag})`, `hello from bob (${tag})`]);
    await waitForMessages(bob, [`hello from alice (${tag})`, `hello from bob (${tag})`]);

    const connectionsBefore = proxy.connectionsSeen;
    const heldBefore = proxy.silentlyHeldCount;
    const replacedBefore = proxy.heldClosedWith(replacedCloseCode);
    await proxy.cut({ notifydNotices });
    await waitForState(alice, 'reconnecting', 5_000);
    const sentWhileAway = Array.from({ length: 8 }, (_, i) => `bob line ${i + 1} while alice is away (${tag})`);
    for (const line of sentWhileAway) {
      await say(bob, line);
    }
    await waitForMessages(bob, sentWhileAway);
    // Really away: none of those lines reached alice through a connection that survived the cut.
    const shownWhileAway = (await chatMessages(alice)).map((message) => message.text);
    assert.deepEqual(sentWhileAway.filter((line) => shownWhileAway.includes(line)), [],
      `alice (state '${await stateOf(alice)}') got lines while her network was cut`);

    if (!notifydNotices) {
      // What makes this case: notifyd still holds her old connection when the new one arrives...
      assert.equal(proxy.silentlyHeldCount, heldBefore + 1, 'the silent cut held one connection');
      assert.equal(proxy.heldClosedWith(replacedCloseCode), replacedBefore,
        'notifyd closed the silently cut connection before alice came back');
    }
    await proxy.start();
    await waitForState(alice, 'connected', 15_000);
    assert.ok(proxy.connectionsSeen > connectionsBefore, 'alice came back through the proxy');
    if (!notifydNotices) {
      // ...and closes it (4002) only because the new one took its place: a resume with overflow,
      // after which the page must recover #chat from history.
      await waitUntil(() => proxy.heldClosedWith(replacedCloseCode) === replacedBefore + 1, 5_000, async () =>
        `notifyd did not close the connection that alice's new one replaced; alice:\n` +
        `${(await transcript(alice)).join('\n')}\nnotifyd log:\n${server.logTail()}`);
    }
    const welcome = `welcome back, alice (${tag})`;
    await say(bob, welcome);
    await waitForMessages(alice, [...sentWhileAway, welcome], 10_000);

    const aliceTranscript = await transcript(alice);
    const bobTranscript = await transcript(bob);
    // In the report, so that a passing run shows what the pages showed, the reconnect included.
    t.diagnostic(`${alice.name}:`);
    aliceTranscript.forEach((line) => t.diagnostic(`  ${line}`));
    t.diagnostic(`${bob.name}:`);
    bobTranscript.forEach((line) => t.diagnostic(`  ${line}`));
    const context = `\nalice:\n${aliceTranscript.join('\n')}\nbob:\n${bobTranscript.join('\n')}\n` +
      `notifyd log:\n${server.logTail()}`;

    const aliceSaw = await chatMessages(alice);
    const bobSaw = await chatMessages(bob);
    // Every line exactly once: the offsets of #chat follow each other without gap or repeat...
    for (const [chat, saw] of [[alice, aliceSaw], [bob, bobSaw]]) {
      assert.ok(saw.every((message) => message.topic === 'chat'), `${chat.name}: a message not of #chat${context}`);
      const offsets = saw.map((message) => message.offset);
      const contiguous = offsets.map((_, i) => offsets[0] + i);
      assert.deepEqual(offsets, contiguous, `${chat.name}: offsets of #chat not contiguous${context}`);
    }
    // ...and from bob's first message on, alice shows exactly what bob shows, in the same order.
    const fromBobsStart = aliceSaw.filter((message) => message.offset >= bobSaw[0].offset);
    assert.deepEqual(fromBobsStart, bobSaw, `alice and bob disagree on #chat${context}`);
    const texts = aliceSaw.map((message) => message.text);
    for (const line of [...sentWhileAway, welcome]) {
      assert.equal(texts.filter((text) => text === line).length, 1, `alice shows '${line}' once${context}`);
    }
    assert.deepEqual(texts.filter((text) => sentWhileAway.includes(text)), sentWhileAway,
      `alice shows the lines she missed in order${context}`);
    assert.ok(aliceTranscript.includes(`info: back with the ${sentWhileAway.length} messages sent while away`),
      `alice says what she missed${context}`);

    assert.deepEqual(unexpectedProblems(alice, [refusedReconnect]), [], 'alice: console errors');
    assert.deepEqual(unexpectedProblems(bob), [], 'bob: console errors');
  } finally {
    await alice.context.close();
    await bob.context.close();
  }
}

test('a page whose connection broke resumes its session without missing a line', { timeout: 25_000 }, (t) =>
  chatThroughAnOutage(t, { notifydNotices: true, tag: 'resumed' }));

test('a page whose network vanished unnoticed recovers the lines it missed', { timeout: 25_000 }, (t) =>
  chatThroughAnOutage(t, { notifydNotices: false, tag: 'recovered' }));
