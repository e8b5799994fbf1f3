// Exactly-once, in-order delivery while the subscriber's connections are cut again and again
// (a proxy destroys them without a close handshake, as a broken network does): every message
// of the publisher arrives exactly once and in order, through resumes, session buffers,
// in-flight losses and recoveries with `since`.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Notifyd, manifest, websocketTransport, sleep } from '../test-support/notifyd.js';
import { DroppingProxy } from '../test-support/proxy.js';
import { newClient, connected, recorder } from '../test-support/client.js';

const SERVER_PORT = 39533;
const PROXY_PORT = 39534;
const COUNT = 400;
const DROPS = 8;

const server = new Notifyd(manifest('[topics]\nhistory_size = 1000\n[[auth]]\nplugin = "anonymous"\n' + websocketTransport(SERVER_PORT)), [SERVER_PORT]);
const proxy = new DroppingProxy(PROXY_PORT, SERVER_PORT);
const clients = [];

after(async () => {
  for (const c of clients) c.disconnect();
  await proxy.stop();
  await server.stop();
});

test(`${COUNT} messages arrive exactly once and in order across ${DROPS} connection drops`, async (t) => {
  await server.start();
  await proxy.start();
  const subscriber = newClient({ url: `ws://127.0.0.1:${PROXY_PORT}/pubsub` });
  const publisher = newClient({ url: `ws://127.0.0.1:${SERVER_PORT}/pubsub` });
  clients.push(subscriber, publisher);
  let reconnects = 0;
  subscriber.on('connected', () => { reconnects += 1; });
  await connected(subscriber);
  await connected(publisher);
  const record = recorder();
  // Starting from a known position makes even the first messages recoverable.
  const start = await publisher.publish('numbers', 'start');
  subscriber.subscribe('numbers', { ...record.handlers, since: start });
  await subscriber.ping();

  const publishing = (async () => {
    for (let n = 1; n <= COUNT; n++) {
      await publisher.publish('numbers', String(n));
      if (n % 10 === 0) await sleep(5);
    }
  })();
  const dropping = (async () => {
    for (let i = 0; i < DROPS; i++) {
      await sleep(40 + Math.random() * 120);
      proxy.dropAll();
    }
  })();
  await Promise.all([publishing, dropping]);
  await record.waitForMessages(COUNT, 20000);
  await sleep(200); // a duplicate would arrive late
  const numbers = record.messages.map((m) => Number(m.data));
  assert.deepEqual(numbers, Array.from({ length: COUNT }, (_, i) => i + 1));
  const offsets = record.messages.map((m) => m.offset);
  assert.deepEqual(offsets, Array.from({ length: COUNT }, (_, i) => start.offset + 1 + i));
  assert.deepEqual(record.errors, []);
  assert.ok(reconnects >= 2, `the subscriber reconnected (${reconnects} connects)`);
  t.diagnostic(`connects ${reconnects}, recoveries ${JSON.stringify(record.recovered)}`);
  assert.ok(record.recovered.every((r) => r.recovered), JSON.stringify(record.recovered));
});
