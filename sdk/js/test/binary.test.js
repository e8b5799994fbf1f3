// notify.binary.v1: the byte vectors of docs/protocol.md section 12, and a round trip against
// notifyd over a WebSocket with the binary subprotocol.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Notifyd, manifest, websocketTransport } from '../test-support/notifyd.js';
import { newClient, connected, recorder } from '../test-support/client.js';
import { encodeBinaryCommand, decodeBinaryServerFrame } from '../src/binary-codec.js';

const PORT = 39538;
const url = `ws://127.0.0.1:${PORT}/pubsub`;
let server;
const clients = [];

const hex = (text) => Uint8Array.from(text.split(' ').map((byte) => parseInt(byte, 16)));

test('commands encode to the bytes of docs/protocol.md', () => {
  assert.deepEqual(encodeBinaryCommand(1, 'connect', { token: 't0k' }), hex('01 01 01 01 03 74 30 6b'));
  assert.deepEqual(encodeBinaryCommand(1, 'connect', { token: 't0k', client: 'c-6f1d', resume: 'r-93ab' }),
    hex('01 01 01 07 03 74 30 6b 06 63 2d 36 66 31 64 06 72 2d 39 33 61 62'));
  assert.deepEqual(encodeBinaryCommand(2, 'subscribe', { topic: 'chat', since: { offset: 13, epoch: 'a1b2' } }),
    hex('02 02 01 04 63 68 61 74 0d 04 61 31 62 32'));
  assert.deepEqual(encodeBinaryCommand(3, 'publish', { topic: 'chat', data: hex('00 01 02 ff') }),
    hex('04 03 01 04 63 68 61 74 00 00 04 00 01 02 ff'));
  assert.deepEqual(encodeBinaryCommand(4, 'ping', {}), hex('06 04'));
  assert.deepEqual(encodeBinaryCommand(7, 'ack', { topic: 'orders:1', offset: 5 }), hex('07 07 08 6f 72 64 65 72 73 3a 31 05'));
  assert.deepEqual(encodeBinaryCommand(11, 'subscribe', { topic: 'chat', token: 'stk' }), hex('02 0b 02 04 63 68 61 74 03 73 74 6b'));
  assert.deepEqual(encodeBinaryCommand(14, 'history', { topic: 'chat', limit: 2, reverse: true, since: { offset: 11, epoch: 'e' } }),
    hex('0b 0e 03 04 63 68 61 74 02 0b 01 65'));
});

test('server frames decode like their JSON forms', () => {
  assert.deepEqual(decodeBinaryServerFrame(hex('40 01 8f 06 63 2d 36 66 31 64 05 61 6c 69 63 65 06 72 2d 39 33 61 63 05 30 2e 31 2e 30 03')),
    { type: 'reply', id: 1, result: { client: 'c-6f1d', user: 'alice', resume: 'r-93ac', version: '0.1.0', resumed: true, overflow: true } });
  assert.deepEqual(decodeBinaryServerFrame(hex('40 01 8f 01 63 00 01 72 01 76 04 e0 a7 12')),
    { type: 'reply', id: 1, result: { client: 'c', user: '', resume: 'r', version: 'v', ttl_ms: 300000 } });
  assert.deepEqual(decodeBinaryServerFrame(hex('80 04 63 68 61 74 ac 02 04 61 31 62 32 04 00 01 02 ff')),
    { type: 'message', topic: 'chat', offset: 300, epoch: 'a1b2', data: hex('00 01 02 ff') });
  assert.deepEqual(decodeBinaryServerFrame(hex('40 03 10 01 04 63 68 61 74 ac 02 04 61 31 62 32')),
    { type: 'reply', id: 3, result: { positions: [{ topic: 'chat', offset: 300, epoch: 'a1b2' }] } });
  assert.deepEqual(decodeBinaryServerFrame(hex('40 02 60 0f 04 61 31 62 32 01')),
    { type: 'reply', id: 2, result: { offset: 15, epoch: 'a1b2', recovered: true } });
  assert.deepEqual(decodeBinaryServerFrame(hex('41 0a 6f 0d 74 6f 6b 65 6e 20 65 78 70 69 72 65 64')),
    { type: 'reply', id: 10, error: { code: 111, message: 'token expired' } });
  assert.deepEqual(decodeBinaryServerFrame(hex('82 04 63 68 61 74 29 01 65 03 67 61 70')),
    { type: 'recover', topic: 'chat', offset: 41, epoch: 'e', reason: 'gap' });
  assert.deepEqual(decodeBinaryServerFrame(hex('40 0c 80 08 02 01 63 01 75 07 7b 22 6e 22 3a 31 7d 01 64 00 00')),
    { type: 'reply', id: 12, result: { presence: [{ client: 'c', user: 'u', info: { n: 1 } }, { client: 'd', user: '' }] } });
  assert.deepEqual(decodeBinaryServerFrame(hex('40 0e a0 0d 01 65 20 02 0d 02 68 69 0c 02 00 ff')),
    { type: 'reply', id: 14, result: { offset: 13, epoch: 'e', messages: [{ offset: 13, data: 'hi' }, { offset: 12, data: hex('00 ff') }] } });
  assert.deepEqual(decodeBinaryServerFrame(hex('81 e9 07 14 73 65 72 76 65 72 20 73 68 75 74 74 69 6e 67 20 64 6f 77 6e')),
    { type: 'disconnect', code: 1001, reason: 'server shutting down' });
  assert.deepEqual(decodeBinaryServerFrame(hex('85 00')), { type: 'unknown' });
});

before(async () => {
  server = await new Notifyd(manifest('[topics]\nhistory_size = 100\n[[auth]]\nplugin = "anonymous"\nallow_user_id = true\n' +
    websocketTransport(PORT)), [PORT]).start();
});

after(async () => {
  for (const c of clients) c.disconnect();
  await server?.stop();
});

test('binary encoding round trip against notifyd, interoperating with a JSON client', async () => {
  const binary = newClient({ url, encoding: 'binary', userId: 'bin' });
  const json = newClient({ url });
  clients.push(binary, json);
  const info = await connected(binary);
  assert.equal(info.userId, 'bin');
  await connected(json);
  const binaryRecord = recorder();
  const jsonRecord = recorder();
  binary.subscribe('bytes', binaryRecord.handlers);
  json.subscribe('bytes', jsonRecord.handlers);
  await binary.ping();
  await json.ping();

  const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);
  const first = await binary.publish('bytes', allBytes);
  const second = await json.publish('bytes', 'héllo ✓');
  assert.equal(second.offset, first.offset + 1);
  await binaryRecord.waitForMessages(2);
  await jsonRecord.waitForMessages(2);
  for (const record of [binaryRecord, jsonRecord]) {
    assert.deepEqual(record.messages, [
      { topic: 'bytes', data: allBytes, offset: first.offset, epoch: first.epoch },
      { topic: 'bytes', data: 'héllo ✓', offset: second.offset, epoch: second.epoch },
    ]);
  }
  const history = await binary.history('bytes', { since: { offset: first.offset, epoch: first.epoch } });
  assert.deepEqual(history.messages.map((m) => m.data), ['héllo ✓']);
  await assert.rejects(binary.publish('bad\u0001', 'x'), { code: 102 });
});
