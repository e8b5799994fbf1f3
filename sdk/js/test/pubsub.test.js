import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Notifyd, manifest, websocketTransport, waitFor } from '../test-support/notifyd.js';
import { newClient, connected, recorder, nextEvent } from '../test-support/client.js';
import { NotifyError, ErrorCode } from '../src/index.js';

const PORT = 39530;
const url = `ws://127.0.0.1:${PORT}/pubsub`;
let server;
const clients = [];

function client(options = {}) {
  const c = newClient({ url, ...options });
  clients.push(c);
  return c;
}

before(async () => {
  server = await new Notifyd(manifest(
    '[topics]\nhistory_size = 100\n' +
    '[namespaces.room]\nhistory_size = 100\npresence = true\njoin_leave = true\nread_presence = "any"\nread_history = "any"\n' +
    '[[auth]]\nplugin = "anonymous"\nallow_user_id = true\n' +
    '[[handler]]\nplugin = "chat"\ntopic = "lobby"\n' +
    websocketTransport(PORT)), [PORT]).start();
});

after(async () => {
  for (const c of clients) c.disconnect();
  await server?.stop();
});

test('connects, subscribes, and receives what it publishes with the publish reply position', async () => {
  const alice = client({ userId: 'alice' });
  const info = await connected(alice);
  assert.equal(info.userId, 'alice');
  assert.equal(info.transport, 'websocket');
  assert.equal(info.resumed, false);
  assert.match(info.clientId, /./);
  assert.equal(alice.state, 'connected');

  const record = recorder();
  const sub = alice.subscribe('news', record.handlers);
  await alice.ping(); // the subscribe went first on the same connection
  const position = await alice.publish('news', 'hello');
  const bytes = new Uint8Array([0, 0xff, 1]); // not UTF-8: travels as data_b64
  const second = await alice.publish('news', bytes);
  assert.equal(second.offset, position.offset + 1);
  assert.equal(second.epoch, position.epoch);
  await record.waitForMessages(2);
  assert.deepEqual(record.messages, [
    { topic: 'news', data: 'hello', offset: position.offset, epoch: position.epoch },
    { topic: 'news', data: bytes, offset: second.offset, epoch: second.epoch },
  ]);
  assert.deepEqual(sub.position, { offset: second.offset, epoch: second.epoch });

  sub.unsubscribe();
  await alice.ping();
  await alice.publish('news', 'after unsubscribe');
  await alice.ping();
  assert.equal(record.messages.length, 2);
});

test('a refused command rejects with NotifyError carrying the server code', async () => {
  const c = client();
  await connected(c);
  await assert.rejects(c.publish('bad\u0001topic', 'x'), (error) => {
    assert.ok(error instanceof NotifyError);
    assert.equal(error.code, ErrorCode.BAD_REQUEST);
    assert.match(error.message, /control character/);
    return true;
  });
  await assert.rejects(c.presence('news'), { code: ErrorCode.NOT_FOUND });
});

test('a subscribe refused by the server reports onError and deactivates the subscription', async () => {
  const c = client();
  await connected(c);
  const record = recorder();
  const sub = c.subscribe('x'.repeat(300), record.handlers); // longer than 255 bytes
  await waitFor(() => record.errors.length === 1, 'the subscribe error');
  assert.equal(record.errors[0].code, ErrorCode.BAD_REQUEST);
  assert.equal(sub.active, false);
});

test('direct messages and handler output arrive as data events', async () => {
  const bob = client({ userId: 'bob' });
  await connected(bob);
  const direct = nextEvent(bob, 'data', (d) => d.data === 'for bob');
  const sender = client();
  await connected(sender);
  await sender.publishTo({ users: ['bob'] }, 'for bob');
  assert.deepEqual(await direct, { data: 'for bob' });

  // The chat handler subscribed every client to 'lobby' on connect and publishes what `send` gets.
  const echoed = nextEvent(bob, 'data', (d) => d.topic === 'lobby' && d.data === 'hi all');
  await sender.send('hi all');
  const message = await echoed;
  assert.equal(typeof message.offset, 'number');
});

test('since recovers the history; presence, join and leave, history', async () => {
  const publisher = client();
  await connected(publisher);
  const first = await publisher.publish('room:1', 'one');
  await publisher.publish('room:1', 'two');

  const watcher = client({ userId: 'watcher' });
  await connected(watcher);
  const record = recorder();
  watcher.subscribe('room:1', { ...record.handlers, since: { offset: 0, epoch: '' } });
  await record.waitForMessages(2);
  assert.deepEqual(record.messages.map((m) => m.data), ['one', 'two']);
  assert.deepEqual(record.recovered, [{ recovered: true, missed: 2 }]);
  assert.equal(record.messages[0].offset, first.offset);

  const guest = client({ userId: 'guest' });
  await connected(guest);
  const guestSub = guest.subscribe('room:1', {});
  await waitFor(() => record.joins.length === 1, 'the join push');
  assert.equal(record.joins[0].user, 'guest');
  assert.equal(record.joins[0].topic, 'room:1');
  const present = await watcher.presence('room:1');
  assert.deepEqual(present.map((p) => p.user).sort(), ['guest', 'watcher']);
  assert.deepEqual(await watcher.presenceStats('room:1'), { clients: 2, users: 2 });
  guestSub.unsubscribe();
  await waitFor(() => record.leaves.length === 1, 'the leave push');

  const history = await publisher.history('room:1', { limit: 1, reverse: true });
  assert.equal(history.messages.length, 1);
  assert.equal(history.messages[0].data, 'two');
  assert.equal(history.epoch, first.epoch);
});

test('commands issued before the connection is up wait for it; after disconnect() they reject', async () => {
  const c = client();
  c.connect();
  assert.equal(c.state, 'connecting');
  const position = await c.publish('queued', 'early');
  assert.equal(position.offset, 1);
  const disconnected = nextEvent(c, 'disconnected');
  c.disconnect();
  assert.deepEqual(await disconnected, { code: 1000, reason: 'client disconnect', reconnect: false });
  assert.equal(c.state, 'disconnected');
  await assert.rejects(c.publish('queued', 'late'), { code: ErrorCode.CLIENT_CLOSED });
});
