// Expiring tokens with the jwt auth plugin: refresh before expiry with getToken, a connect
// refused as token_expired (111) retried with a new token, and close 4006 (no refresh in time)
// reconnecting as the same client with a new token.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Notifyd, manifest, websocketTransport, sleep, waitFor } from '../test-support/notifyd.js';
import { newClient, connected, nextEvent } from '../test-support/client.js';

const PORT = 39539;
const url = `ws://127.0.0.1:${PORT}/pubsub`;
const SECRET = 'js-client-test-secret';
let server;
const clients = [];

// An HS256 JWT as plugins/jwt verifies it (notify-cli token makes the same).
function token(sub, ttlSeconds) {
  const base64url = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url({ sub, iat: now - 1, exp: now + ttlSeconds })}`;
  return `${unsigned}.${createHmac('sha256', SECRET).update(unsigned).digest('base64url')}`;
}

function client(options) {
  const c = newClient({ url, ...options });
  clients.push(c);
  return c;
}

before(async () => {
  server = await new Notifyd(
    manifest('[[auth]]\nplugin = "jwt"\nhmac_secret_env = "NOTIFY_JS_TEST_SECRET"\n' + websocketTransport(PORT),
      { clients: 'refresh_grace = "1s"\nclean_interval = "1s"' }),
    [PORT], { NOTIFY_JS_TEST_SECRET: SECRET }).start();
});

after(async () => {
  for (const c of clients) c.disconnect();
  await server?.stop();
});

describe('expiring tokens', { concurrency: true }, () => {
  test('refreshes the token with getToken before it expires', async () => {
    let calls = 0;
    const c = client({ getToken: async () => { calls += 1; return token('alice', 2); } });
    const disconnects = [];
    c.on('disconnected', (event) => disconnects.push(event));
    const info = await connected(c);
    assert.equal(info.userId, 'alice');
    await sleep(4500); // past two lifetimes plus the grace period
    assert.deepEqual(disconnects, []);
    assert.ok(calls >= 3, `getToken called ${calls} times`);
    await c.ping();
  });

  test('a connect refused as token_expired is retried at once with a token from getToken', async () => {
    let calls = 0;
    const c = client({ token: token('bob', -10), getToken: async () => { calls += 1; return token('bob', 60); } });
    const info = await connected(c);
    assert.equal(info.userId, 'bob');
    assert.equal(calls, 1);
  });

  test('close 4006 (no refresh in time) reconnects as the same client with a new token', async () => {
    let refuseRefresh = true;
    const c = client({
      // While refuseRefresh holds, the refreshes get another user's token and are refused (101).
      getToken: async () => token(refuseRefresh && c.state === 'connected' ? 'mallory' : 'carol', 2),
    });
    const errors = [];
    c.on('error', (error) => errors.push(error));
    const first = await connected(c);
    const closed = await nextEvent(c, 'disconnected', () => true, 8000);
    assert.equal(closed.code, 4006);
    assert.equal(closed.reconnect, true);
    refuseRefresh = false;
    const again = await nextEvent(c, 'connected');
    assert.equal(again.clientId, first.clientId);
    assert.equal(again.resumed, true);
    assert.ok(errors.some((error) => error.code === 101 && /token refresh failed/.test(error.message)));
  });

  test('without getToken an expired token is reported and the client stops at 4006', async () => {
    const c = client({ token: token('dave', 2) });
    const errors = [];
    c.on('error', (error) => errors.push(error));
    await connected(c);
    const closed = await nextEvent(c, 'disconnected', () => true, 8000);
    assert.equal(closed.code, 4006);
    assert.equal(closed.reconnect, false);
    assert.equal(c.state, 'disconnected');
    assert.match(errors[0].message, /cannot be refreshed without getToken/);
  });
});
