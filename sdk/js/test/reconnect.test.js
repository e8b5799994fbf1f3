// notifyd is killed (SIGKILL) and started again on the same port: the client reconnects with
// backoff, its resume is refused (the session died with the process), it starts a new session
// and subscribes again with the last position it saw. The in-memory broker's streams died too,
// so the stream has a new epoch: the server answers recovered:false and the subscription goes
// on live from the new stream's position.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Notifyd, manifest, websocketTransport, waitFor } from '../test-support/notifyd.js';
import { newClient, connected, recorder, nextEvent } from '../test-support/client.js';

const PORT = 39532;
const url = `ws://127.0.0.1:${PORT}/pubsub`;
const server = new Notifyd(manifest('[topics]\nhistory_size = 100\n[[auth]]\nplugin = "anonymous"\n' + websocketTransport(PORT)), [PORT]);
const clients = [];

after(async () => {
  for (const c of clients) c.disconnect();
  await server.stop();
});

test('reconnects after notifyd is killed and restarted; a changed epoch reports recovered:false', async () => {
  await server.start();
  const subscriber = newClient({ url });
  const publisher = newClient({ url });
  clients.push(subscriber, publisher);
  const events = [];
  for (const name of ['connecting', 'connected', 'disconnected']) subscriber.on(name, (value) => events.push([name, value]));
  const first = await connected(subscriber);
  await connected(publisher);
  const record = recorder();
  subscriber.subscribe('news', record.handlers);
  await subscriber.ping();
  const before = await publisher.publish('news', 'before 1');
  await publisher.publish('news', 'before 2');
  await record.waitForMessages(2);

  const lost = nextEvent(subscriber, 'disconnected');
  await server.kill('SIGKILL');
  const disconnected = await lost;
  assert.equal(disconnected.reconnect, true);
  assert.equal(disconnected.code, 1006);
  assert.equal(subscriber.state, 'connecting');

  // Nothing listens for a while: the client keeps retrying with backoff.
  await waitFor(() => events.filter(([name]) => name === 'connecting').length >= 3, 'a few reconnect attempts');
  const reconnected = nextEvent(subscriber, 'connected');
  await server.start();
  const again = await reconnected;
  assert.equal(again.resumed, false, 'the session died with the process');
  assert.notEqual(again.clientId, first.clientId);

  await waitFor(() => record.recovered.length === 1, 'the recovery answer');
  // The old epoch is gone: recovery is impossible, and `missed` is unknown across epochs.
  assert.deepEqual(record.recovered, [{ recovered: false }]);
  await waitFor(() => publisher.state === 'connected', 'the publisher to reconnect');
  const after = await publisher.publish('news', 'after');
  assert.notEqual(after.epoch, before.epoch);
  await record.waitForMessages(3);
  assert.deepEqual(record.messages.map((m) => m.data), ['before 1', 'before 2', 'after']);
  assert.deepEqual(record.messages[2], { topic: 'news', data: 'after', offset: after.offset, epoch: after.epoch });
});
