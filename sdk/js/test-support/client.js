// Test helpers around the Client: Node has no global WebSocket, so `ws` is injected.
import { waitFor } from './notifyd.js';

// The tests' only dependency; a checkout without `npm ci` gets told what to do.
export const WebSocket = await import('ws').then(
  (module) => module.default,
  () => {
    throw new Error('the `ws` package is missing: run `npm ci` in sdk/js before the tests');
  },
);
import { Client } from '../src/index.js';

export function newClient(options) {
  return new Client({ WebSocket, minReconnectDelay: 20, maxReconnectDelay: 200, timeout: 5000, ...options });
}

// Resolves with the next `event` of `client` whose value passes `predicate`.
export function nextEvent(client, event, predicate = () => true, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for '${event}'`));
    }, timeoutMs);
    function listener(value) {
      if (!predicate(value)) return;
      clearTimeout(timer);
      client.off(event, listener);
      resolve(value);
    }
    client.on(event, listener);
  });
}

export async function connected(client) {
  const event = nextEvent(client, 'connected');
  client.connect();
  return event;
}

// Collects what a subscription receives, for assertions.
export function recorder() {
  const record = { messages: [], recovered: [], joins: [], leaves: [], errors: [] };
  record.handlers = {
    onMessage: (m) => record.messages.push(m),
    onRecovered: (info) => record.recovered.push(info),
    onJoin: (info) => record.joins.push(info),
    onLeave: (info) => record.leaves.push(info),
    onError: (error) => record.errors.push(error),
  };
  record.waitForMessages = (count, timeoutMs) =>
    waitFor(() => record.messages.length >= count, `${count} messages (have ${record.messages.length})`, timeoutMs);
  return record;
}
