// Transport fallback: WebSocket first, then SSE, then long-polling (the http transport), each
// tried when the previous one cannot connect.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Notifyd, manifest, httpTransport, websocketTransport } from '../test-support/notifyd.js';
import { newClient, connected, recorder, nextEvent } from '../test-support/client.js';

const HTTP_PORT = 39535;
const WS_PORT = 39536;
const CLOSED_PORT = 39537; // nothing listens here: a blocked WebSocket
const blockedUrl = `ws://127.0.0.1:${CLOSED_PORT}/pubsub`;
const httpUrl = `http://127.0.0.1:${HTTP_PORT}/http`;
const wsUrl = `ws://127.0.0.1:${WS_PORT}/pubsub`;
let server;
const clients = [];

function client(options) {
  const c = newClient(options);
  clients.push(c);
  return c;
}

// A fetch whose requests to the SSE stream fail, as behind a proxy that buffers or forbids
// event streams.
function fetchWithoutSse(url, init) {
  if (String(url).endsWith('/events')) return Promise.resolve(new Response('blocked', { status: 403 }));
  return fetch(url, init);
}

// A fetch whose SSE streams the test can break, as a lost network would. `refuseStreams`: how
// many of the next requests for a stream fail (the network is still down for them).
function breakableFetch() {
  const streams = new Set();
  async function fetchImpl(url, init) {
    if (String(url).endsWith('/events') && fetchImpl.refuseStreams > 0) {
      fetchImpl.refuseStreams -= 1;
      throw new TypeError('fetch failed');
    }
    const response = await fetch(url, init);
    if (!String(url).endsWith('/events') || !response.body) return response;
    const reader = response.body.getReader();
    const stream = {};
    const body = new ReadableStream({
      start(controller) { stream.controller = controller; },
      async pull(controller) {
        const { value, done } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel(reason) { return reader.cancel(reason); },
    });
    stream.reader = reader;
    streams.add(stream);
    return new Response(body, { status: response.status, headers: response.headers });
  }
  fetchImpl.refuseStreams = 0;
  fetchImpl.breakStreams = () => {
    for (const { controller, reader } of streams) {
      controller.error(new TypeError('network connection lost'));
      reader.cancel().catch(() => {});
    }
    streams.clear();
  };
  return fetchImpl;
}

before(async () => {
  server = await new Notifyd(manifest('[topics]\nhistory_size = 100\n[[auth]]\nplugin = "anonymous"\nallow_user_id = true\n' +
    httpTransport(HTTP_PORT) + websocketTransport(WS_PORT)), [HTTP_PORT, WS_PORT]).start();
});

after(async () => {
  for (const c of clients) c.disconnect();
  await server?.stop();
});

async function roundTrip(subscriber, topic) {
  const publisher = client({ url: wsUrl });
  await connected(publisher);
  const record = recorder();
  subscriber.subscribe(topic, record.handlers);
  await subscriber.ping();
  const text = await publisher.publish(topic, 'text');
  const bytes = new Uint8Array([0xc3, 0x28]); // invalid UTF-8
  await subscriber.publish(topic, bytes);
  await record.waitForMessages(2);
  assert.deepEqual(record.messages.map((m) => m.data), ['text', bytes]);
  assert.equal(record.messages[0].offset, text.offset);
}

test('WebSocket blocked: SSE carries the connection', async () => {
  const c = client({ url: blockedUrl, httpUrl, userId: 'sse-user' });
  const errors = [];
  c.on('error', (e) => errors.push(e));
  const info = await connected(c);
  assert.equal(info.transport, 'sse');
  assert.equal(info.userId, 'sse-user');
  assert.equal(c.transport, 'sse');
  assert.match(errors[0].message, /websocket could not connect/);
  await roundTrip(c, 'over-sse');
});

test('WebSocket and SSE blocked: long-polling carries the connection', async () => {
  const c = client({ url: blockedUrl, httpUrl, fetch: fetchWithoutSse });
  const info = await connected(c);
  assert.equal(info.transport, 'longpoll');
  await roundTrip(c, 'over-longpoll');
});

// A stream that breaks is reattached with Last-Event-ID (sse-resume.test.js); when that fails
// too, the connection ends and the client reconnects.
test('an SSE connection that breaks and cannot reattach reconnects and resumes its session', async () => {
  const fetchImpl = breakableFetch();
  const c = client({ httpUrl, transports: ['sse'], fetch: fetchImpl });
  const first = await connected(c);
  const record = recorder();
  const sub = c.subscribe('sse-resume', record.handlers);
  const position = await c.publish('sse-resume', 'one');
  await record.waitForMessages(1);

  const lost = nextEvent(c, 'disconnected');
  const resumed = nextEvent(c, 'connected');
  fetchImpl.refuseStreams = 1;
  fetchImpl.breakStreams();
  assert.deepEqual(await lost, { code: 1006, reason: 'network connection lost', reconnect: true });
  const again = await resumed;
  assert.equal(again.transport, 'sse');
  assert.equal(again.clientId, first.clientId);
  assert.equal(again.resumed, true);
  await c.publish('sse-resume', 'two');
  await record.waitForMessages(2);
  assert.deepEqual(record.messages.map((m) => m.data), ['one', 'two']);
  assert.equal(sub.position.offset, position.offset + 1);
});
