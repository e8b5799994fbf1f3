// Manual acks (ack: 'manual') on durable at-least-once namespaces: the application acks each
// message with message.ack(); acks go out cumulatively and in offset order, so an un-acked
// message holds back the acks of later ones, and it is handed over again when the server
// redelivers it (after a reconnect, after ack_timeout).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Notifyd, manifest, websocketTransport, waitFor, sleep } from '../test-support/notifyd.js';
import { DroppingProxy } from '../test-support/proxy.js';
import { newClient, connected, recorder, nextEvent, WebSocket } from '../test-support/client.js';

const PORT = 39572;
const PROXY_PORT = 39573;
const url = `ws://127.0.0.1:${PORT}/pubsub`;
let server;
let proxy;
const clients = [];

before(async () => {
  server = await new Notifyd(manifest(
    '[namespaces.jobs]\ndelivery = "at-least-once"\n' +
    '[namespaces.retry]\ndelivery = "at-least-once"\nack_timeout = "400ms"\n' +
    '[broker]\nplugin = "local"\ndata_dir = "data"\nsync = "os"\n' +
    '[[auth]]\nplugin = "anonymous"\n' + websocketTransport(PORT), { clients: 'clean_interval = "100ms"' }), [PORT]).start();
  proxy = new DroppingProxy(PROXY_PORT, PORT);
  await proxy.start();
});

after(async () => {
  for (const c of clients) c.disconnect();
  await proxy?.stop();
  await server?.stop();
});

// A subscriber whose ack commands are recorded, a publisher, and a manual-ack subscription.
async function setup(topic, { via = url } = {}) {
  const sentAcks = [];
  class RecordingWebSocket extends WebSocket {
    send(frame) {
      const command = JSON.parse(frame);
      if (command.ack) sentAcks.push(command.ack.offset);
      super.send(frame);
    }
  }
  const subscriber = newClient({ url: via, WebSocket: RecordingWebSocket });
  const publisher = newClient({ url });
  clients.push(subscriber, publisher);
  await connected(subscriber);
  await connected(publisher);
  const record = recorder();
  const sub = subscriber.subscribe(topic, { ...record.handlers, ack: 'manual' });
  await subscriber.ping();
  return { subscriber, publisher, record, sub, sentAcks };
}

test('manual acks go out cumulatively, in offset order: an un-acked message holds later ones back', async () => {
  const { subscriber, publisher, record, sentAcks } = await setup('jobs:order');
  const first = await publisher.publish('jobs:order', 'a');
  await publisher.publish('jobs:order', 'b');
  await publisher.publish('jobs:order', 'c');
  await record.waitForMessages(3);
  const [a, b, c] = record.messages;
  assert.equal(typeof a.ack, 'function');
  assert.equal(a.redelivered, undefined);

  c.ack();
  await subscriber.ping();
  assert.deepEqual(sentAcks, [], 'an ack of c would acknowledge a and b too');
  a.ack();
  await waitFor(() => sentAcks.length === 1, 'the ack of a');
  assert.deepEqual(sentAcks, [first.offset]);
  b.ack();
  await waitFor(() => sentAcks.length === 2, 'the ack of b and c');
  assert.deepEqual(sentAcks, [first.offset, first.offset + 2], 'one cumulative ack covers b and c');
  b.ack(); // twice: nothing more
  await subscriber.ping();
  assert.deepEqual(sentAcks, [first.offset, first.offset + 2]);
  assert.deepEqual(record.errors, []);
  assert.equal(record.messages.length, 3);
});

test('an un-acked message is handed over again after a reconnect; the acked ones are not', async () => {
  const { subscriber, publisher, record, sentAcks } = await setup('jobs:reconnect', { via: `ws://127.0.0.1:${PROXY_PORT}/pubsub` });
  const first = await publisher.publish('jobs:reconnect', 'a');
  for (const data of ['b', 'c', 'd']) await publisher.publish('jobs:reconnect', data);
  await record.waitForMessages(4);
  const [a, , c, d] = record.messages;
  a.ack();
  c.ack();
  d.ack();
  await waitFor(() => sentAcks.length === 1, 'the ack of a');
  await subscriber.ping();
  assert.deepEqual(sentAcks, [first.offset], 'b holds back the acks of c and d');

  let back = nextEvent(subscriber, 'connected');
  proxy.dropAll();
  assert.equal((await back).resumed, true);
  await record.waitForMessages(5);
  await sleep(150);
  assert.equal(record.messages.length, 5, 'only b again');
  const again = record.messages[4];
  assert.deepEqual([again.data, again.offset, again.redelivered], ['b', first.offset + 1, true]);

  again.ack();
  await waitFor(() => sentAcks.includes(first.offset + 3), 'the ack of b, c and d');
  assert.equal(sentAcks.at(-1), first.offset + 3);

  // Everything is acknowledged on the server now: another reconnect hands nothing over.
  back = nextEvent(subscriber, 'connected');
  proxy.dropAll();
  await back;
  await subscriber.ping();
  await sleep(200);
  assert.equal(record.messages.length, 5);
  const next = await publisher.publish('jobs:reconnect', 'e');
  await record.waitForMessages(6);
  assert.deepEqual([record.messages[5].data, record.messages[5].offset], ['e', next.offset]);
  assert.deepEqual(record.errors, []);
});

test('a message not acked within ack_timeout is handed over again, once acked no more', async () => {
  const { subscriber, publisher, record, sentAcks } = await setup('retry:timeout');
  const { offset } = await publisher.publish('retry:timeout', 'job');
  await record.waitForMessages(1);
  await record.waitForMessages(2, 3000); // ack_timeout 400 ms, checked every 100 ms
  const again = record.messages[1];
  assert.deepEqual([again.data, again.offset, again.redelivered], ['job', offset, true]);
  again.ack();
  await waitFor(() => sentAcks.includes(offset), 'the ack');
  record.messages[0].ack(); // the first copy's ack is the same message's: nothing more
  await sleep(700);
  await subscriber.ping();
  assert.equal(record.messages.length, 2, 'no redelivery after the ack');
  assert.deepEqual(sentAcks, [offset]);
  assert.deepEqual(record.errors, []);
});
