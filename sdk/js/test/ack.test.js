// At-least-once subscriptions (ack: true) on a durable namespace: acks go out in offset order,
// each after its message's handler finished (after its Promise resolved). A message whose
// handler is still running, threw or rejected stays unacknowledged on the server (it holds back
// the acks of later messages), also across a reconnect, and the server delivers it again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Notifyd, manifest, websocketTransport, waitFor, sleep } from '../test-support/notifyd.js';
import { DroppingProxy } from '../test-support/proxy.js';
import { newClient, connected, recorder, nextEvent, WebSocket } from '../test-support/client.js';

const PORT = 39540;
const PROXY_PORT = 39590;
const url = `ws://127.0.0.1:${PORT}/pubsub`;
const proxyUrl = `ws://127.0.0.1:${PROXY_PORT}/pubsub`;
let server;
let proxy;
const clients = [];

before(async () => {
  server = await new Notifyd(manifest(
    '[namespaces.orders]\ndelivery = "at-least-once"\n' +
    '[namespaces.retry]\ndelivery = "at-least-once"\nack_timeout = "400ms"\n' +
    '[broker]\nplugin = "local"\ndata_dir = "data"\n' +
    '[[auth]]\nplugin = "anonymous"\n' + websocketTransport(PORT), { clients: 'clean_interval = "100ms"' }), [PORT]).start();
  proxy = new DroppingProxy(PROXY_PORT, PORT);
  await proxy.start();
});

after(async () => {
  for (const c of clients) c.disconnect();
  await proxy?.stop();
  await server?.stop();
});

// A WebSocket for the subscriber that records the ack offsets and the `since` of the subscribes
// it sends, and the offsets of the messages it receives.
function recordingWebSocket() {
  const wire = { acks: [], subscribes: [], received: [] };
  class RecordingWebSocket extends WebSocket {
    send(frame) {
      const command = JSON.parse(frame);
      if (command.ack) wire.acks.push(command.ack.offset);
      if (command.subscribe) wire.subscribes.push(command.subscribe.since ?? null);
      super.send(frame);
    }

    set onmessage(listener) {
      super.onmessage = (event) => {
        const frame = JSON.parse(event.data);
        if (frame.push?.message) wire.received.push(frame.push.message.offset);
        listener(event);
      };
    }

    get onmessage() {
      return super.onmessage;
    }
  }
  return { wire, RecordingWebSocket };
}

async function setup({ via = url } = {}) {
  const { wire, RecordingWebSocket } = recordingWebSocket();
  const subscriber = newClient({ url: via, WebSocket: RecordingWebSocket });
  const publisher = newClient({ url });
  clients.push(subscriber, publisher);
  await connected(subscriber);
  await connected(publisher);
  return { subscriber, publisher, wire, sentAcks: wire.acks };
}

test('acks follow the handlers, in offset order', async () => {
  const { subscriber, publisher, sentAcks } = await setup();
  const record = recorder();
  let finishFirst;
  const firstDone = new Promise((resolve) => { finishFirst = resolve; });
  subscriber.subscribe('orders:1', {
    ...record.handlers,
    ack: true,
    onMessage(message) {
      record.messages.push(message);
      return message.data === 'first' ? firstDone : undefined; // the others finish at once
    },
  });
  await subscriber.ping();
  const first = await publisher.publish('orders:1', 'first');
  await publisher.publish('orders:1', 'second');
  await publisher.publish('orders:1', 'third');
  await record.waitForMessages(3);
  await sleep(100);
  assert.deepEqual(sentAcks, [], 'nothing is acked while the first message is still being processed');
  finishFirst();
  await waitFor(() => sentAcks.at(-1) === first.offset + 2, 'the acks through the third message');
  // Acks are cumulative: the three may go out as one ack of the third, never out of order.
  assert.deepEqual(sentAcks, [...sentAcks].sort((a, b) => a - b));
  assert.ok(sentAcks.every((offset) => offset >= first.offset && offset <= first.offset + 2), `acks ${sentAcks}`);
  await subscriber.ping();
  assert.deepEqual(record.errors, []);
  assert.ok(record.messages.every((m) => m.redelivered === undefined && m.ack === undefined));
});

test('a handler still running across a reconnect: its message stays unacknowledged, is redelivered, acked once the handler resolves', async () => {
  const { subscriber, publisher, wire, sentAcks } = await setup({ via: proxyUrl });
  const record = recorder();
  let finishSlow;
  const slowDone = new Promise((resolve) => { finishSlow = resolve; });
  subscriber.subscribe('orders:pending', {
    ...record.handlers,
    ack: true,
    onMessage(message) {
      record.messages.push(message);
      return message.data === 'slow' ? slowDone : undefined;
    },
  });
  await subscriber.ping();
  const slow = await publisher.publish('orders:pending', 'slow');
  await publisher.publish('orders:pending', 'after');
  await record.waitForMessages(2);
  await subscriber.ping();
  assert.deepEqual(sentAcks, [], "the pending handler holds back the ack of 'after'");

  wire.received.length = 0;
  let back = nextEvent(subscriber, 'connected');
  proxy.dropAll();
  assert.equal((await back).resumed, true);
  // The client subscribes again from before the pending message, so the server keeps it
  // unacknowledged and delivers it again.
  await waitFor(() => wire.received.includes(slow.offset), `the redelivery of offset ${slow.offset} (received ${wire.received}, subscribes ${JSON.stringify(wire.subscribes)})`, 3000);
  assert.deepEqual(wire.subscribes.at(-1), { offset: slow.offset - 1, epoch: slow.epoch });
  await subscriber.ping();
  await sleep(100);
  assert.equal(record.messages.length, 2, 'a message whose handler is still running is not handed over twice');
  assert.deepEqual(sentAcks, [], 'nothing acked while the handler runs');

  // The server still counts it unacknowledged: a second reconnect delivers it once more (after
  // the subscribe reply), and the client still does not hand it over again.
  wire.received.length = 0;
  back = nextEvent(subscriber, 'connected');
  proxy.dropAll();
  await back;
  await subscriber.ping(); // after the subscribe: its reply and the redelivery come first
  assert.ok(wire.received.includes(slow.offset), `redelivered again (received ${wire.received})`);
  assert.deepEqual(wire.subscribes.at(-1), { offset: slow.offset - 1, epoch: slow.epoch });
  assert.equal(record.messages.length, 2);
  assert.deepEqual(sentAcks, []);

  finishSlow();
  await waitFor(() => sentAcks.includes(slow.offset + 1), "the ack of 'slow' and 'after'");
  assert.deepEqual(sentAcks, [slow.offset + 1]);

  // Acknowledged on the server now: another reconnect delivers nothing again.
  wire.received.length = 0;
  back = nextEvent(subscriber, 'connected');
  proxy.dropAll();
  await back;
  await subscriber.ping();
  await sleep(200);
  assert.deepEqual(wire.received, []);
  const next = await publisher.publish('orders:pending', 'next');
  await record.waitForMessages(3);
  assert.deepEqual([record.messages[2].data, record.messages[2].offset], ['next', next.offset]);
  await waitFor(() => sentAcks.includes(next.offset), "the ack of 'next'");
  assert.deepEqual(record.errors, []);
});

test('a handler that throws: its message is not acked, comes back after a reconnect (redelivered) and is acked then', async () => {
  const { subscriber, publisher, sentAcks } = await setup({ via: proxyUrl });
  const record = recorder();
  let failures = 0;
  subscriber.subscribe('orders:throws', {
    ...record.handlers,
    ack: true,
    onMessage(message) {
      record.messages.push(message);
      if (message.data === 'bad' && failures++ === 0) throw new Error('handler failed');
    },
  });
  await subscriber.ping();
  const bad = await publisher.publish('orders:throws', 'bad');
  await publisher.publish('orders:throws', 'good');
  await record.waitForMessages(2);
  await subscriber.ping();
  assert.deepEqual(sentAcks, [], "the failed message holds back the ack of 'good' (acks are cumulative)");
  assert.equal(record.errors.length, 1);
  assert.equal(record.errors[0].message, 'handler failed');

  const back = nextEvent(subscriber, 'connected');
  proxy.dropAll();
  await back;
  await record.waitForMessages(3, 3000);
  const again = record.messages[2];
  assert.deepEqual([again.data, again.offset, again.redelivered], ['bad', bad.offset, true]);
  await waitFor(() => sentAcks.includes(bad.offset + 1), "the ack of 'bad' and 'good'");
  await sleep(150);
  assert.equal(record.messages.length, 3, "'good' was processed already: not handed over again");
  // Cumulative, in order, never past what the server delivered again so far: [bad, bad + 1] or
  // [bad + 1].
  assert.deepEqual(sentAcks, [...sentAcks].sort((a, b) => a - b));
  assert.ok(sentAcks[0] >= bad.offset && sentAcks.at(-1) === bad.offset + 1, `acks ${sentAcks}`);
  assert.equal(record.errors.length, 1);
});

test('a handler whose Promise rejects: its message comes back after ack_timeout (redelivered), once acked no more', async () => {
  const { subscriber, publisher, sentAcks } = await setup();
  const record = recorder();
  subscriber.subscribe('retry:rejects', {
    ...record.handlers,
    ack: true,
    async onMessage(message) {
      record.messages.push(message);
      if (!message.redelivered) throw new Error('try again');
    },
  });
  await subscriber.ping();
  const { offset } = await publisher.publish('retry:rejects', 'job');
  await record.waitForMessages(1);
  await record.waitForMessages(2, 3000); // ack_timeout 400 ms, checked every 100 ms
  const again = record.messages[1];
  assert.deepEqual([again.data, again.offset, again.redelivered], ['job', offset, true]);
  await waitFor(() => sentAcks.includes(offset), 'the ack');
  await sleep(700);
  await subscriber.ping();
  assert.equal(record.messages.length, 2, 'no redelivery after the ack');
  assert.deepEqual(sentAcks, [offset]);
  assert.deepEqual(record.errors.map((e) => e.message), ['try again']);
});
