// Client keepalive: a connection that died silently (a network dropping packets: no close, no
// RST) is noticed by the ping the client sends after pingInterval ms without traffic, unanswered
// within pingTimeout; the client then reconnects and recovers every message exactly once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Notifyd, manifest, websocketTransport, sleep } from '../test-support/notifyd.js';
import { FreezingProxy } from '../test-support/proxy.js';
import { newClient, connected, recorder, nextEvent } from '../test-support/client.js';

const SERVER_PORT = 39570;
const PROXY_PORT = 39571;
const PING_INTERVAL = 400;
const PING_TIMEOUT = 600;
const MAX_RECONNECT_DELAY = 200;
const SLACK = 400; // timers under a loaded test run
const COUNT = 60;

let server;
let proxy;
const clients = [];

before(async () => {
  server = await new Notifyd(manifest('[topics]\nhistory_size = 1000\n[[auth]]\nplugin = "anonymous"\n' +
    websocketTransport(SERVER_PORT)), [SERVER_PORT]).start();
  proxy = new FreezingProxy(PROXY_PORT, SERVER_PORT);
  await proxy.start();
});

after(async () => {
  for (const c of clients) c.disconnect();
  await proxy?.stop();
  await server?.stop();
});

test('keepalive options are checked', () => {
  assert.throws(() => newClient({ url: 'ws://127.0.0.1:1/x', pingInterval: -1 }), /pingInterval/);
  assert.throws(() => newClient({ url: 'ws://127.0.0.1:1/x', pingTimeout: 'soon' }), /pingTimeout/);
});

test('a silently dead connection is detected by ping and recovered exactly once', async (t) => {
  const subscriber = newClient({
    url: `ws://127.0.0.1:${PROXY_PORT}/pubsub`,
    pingInterval: PING_INTERVAL,
    pingTimeout: PING_TIMEOUT,
    maxReconnectDelay: MAX_RECONNECT_DELAY,
  });
  const publisher = newClient({ url: `ws://127.0.0.1:${SERVER_PORT}/pubsub` });
  clients.push(subscriber, publisher);
  const disconnects = [];
  subscriber.on('disconnected', (info) => disconnects.push(info));
  const first = await connected(subscriber);
  await connected(publisher);
  const record = recorder();
  const start = await publisher.publish('beats', 'start');
  subscriber.subscribe('beats', { ...record.handlers, since: start });
  await subscriber.ping();

  // Idle but healthy: the pings are answered, the connection stays.
  await sleep(PING_INTERVAL * 2 + PING_TIMEOUT);
  assert.deepEqual(disconnects, [], 'a healthy idle connection was kept');
  assert.equal(proxy.connections, 1);

  let frozenAt = 0;
  const lost = nextEvent(subscriber, 'disconnected');
  const back = nextEvent(subscriber, 'connected');
  const publishing = (async () => {
    for (let n = 1; n <= COUNT; n++) {
      await publisher.publish('beats', String(n));
      if (n === 10) {
        await record.waitForMessages(10);
        proxy.freezeAll();
        frozenAt = Date.now();
      }
      await sleep(10);
    }
  })();
  const lostInfo = await lost;
  const detectedAfter = Date.now() - frozenAt;
  const again = await back;
  const reconnectedAfter = Date.now() - frozenAt;
  await publishing;
  await record.waitForMessages(COUNT);
  await sleep(100); // a duplicate would come late

  t.diagnostic(`detected after ${detectedAfter} ms, connected again after ${reconnectedAfter} ms; ${JSON.stringify(lostInfo)}`);
  assert.equal(lostInfo.code, 1006);
  assert.match(lostInfo.reason, /no reply to ping within 600 ms/);
  assert.equal(lostInfo.reconnect, true);
  assert.ok(detectedAfter <= PING_INTERVAL + PING_TIMEOUT + SLACK, `detected after ${detectedAfter} ms`);
  assert.ok(reconnectedAfter <= PING_INTERVAL + PING_TIMEOUT + MAX_RECONNECT_DELAY + SLACK, `reconnected after ${reconnectedAfter} ms`);
  assert.equal(again.clientId, first.clientId);
  assert.equal(again.resumed, true);
  assert.equal(proxy.connections, 2, 'the client came back through a fresh proxy path');
  assert.deepEqual(record.messages.map((m) => m.data), Array.from({ length: COUNT }, (_, i) => String(i + 1)));
  assert.deepEqual(record.messages.map((m) => m.offset), Array.from({ length: COUNT }, (_, i) => start.offset + 1 + i));
  assert.ok(record.recovered.every((r) => r.recovered), JSON.stringify(record.recovered));
  assert.deepEqual(record.errors, []);
  assert.equal(disconnects.length, 1);
});

test('pingInterval 0 disables the keepalive', async () => {
  const c = newClient({ url: `ws://127.0.0.1:${PROXY_PORT}/pubsub`, pingInterval: 0, pingTimeout: 50 });
  clients.push(c);
  const disconnects = [];
  c.on('disconnected', (info) => disconnects.push(info));
  await connected(c);
  proxy.freezeAll();
  await sleep(400);
  assert.equal(c.state, 'connected');
  assert.deepEqual(disconnects, []);
  c.disconnect();
});
