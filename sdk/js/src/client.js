// The Notify client: connects over WebSocket, SSE or long-polling (in that order of fallback),
// reconnects with exponential backoff and full jitter, resumes its session, recovers every
// subscription exactly (subscription.js), and refreshes expiring tokens.
import { Emitter } from './emitter.js';
import { CLOSE_CODES_WITHOUT_RECONNECT, CloseCode, ErrorCode, NotifyError } from './errors.js';
import { decodeJsonServerFrame, encodeJsonCommand, JSON_SUBPROTOCOL } from './json-codec.js';
import { BINARY_SUBPROTOCOL, decodeBinaryServerFrame, encodeBinaryCommand } from './binary-codec.js';
import { normalizePayload } from './payload.js';
import { Subscription } from './subscription.js';
import { WebSocketTransport } from './transports/websocket.js';
import { HttpTransport } from './transports/http.js';

const TRANSPORTS = ['websocket', 'sse', 'longpoll'];
// Refresh at 80% of the token's lifetime (docs/protocol.md, refresh): room for a slow getToken.
const REFRESH_AT = 0.8;
// A refresh refused as expired is retried this soon with another token from getToken.
const REFRESH_RETRY_MS = 1000;
// A reconnect whose token turned out to be expired, or whose session was gone, retries at once
// (with a new token, or as a new session) instead of waiting for the backoff.
const IMMEDIATE_RETRY_MS = 0;

export class Client extends Emitter {
  #options;
  #state = 'disconnected';
  #wanted = false; // connect() was called and neither disconnect() nor a final close followed
  #connection = null; // the current attempt or connection (see #openConnection)
  #nextId = 1;
  #waiting = []; // commands issued while not connected: sent once connected
  #subscriptions = new Map(); // topic -> Subscription
  #session = null; // { clientId, resume, userId } of the newest connect reply
  #token;
  #tokenExpiresAt = Infinity; // ms since epoch, from ttl_ms
  #tokenStale = false; // the server said the token expired
  #failedAttempts = 0; // attempts since the last successful connect, for the backoff
  #transportIndex = 0;
  #reconnectTimer = null;
  #refreshTimer = null;

  constructor(options = {}) {
    super();
    const transports = options.transports ?? TRANSPORTS.filter((name) => (name === 'websocket' ? options.url : options.httpUrl));
    for (const name of transports) {
      if (!TRANSPORTS.includes(name)) throw new TypeError(`unknown transport '${name}' (known: ${TRANSPORTS.join(', ')})`);
      if (name === 'websocket' && !options.url) throw new TypeError("the 'websocket' transport needs the `url` option");
      if (name !== 'websocket' && !options.httpUrl) throw new TypeError(`the '${name}' transport needs the \`httpUrl\` option`);
    }
    if (transports.length === 0) throw new TypeError('no transport: give `url` (WebSocket) and/or `httpUrl` (SSE, long-polling)');
    const encoding = options.encoding ?? 'json';
    if (encoding !== 'json' && encoding !== 'binary') throw new TypeError("encoding must be 'json' or 'binary'");
    for (const name of ['pingInterval', 'pingTimeout']) {
      const value = options[name];
      if (value !== undefined && !(typeof value === 'number' && value >= 0 && Number.isFinite(value))) {
        throw new TypeError(`${name} must be a number of ms >= 0 (0 disables the keepalive)`);
      }
    }
    this.#options = {
      ...options,
      transports,
      encoding,
      minReconnectDelay: options.minReconnectDelay ?? 200,
      maxReconnectDelay: options.maxReconnectDelay ?? 10000,
      timeout: options.timeout ?? 10000,
      pingInterval: options.pingInterval ?? 25000,
      pingTimeout: options.pingTimeout ?? 10000,
      WebSocket: options.WebSocket ?? globalThis.WebSocket,
      fetch: options.fetch ?? globalThis.fetch?.bind(globalThis),
    };
    if (transports.includes('websocket') && !this.#options.WebSocket) {
      throw new TypeError('no WebSocket implementation: pass the `WebSocket` option (e.g. the `ws` package in Node)');
    }
    if (transports.some((name) => name !== 'websocket') && !this.#options.fetch) {
      throw new TypeError('no fetch implementation: pass the `fetch` option');
    }
    this.#token = options.token;
  }

  get state() {
    return this.#state;
  }

  get clientId() {
    return this.#session?.clientId;
  }

  get userId() {
    return this.#session?.userId;
  }

  // The transport of the current connection, undefined while not connected.
  get transport() {
    return this.#state === 'connected' ? this.#connection.transport.name : undefined;
  }

  connect() {
    if (this.#wanted) return;
    this.#wanted = true;
    this.#failedAttempts = 0;
    this.#transportIndex = 0;
    this.#openConnection();
  }

  disconnect() {
    if (!this.#wanted) return;
    this.#wanted = false;
    clearTimeout(this.#reconnectTimer);
    const connection = this.#connection;
    if (connection) {
      connection.transport.close(CloseCode.NORMAL, 'client disconnect');
      this.#connectionClosed(connection, { code: CloseCode.NORMAL, reason: 'client disconnect' });
    } else {
      this.#stop(CloseCode.NORMAL, 'client disconnect');
    }
  }

  subscribe(topic, options = {}) {
    if (typeof topic !== 'string' || topic === '') throw new TypeError('topic must be a non-empty string');
    if (this.#subscriptions.has(topic)) throw new Error(`already subscribed to '${topic}': unsubscribe first`);
    const subscription = new Subscription(this, topic, options);
    this.#subscriptions.set(topic, subscription);
    if (this.#state === 'connected') subscription._subscribe(subscription.position);
    return subscription;
  }

  // Resolves with the message's { offset, epoch } in the topic's stream.
  async publish(topic, data) {
    if (typeof topic !== 'string' || topic === '') throw new TypeError('topic must be a non-empty string');
    const result = await this.#command('publish', { topic, data: normalizePayload(data) });
    const [position] = result.positions ?? [];
    return position ? { offset: position.offset, epoch: position.epoch } : {};
  }

  // Publishes directly to client ids and/or user ids (no stream position).
  async publishTo({ clients, users }, data) {
    await this.#command('publish', { clients: clients ?? [], users: users ?? [], data: normalizePayload(data) });
  }

  async send(data) {
    await this.#command('send', { data: normalizePayload(data) });
  }

  // The clients subscribed to the topic: [{ client, user, info? }].
  async presence(topic) {
    return (await this.#command('presence', { topic })).presence;
  }

  async presenceStats(topic) {
    const { clients, users } = await this.#command('presence_stats', { topic });
    return { clients, users };
  }

  // Resolves with { offset, epoch, messages: [{ topic, offset, epoch, data }] }.
  async history(topic, { limit, since, reverse } = {}) {
    const body = { topic };
    if (limit !== undefined) body.limit = limit;
    if (since) body.since = { offset: since.offset, epoch: since.epoch ?? '' };
    if (reverse) body.reverse = true;
    const result = await this.#command('history', body);
    return {
      offset: result.offset,
      epoch: result.epoch,
      messages: result.messages.map((m) => ({ topic, offset: m.offset, epoch: result.epoch, data: m.data })),
    };
  }

  async ping() {
    await this.#command('ping', {});
  }

  // ---- commands and replies

  #command(name, body) {
    if (this.#state === 'connected') return this._request(this.#connection, name, body);
    if (!this.#wanted) {
      return Promise.reject(new NotifyError(ErrorCode.CLIENT_CLOSED, `${name}: the client is not connected (call connect() first)`));
    }
    return new Promise((resolve, reject) => this.#waiting.push({ name, body, resolve, reject }));
  }

  // Sends a command on `connection` and resolves with its result (rejects with its error).
  _request(connection, name, body) {
    return new Promise((resolve, reject) => {
      this._call(connection, name, body, (error, result) => (error ? reject(error) : resolve(result)));
    });
  }

  // Sends a command; `settle(error, result)` runs synchronously when its reply is read, before
  // any later frame. The client's own bookkeeping needs that: a promise would settle only after
  // the frames that arrived in the same read (e.g. the messages following a subscribe reply).
  _call(connection, name, body, settle) {
    if (!connection || connection.closed) {
      settle(new NotifyError(ErrorCode.CONNECTION_LOST, `${name}: the connection is closed`));
      return;
    }
    const id = this.#nextId++;
    let frame;
    try {
      frame = connection.encode(id, name, body);
    } catch (error) {
      settle(error);
      return;
    }
    const timer = setTimeout(() => {
      connection.pending.delete(id);
      settle(new NotifyError(ErrorCode.TIMEOUT, `${name}: no reply within ${this.#options.timeout} ms`));
    }, this.#options.timeout);
    connection.pending.set(id, { name, settle, timer });
    connection.transport.send(frame);
  }

  _currentConnection() {
    return this.#connection;
  }

  _forget(subscription, onServer) {
    if (this.#subscriptions.get(subscription.topic) !== subscription) return;
    this.#subscriptions.delete(subscription.topic);
    if (onServer && this.#state === 'connected') {
      this._request(this.#connection, 'unsubscribe', { topic: subscription.topic }).catch(() => {
        // A lost connection or a session that no longer has it: either way it is gone.
      });
    }
  }

  _ack(subscription, offset) {
    if (this.#state !== 'connected') return; // unacknowledged messages come again after a reconnect
    this._request(this.#connection, 'ack', { topic: subscription.topic, offset }).catch((error) => {
      if (error.code !== ErrorCode.CONNECTION_LOST && error.code !== ErrorCode.CLIENT_CLOSED) {
        subscription._onAckFailed(error);
      }
    });
  }

  _reportError(error) {
    this.emit('error', error);
  }

  // ---- connection lifecycle

  #backoffDelay() {
    // Full jitter: uniform in [0, min(max, min * 2^attempts)], so that clients dropped together
    // do not come back together.
    const { minReconnectDelay, maxReconnectDelay } = this.#options;
    const ceiling = Math.min(maxReconnectDelay, minReconnectDelay * 2 ** this.#failedAttempts);
    return Math.random() * ceiling;
  }

  #scheduleReconnect(delay) {
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = setTimeout(() => this.#openConnection(), delay);
  }

  async #currentToken() {
    const { getToken } = this.#options;
    // Refresh a token that is known expired or about to (the server would refuse it).
    const expired = this.#tokenStale || Date.now() >= this.#tokenExpiresAt - 1000;
    if (getToken && (this.#token === undefined || expired)) {
      let token;
      try {
        token = await getToken();
      } catch (error) {
        throw new NotifyError(ErrorCode.TOKEN_SOURCE_FAILED, `getToken failed: ${error?.message ?? error}`);
      }
      if (typeof token !== 'string' || token === '') {
        throw new NotifyError(ErrorCode.TOKEN_SOURCE_FAILED, 'getToken returned no token');
      }
      this.#token = token;
      this.#tokenStale = false;
      this.#tokenExpiresAt = Infinity;
    }
    return this.#token;
  }

  #createTransport(name) {
    const options = this.#options;
    if (name === 'websocket') {
      const binary = options.encoding === 'binary';
      return {
        transport: new WebSocketTransport({
          url: options.url,
          WebSocket: options.WebSocket,
          subprotocol: binary ? BINARY_SUBPROTOCOL : JSON_SUBPROTOCOL,
        }),
        encode: binary ? encodeBinaryCommand : encodeJsonCommand,
        decode: binary ? decodeBinaryServerFrame : decodeJsonServerFrame,
      };
    }
    // The http transport carries the JSON encoding only.
    return {
      transport: new HttpTransport({ baseUrl: options.httpUrl, fetch: options.fetch, mode: name }),
      encode: encodeJsonCommand,
      decode: decodeJsonServerFrame,
    };
  }

  async #openConnection() {
    if (!this.#wanted) return;
    const transportName = this.#options.transports[this.#transportIndex];
    // A placeholder so that disconnect() during getToken() finds the attempt.
    const connection = {
      transport: { name: transportName, close() {} },
      pending: new Map(),
      closed: false,
      lastReceived: 0, // Date.now() of the last frame read (keepalive)
      framesReceived: 0,
      pingSentAt: null, // Date.now() of the keepalive ping waiting for an answer
      framesAtPing: 0, // framesReceived when it was sent
      pingConfirmed: false, // its deadline passed once; the next look decides
      keepaliveTimer: null,
      established: false, // the connect reply succeeded
      disconnectPush: null,
      retry: null, // set by a refused connect: how to go on
    };
    this.#connection = connection;
    this.#state = 'connecting';
    this.emit('connecting', { transport: transportName, attempt: this.#failedAttempts });
    let token;
    try {
      token = await this.#currentToken();
    } catch (error) {
      if (connection !== this.#connection) return;
      this._reportError(error);
      this.#connectionClosed(connection, { code: CloseCode.ABNORMAL, reason: error.message });
      return;
    }
    if (connection !== this.#connection || connection.closed) return;
    Object.assign(connection, this.#createTransport(transportName));
    const connectTimer = setTimeout(() => {
      connection.transport.close(CloseCode.NORMAL, 'connect timeout');
      this.#connectionClosed(connection, { code: CloseCode.ABNORMAL, reason: `no connect reply within ${this.#options.timeout} ms` });
    }, this.#options.timeout);
    connection.transport.open({
      onOpen: () => this.#sendConnect(connection, token, connectTimer),
      onFrame: (frame) => this.#onFrame(connection, frame),
      onClose: (event) => {
        clearTimeout(connectTimer);
        this.#connectionClosed(connection, event);
      },
    });
  }

  #sendConnect(connection, token, connectTimer) {
    const body = {};
    if (token) body.token = token;
    if (this.#session) {
      body.client = this.#session.clientId;
      body.resume = this.#session.resume;
    }
    if (this.#options.userId) body.user = this.#options.userId;
    const resuming = Boolean(this.#session);
    this._call(connection, 'connect', body, (error, result) => {
      clearTimeout(connectTimer);
      if (!error) this.#connected(connection, result);
      else if (error.code !== ErrorCode.CONNECTION_LOST && !connection.closed) this.#connectRefused(connection, error, resuming);
    });
  }

  #connectRefused(connection, error, resuming) {
    if (error.code === ErrorCode.UNAUTHORIZED && resuming) {
      // The session is no longer kept (or the server restarted): start a new one. Subscriptions
      // are restored with their last positions after it (docs/protocol.md section 11).
      this.#session = null;
      for (const subscription of this.#subscriptions.values()) subscription._sessionLost();
      connection.retry = { delay: IMMEDIATE_RETRY_MS };
    } else if (error.code === ErrorCode.TOKEN_EXPIRED && this.#options.getToken) {
      this.#tokenStale = true;
      // Twice in a row means getToken hands out expired tokens: back off instead of spinning.
      connection.retry = { delay: this.#failedAttempts === 0 ? IMMEDIATE_RETRY_MS : this.#backoffDelay() };
    } else {
      connection.retry = { stop: true };
      this._reportError(new NotifyError(error.code, `connect refused: ${error.message}`));
    }
    // The server closes the connection with 4004 after a refused connect; no need to wait for it.
    connection.transport.close(CloseCode.NORMAL, 'connect refused');
    this.#connectionClosed(connection, { code: CloseCode.UNAUTHORIZED, reason: error.message });
  }

  #connected(connection, result) {
    if (connection !== this.#connection || connection.closed) return;
    connection.established = true;
    const resumed = Boolean(result.resumed);
    if (this.#session && !resumed) {
      for (const subscription of this.#subscriptions.values()) subscription._sessionLost();
    }
    this.#session = { clientId: result.client, resume: result.resume, userId: result.user };
    this.#failedAttempts = 0;
    this.#transportIndex = 0;
    this.#scheduleRefresh(result.ttl_ms);
    this.#startKeepalive(connection);
    this.#state = 'connected';
    this.emit('connected', {
      clientId: result.client,
      userId: result.user,
      transport: connection.transport.name,
      resumed,
      ...(result.overflow ? { overflow: true } : {}),
    });
    if (this.#connection !== connection) return; // a listener disconnected
    for (const subscription of [...this.#subscriptions.values()]) {
      subscription._restore({ resumed, overflow: Boolean(result.overflow) });
    }
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const { name, body, resolve, reject } of waiting) {
      this._request(connection, name, body).then(resolve, reject);
    }
  }

  #onFrame(connection, raw) {
    if (connection.closed) return;
    connection.lastReceived = Date.now(); // any frame proves the connection alive (keepalive)
    connection.framesReceived += 1;
    let frame;
    try {
      frame = connection.decode(raw);
    } catch (error) {
      // A frame we cannot read may have been a reply or a message: the state is no longer known.
      this._reportError(error);
      connection.transport.close(CloseCode.PROTOCOL_ERROR, 'unreadable frame');
      this.#connectionClosed(connection, { code: CloseCode.PROTOCOL_ERROR, reason: error.message });
      return;
    }
    switch (frame.type) {
      case 'reply': {
        const waiter = connection.pending.get(frame.id);
        if (!waiter) return; // timed out already
        connection.pending.delete(frame.id);
        clearTimeout(waiter.timer);
        if (frame.error) waiter.settle(new NotifyError(frame.error.code, frame.error.message));
        else waiter.settle(null, frame.result);
        return;
      }
      case 'message': {
        const subscription = frame.topic ? this.#subscriptions.get(frame.topic) : undefined;
        if (subscription) {
          subscription._onMessage(frame);
        } else {
          // Published to this client or user directly (topic ""), or to a topic the server
          // subscribed the client to (e.g. a token's `topics` claim).
          const data = { data: frame.data };
          if (frame.topic) Object.assign(data, { topic: frame.topic, offset: frame.offset, epoch: frame.epoch });
          this.emit('data', data);
        }
        return;
      }
      case 'recover':
        this.#subscriptions.get(frame.topic)?._onRecoverPush(frame);
        return;
      case 'join':
      case 'leave': {
        const { type, ...info } = frame;
        const subscription = this.#subscriptions.get(frame.topic);
        if (type === 'join') subscription?._onJoin(info);
        else subscription?._onLeave(info);
        return;
      }
      case 'disconnect':
        connection.disconnectPush = { code: frame.code, reason: frame.reason };
        return;
      default:
        return; // a push kind of a later protocol version
    }
  }

  #connectionClosed(connection, event) {
    if (connection.closed) return;
    connection.closed = true;
    clearTimeout(connection.keepaliveTimer);
    if (connection !== this.#connection) return;
    this.#connection = null;
    clearTimeout(this.#refreshTimer);
    for (const [, waiter] of connection.pending) {
      clearTimeout(waiter.timer);
      const code = this.#wanted ? ErrorCode.CONNECTION_LOST : ErrorCode.CLIENT_CLOSED;
      waiter.settle(new NotifyError(code, `${waiter.name}: the connection closed before the reply (${event.reason || event.code})`));
    }
    connection.pending.clear();
    for (const subscription of this.#subscriptions.values()) subscription._connectionLost();

    // The server's disconnect push names the real reason; the transport may only know that
    // the connection ended (SSE, long-polling) or report 1006.
    const { code, reason } = connection.disconnectPush ?? event;
    const wasConnected = this.#state === 'connected';
    let delay = null; // null: do not reconnect
    if (!this.#wanted || connection.retry?.stop) {
      delay = null;
    } else if (connection.retry) {
      delay = connection.retry.delay;
    } else if (code === CloseCode.TOKEN_EXPIRED) {
      // The token expired without a refresh: reconnect as the same client with a new one.
      this.#tokenStale = true;
      delay = this.#options.getToken ? IMMEDIATE_RETRY_MS : null;
      if (delay === null) this._reportError(new NotifyError(ErrorCode.TOKEN_EXPIRED, 'the token expired and there is no getToken to get a new one'));
    } else if (CLOSE_CODES_WITHOUT_RECONNECT.has(code)) {
      delay = null;
    } else if (!connection.established && this.#transportIndex + 1 < this.#options.transports.length) {
      // This transport could not connect: the next one gets its chance at once.
      this._reportError(new NotifyError(ErrorCode.TRANSPORT_FAILED, `${connection.transport.name} could not connect: ${reason || code}`));
      this.#transportIndex += 1;
      delay = IMMEDIATE_RETRY_MS;
    } else {
      if (!connection.established) {
        this._reportError(new NotifyError(ErrorCode.TRANSPORT_FAILED, `${connection.transport.name} could not connect: ${reason || code}`));
      }
      this.#transportIndex = 0;
      delay = this.#backoffDelay();
      this.#failedAttempts += 1;
    }

    if (delay === null) {
      this.#stop(code, reason, wasConnected);
      return;
    }
    if (wasConnected) {
      this.#state = 'connecting';
      this.emit('disconnected', { code, reason, reconnect: true });
    }
    this.#scheduleReconnect(delay);
  }

  // Ends reconnecting: state 'disconnected', waiting commands rejected.
  #stop(code, reason, announce = true) {
    this.#wanted = false;
    clearTimeout(this.#reconnectTimer);
    clearTimeout(this.#refreshTimer);
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const { name, reject } of waiting) {
      reject(new NotifyError(ErrorCode.CLIENT_CLOSED, `${name}: the client disconnected (${reason || code})`));
    }
    const changed = this.#state !== 'disconnected';
    this.#state = 'disconnected';
    if (announce || changed) this.emit('disconnected', { code, reason, reconnect: false });
  }

  // ---- keepalive

  // A connection can die silently (a network that drops packets: no close, no RST), and only
  // traffic tells. After pingInterval ms without any frame received the client sends the
  // protocol's ping; when no frame at all (the ping's reply or anything else) came pingTimeout ms
  // later, the connection is taken as lost: closed, then reconnected like any broken connection
  // (backoff, resume, recovery). One timer per connection, re-armed from the time of the last
  // frame, so busy connections cost nothing per frame but a Date.now().
  #startKeepalive(connection) {
    const { pingInterval, pingTimeout } = this.#options;
    if (!(pingInterval > 0) || !(pingTimeout > 0)) return;
    connection.lastReceived = Date.now();
    connection.pingSentAt = null;
    const tick = () => {
      if (connection.closed || connection !== this.#connection) return;
      const now = Date.now();
      if (connection.pingSentAt !== null) {
        if (connection.framesReceived > connection.framesAtPing) {
          connection.pingSentAt = null; // answered (or other traffic came): alive
        } else if (now - connection.pingSentAt >= pingTimeout && !connection.pingConfirmed) {
          // After a stalled event loop, due timers run before the I/O that waited meanwhile (the
          // reply may be read already but not handled): look once more after that I/O.
          connection.pingConfirmed = true;
          connection.keepaliveTimer = setTimeout(tick, 0);
          return;
        } else if (now - connection.pingSentAt >= pingTimeout) {
          const reason = `no reply to ping within ${pingTimeout} ms`;
          connection.transport.close(CloseCode.NORMAL, reason);
          this.#connectionClosed(connection, { code: CloseCode.ABNORMAL, reason });
          return;
        } else {
          connection.keepaliveTimer = setTimeout(tick, connection.pingSentAt + pingTimeout - now);
          return;
        }
      }
      const idle = now - connection.lastReceived;
      if (idle >= pingInterval) {
        connection.pingSentAt = now;
        connection.framesAtPing = connection.framesReceived;
        connection.pingConfirmed = false;
        // The reply only matters as traffic (lastReceived); its error or TIMEOUT is not reported.
        this._call(connection, 'ping', {}, () => {});
        connection.keepaliveTimer = setTimeout(tick, pingTimeout);
      } else {
        connection.keepaliveTimer = setTimeout(tick, pingInterval - idle);
      }
    };
    clearTimeout(connection.keepaliveTimer);
    connection.keepaliveTimer = setTimeout(tick, pingInterval);
  }

  // ---- token refresh (docs/protocol.md, refresh)

  #scheduleRefresh(ttlMs) {
    clearTimeout(this.#refreshTimer);
    if (ttlMs === undefined || ttlMs === null) {
      this.#tokenExpiresAt = Infinity;
      return;
    }
    this.#tokenExpiresAt = Date.now() + ttlMs;
    if (!this.#options.getToken) {
      this._reportError(new NotifyError(ErrorCode.TOKEN_EXPIRED,
        `the token expires in ${Math.round(ttlMs / 1000)} s and cannot be refreshed without getToken; the server will close the connection then`));
      return;
    }
    this.#refreshTimer = setTimeout(() => this.#refresh(), ttlMs * REFRESH_AT);
  }

  async #refresh() {
    const connection = this.#connection;
    try {
      this.#tokenStale = true; // ask getToken for a new one, not the current one
      const token = await this.#currentToken();
      if (connection !== this.#connection || this.#state !== 'connected') return;
      const result = await this._request(connection, 'refresh', { token });
      this.#scheduleRefresh(result.ttl_ms);
    } catch (error) {
      if (connection !== this.#connection || error.code === ErrorCode.CONNECTION_LOST || error.code === ErrorCode.CLIENT_CLOSED) return;
      // Not fatal: the connection keeps its current expiry (and is closed with 4006 after the
      // server's grace period, which reconnects with a new token). Try again meanwhile.
      this._reportError(new NotifyError(error.code ?? ErrorCode.TOKEN_SOURCE_FAILED, `token refresh failed: ${error.message}`));
      clearTimeout(this.#refreshTimer);
      if (Date.now() + REFRESH_RETRY_MS < this.#tokenExpiresAt) {
        this.#refreshTimer = setTimeout(() => this.#refresh(), REFRESH_RETRY_MS);
      }
    }
  }
}

