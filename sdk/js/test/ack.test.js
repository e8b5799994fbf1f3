// At-least-once subscriptions (ack: true) on a durable namespace: acks go out in offset order,
// each after its message's handler finished (after its Promise resolved).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Notifyd, manifest, websocketTransport, waitFor, sleep } from '../test-support/notifyd.js';
import { newClient, connected, recorder, WebSocket } from '../test-support/client.js';

const PORT = 39540;
const url = `ws://127.0.0.1:${PORT}/pubsub`;
let server;
const clients = [];

before(async () => {
  server = await new Notifyd(manifest(
    '[namespaces.orders]\ndelivery = "at-least-once"\n' +
    '[broker]\nplugin = "local"\ndata_dir = "data"\n' +
    '[[auth]]\nplugin = "anonymous"\n' + websocketTransport(PORT)), [PORT]).start();
});

after(async () => {
  for (const c of clients) c.disconnect();
  await server?.stop();
});

test('acks follow the handlers, in offset order', async () => {
  const sentAcks = [];
  class RecordingWebSocket extends WebSocket {
    send(frame) {
      const command = JSON.parse(frame);
      if (command.ack) sentAcks.push(command.ack.offset);
      super.send(frame);
    }
  }
  const subscriber = newClient({ url, WebSocket: RecordingWebSocket });
  const publisher = newClient({ url });
  clients.push(subscriber, publisher);
  await connected(subscriber);
  await connected(publisher);

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
  await waitFor(() => sentAcks.length === 3, 'three acks');
  assert.deepEqual(sentAcks, [first.offset, first.offset + 1, first.offset + 2]);
  await subscriber.ping();
  assert.deepEqual(record.errors, []);
});
