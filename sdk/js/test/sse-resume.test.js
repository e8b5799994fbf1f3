// SSE streams that break while the http session lives on: the transport reattaches with
// Last-Event-ID and the server replays what the broken stream lost, without a new connection;
// when the server can no longer replay (`event: gap`), the client reconnects and recovers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Notifyd, manifest, httpTransport, websocketTransport, waitFor, sleep } from '../test-support/notifyd.js';
import { newClient, connected, recorder, nextEvent } from '../test-support/client.js';
import { controllableFetch } from '../test-support/sse.js';

const HTTP_PORT = 39574;
const WS_PORT = 39575;
const REPLAY_SIZE = 8;
const httpUrl = `http://127.0.0.1:${HTTP_PORT}/http`;
const wsUrl = `ws://127.0.0.1:${WS_PORT}/pubsub`;
let server;
const clients = [];

before(async () => {
  server = await new Notifyd(manifest('[topics]\nhistory_size = 100\n[[auth]]\nplugin = "anonymous"\n' +
    httpTransport(HTTP_PORT) + `replay_size = ${REPLAY_SIZE}\n` + websocketTransport(WS_PORT)), [HTTP_PORT, WS_PORT]).start();
});

after(async () => {
  for (const c of clients) c.disconnect();
  await server?.stop();
});

async function setup(topic) {
  const fetchImpl = controllableFetch();
  const subscriber = newClient({ httpUrl, transports: ['sse'], fetch: fetchImpl });
  const publisher = newClient({ url: wsUrl });
  clients.push(subscriber, publisher);
  const events = [];
  for (const name of ['connected', 'disconnected']) subscriber.on(name, (value) => events.push({ name, ...value }));
  await connected(subscriber);
  await connected(publisher);
  const record = recorder();
  const start = await publisher.publish(topic, 'start');
  subscriber.subscribe(topic, { ...record.handlers, since: start });
  await subscriber.ping();
  await publisher.publish(topic, '0');
  await record.waitForMessages(1);
  return { fetchImpl, subscriber, publisher, record, events, start };
}

// Publishes `count` messages while the subscriber's stream swallows them, then breaks it.
async function loseOnBrokenStream({ fetchImpl, publisher }, topic, count) {
  fetchImpl.freeze();
  for (let n = 1; n <= count; n++) await publisher.publish(topic, String(n));
  await waitFor(() => fetchImpl.swallowed.includes(`"data":"${count}"`), 'the server to write the messages to the stream');
  fetchImpl.breakStreams();
}

test('a broken SSE stream is reattached with Last-Event-ID: the lost frames are replayed, no reconnect', async () => {
  const setupResult = await setup('sse-replay');
  const { fetchImpl, subscriber, record, events, start } = setupResult;
  const sessionUrl = fetchImpl.streamRequests[0].url;
  await loseOnBrokenStream(setupResult, 'sse-replay', 3);
  await record.waitForMessages(4);
  await subscriber.ping(); // the commands of the same session still work
  await sleep(100);

  assert.deepEqual(record.messages.map((m) => m.data), ['0', '1', '2', '3']);
  assert.deepEqual(record.messages.map((m) => m.offset), [1, 2, 3, 4].map((i) => start.offset + i));
  assert.deepEqual(events.map((e) => e.name), ['connected'], 'no disconnect, no new connection');
  assert.equal(subscriber.state, 'connected');
  assert.equal(fetchImpl.streamRequests.length, 2);
  const reattach = fetchImpl.streamRequests[1];
  assert.equal(reattach.url, sessionUrl, 'the same http session');
  assert.match(reattach.lastEventId ?? '', /^\d+$/);
  assert.deepEqual(record.recovered, [{ recovered: true, missed: 0 }], 'only the first subscribe, no recovery');
  assert.deepEqual(record.errors, []);
});

test('a reattach answered with `event: gap` reconnects and recovers every message once', async () => {
  const setupResult = await setup('sse-gap');
  const { fetchImpl, subscriber, record, events, start } = setupResult;
  const first = events[0];
  const lost = nextEvent(subscriber, 'disconnected');
  const back = nextEvent(subscriber, 'connected');
  const count = REPLAY_SIZE + 4; // more frames than the replay ring keeps
  await loseOnBrokenStream(setupResult, 'sse-gap', count);
  const lostInfo = await lost;
  assert.equal(lostInfo.code, 1006);
  assert.match(lostInfo.reason, /cannot replay/);
  assert.equal(lostInfo.reconnect, true);
  const again = await back;
  assert.equal(again.clientId, first.clientId);
  assert.equal(again.resumed, true);
  await record.waitForMessages(count + 1);
  await sleep(100);

  assert.deepEqual(record.messages.map((m) => m.data), Array.from({ length: count + 1 }, (_, i) => String(i)));
  assert.deepEqual(record.messages.map((m) => m.offset), Array.from({ length: count + 1 }, (_, i) => start.offset + 1 + i));
  assert.ok(record.recovered.length >= 2 && record.recovered.every((r) => r.recovered), JSON.stringify(record.recovered));
  assert.ok(fetchImpl.streamRequests.some((r) => r.lastEventId !== null), 'a reattach was tried');
  assert.deepEqual(record.errors, []);
});
