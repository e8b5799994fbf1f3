// One subscription to a topic: its handlers, the last position the application saw, and the
// rules that make delivery exactly-once and in order across reconnects (docs/protocol.md
// sections 3 subscribe, 5 recover, 11 reconnecting).
import { callSafely } from './emitter.js';
import { ErrorCode, NotifyError } from './errors.js';

export class Subscription {
  #client;
  // lastSeen: { offset, epoch } of the last message handed to onMessage (or the `since` given,
  // or the stream's position from a recovery reply). An empty epoch stands for "the current
  // one" until the server names it.
  #lastSeen = null;
  #recovering = false; // a subscribe with `since` is waiting for its reply
  #confirmed = false; // the server holds this subscription (on the current session)
  #active = true;
  // At-least-once (ack: true or 'manual'). An ack of offset N acknowledges every message up to N
  // (docs/protocol.md, ack), so only the acked prefix of the delivered messages is ever
  // acknowledged to the server. With 'manual' the application acks each message with
  // message.ack(); with true the client acks it once onMessage returned or its Promise resolved.
  // { offset, epoch, acked, running } handed to onMessage, in offset order, not yet in the prefix;
  // running (ack: true): its handler has not finished yet.
  #unacked = [];
  #ackedThrough = null; // offset: every message handed over up to it was acked by the application
  #sentAck = -1; // the highest ack sent on the current connection
  // The highest offset the server delivered on the current connection since the last subscribe
  // reply: the server refuses an ack above what it delivered (bad_request), and a subscribe with
  // `since` or a reconnect rewinds its delivery cursor.
  #ackLimit = -1;
  #subscribesInFlight = 0;

  constructor(client, topic, options) {
    this.topic = topic;
    this.#client = client;
    this.options = options;
    if (options.since) this.#lastSeen = { offset: options.since.offset, epoch: options.since.epoch ?? '' };
  }

  // The last position the application saw of this topic, to give as `since` to a later client.
  get position() {
    return this.#lastSeen && { ...this.#lastSeen };
  }

  get active() {
    return this.#active;
  }

  unsubscribe() {
    if (!this.#active) return;
    this.#active = false;
    this.#client._forget(this, this.#confirmed);
  }

  // The session holding this subscription is gone (a new session starts without any).
  _sessionLost() {
    this.#confirmed = false;
    this.#recovering = false;
  }

  // The connection broke: a subscribe in flight may not have arrived.
  _connectionLost() {
    this.#recovering = false;
    this.#subscribesInFlight = 0;
    this.#sentAck = -1;
    this.#ackLimit = -1;
  }

  get #manualAck() {
    return this.options.ack === 'manual';
  }

  get #atLeastOnce() {
    return Boolean(this.options.ack); // true or 'manual'
  }

  // Called once per connect reply. resumed/overflow: of that reply.
  _restore({ resumed, overflow }) {
    if (!this.#active) return;
    if (resumed && !overflow && this.#confirmed) {
      // The session kept the subscription and delivers what it buffered. Messages written to
      // the broken connection may still be lost (section 11), and no later message would show
      // that gap when they were the last ones: recovering from the last position seen covers it.
      if (this.#lastSeen) this._subscribe(this.#lastSeen);
      return;
    }
    // A new session, or one whose buffer overflowed (its at-most-once subscriptions are held
    // until subscribed again): subscribe with the last position seen so the server replays
    // exactly what was missed. Without any position the subscription can only go on live.
    const hadSubscription = this.#confirmed;
    this._subscribe(this.#lastSeen, { reportLoss: hadSubscription && !this.#lastSeen });
  }

  _subscribe(since, { reportLoss = false } = {}) {
    const body = { topic: this.topic };
    if (since) {
      // A subscribe with `since` to an at-least-once topic moves the server's acked offset there.
      // Messages not acked yet (manual: the application did not call ack(); true: their handler
      // is still running, threw or rejected) must stay unacknowledged: ask from before the first
      // of them instead (the server delivers them again; see #onDuplicate). The recovery is
      // still judged against `since`, the last position seen.
      const first = this.#atLeastOnce ? this.#unacked[0] : undefined;
      const wire = first && first.epoch === since.epoch && first.offset - 1 < since.offset
        ? { offset: first.offset - 1, epoch: first.epoch }
        : since;
      body.since = { offset: wire.offset, epoch: wire.epoch };
    }
    if (this.options.token) body.token = this.options.token;
    this.#recovering = Boolean(since);
    const connection = this.#client._currentConnection();
    this.#subscribesInFlight += 1;
    this.#client._call(connection, 'subscribe', body, (error, result) => {
      if (connection !== this.#client._currentConnection()) return;
      this.#subscribesInFlight = Math.max(0, this.#subscribesInFlight - 1);
      if (!this.#active) return;
      if (!error) {
        this.#confirmed = true;
        this.#recovering = false;
        if (since) this.#recovered(since, result);
        else if (reportLoss) this.#notify('onRecovered', { recovered: false });
      } else if (error.code !== ErrorCode.CONNECTION_LOST && error.code !== ErrorCode.CLIENT_CLOSED) {
        // Refused by the server: the subscription cannot go on. (A lost connection restores
        // it on the next connect.)
        this.#active = false;
        this.#client._forget(this, false);
        this.#notify('onError', error);
      }
    });
  }

  #recovered(since, result) {
    const sameEpoch = since.epoch === '' || since.epoch === result.epoch;
    if (this.#lastSeen && this.#lastSeen.epoch === '') this.#lastSeen.epoch = result.epoch;
    // Messages that continued the stream while the reply was awaited were accepted; when they
    // reach the stream's position nothing was missed, whatever the server could replay.
    const caughtUp = this.#lastSeen && this.#lastSeen.epoch === result.epoch && this.#lastSeen.offset >= result.offset;
    if (result.recovered || caughtUp) {
      this.#notify('onRecovered', { recovered: true, missed: sameEpoch ? Math.max(0, result.offset - since.offset) : 0 });
      return;
    }
    // Nothing of the past follows: the stream goes on live from the reply's position.
    this.#lastSeen = { offset: result.offset, epoch: result.epoch };
    // Messages still waiting for their ack are of a past the server no longer delivers.
    this.#forgetUnacked();
    const info = { recovered: false };
    if (sameEpoch) info.missed = result.offset - since.offset;
    this.#notify('onRecovered', info);
  }

  // A recover push (section 5): the server lost messages it owed us.
  _onRecoverPush() {
    if (!this.#active || this.#recovering) return; // a recovery under way covers it
    if (this.#lastSeen) this._subscribe(this.#lastSeen);
    else this.#notify('onRecovered', { recovered: false });
  }

  _onMessage(message) {
    if (!this.#active) return;
    const last = this.#lastSeen;
    if (last) {
      const sameEpoch = last.epoch === '' || last.epoch === message.epoch;
      if (sameEpoch && message.offset <= last.offset) {
        // Delivered before (a replay after a reconnect, or a redelivery of what was not acked).
        // An at-least-once subscription hands an un-acked one over again and acks the rest
        // again, else the server would keep delivering them.
        if (this.#atLeastOnce) this.#onDuplicate(message);
        return;
      }
      if (!sameEpoch || message.offset !== last.offset + 1) {
        // A gap or another epoch: never hand it over out of order. Recover from the last
        // position seen; the server replays what is missing, this message included.
        if (!this.#recovering) this._subscribe(last);
        return;
      }
    }
    this.#lastSeen = { offset: message.offset, epoch: message.epoch };
    if (this.#atLeastOnce) {
      this.#noteDelivered(message.offset);
      const entry = { offset: message.offset, epoch: message.epoch, acked: false, running: false };
      this.#unacked.push(entry);
      this.#handOver(message, entry, false);
      return;
    }
    // At most once: no acks, the position seen is what recovery goes by.
    const delivered = { topic: message.topic, data: message.data, offset: message.offset, epoch: message.epoch };
    const handler = this.options.onMessage;
    if (!handler) return;
    try {
      handler.call(this.options, delivered);
    } catch (error) {
      this.#notify('onError', error);
    }
  }

  // ---- at-least-once (ack: true, ack: 'manual')

  // Gives a message to onMessage; `redelivered`: the server sent it again because it was not
  // acked (after its ack_timeout, or after a reconnect). ack: 'manual' adds the message's ack().
  // ack: true acks it once the handler returned or its Promise resolved; a handler that threw or
  // rejected leaves it un-acked, so that the server delivers it again (and it holds back the acks
  // of later messages meanwhile: acks are cumulative).
  #handOver(message, entry, redelivered) {
    const manual = this.#manualAck;
    const delivered = { topic: message.topic, data: message.data, offset: message.offset, epoch: message.epoch };
    if (manual) delivered.ack = () => this.#applicationAck(entry);
    if (redelivered) delivered.redelivered = true;
    const handler = this.options.onMessage;
    if (!handler) {
      if (!manual) this.#applicationAck(entry);
      return;
    }
    let outcome;
    try {
      outcome = handler.call(this.options, delivered);
    } catch (error) {
      this.#notify('onError', error); // not acked (unless ack() was called): delivered again later
      return;
    }
    if (outcome && typeof outcome.then === 'function') {
      if (!manual) entry.running = true;
      Promise.resolve(outcome).then(
        () => {
          if (manual) return;
          entry.running = false;
          this.#applicationAck(entry);
        },
        (error) => {
          entry.running = false;
          this.#notify('onError', error);
        },
      );
    } else if (!manual) {
      this.#applicationAck(entry);
    }
  }

  // A message at or before the last position seen: the server delivers again what was not
  // acknowledged to it. One not acked yet is handed over again — unless its handler (ack: true)
  // is still running: its ack goes out when it finishes. For the rest the server needs (again)
  // the ack of the prefix.
  #onDuplicate(message) {
    // Until the reply to a subscribe with `since`, what comes is from before the server rewound
    // its cursor: the same messages follow the reply again.
    if (this.#subscribesInFlight > 0) return;
    this.#noteDelivered(message.offset);
    const entry = this.#unacked.find((e) => e.offset === message.offset && e.epoch === message.epoch);
    if (entry && !entry.acked && !entry.running) this.#handOver(message, entry, true);
    this.#flushAcks();
  }

  #noteDelivered(offset) {
    if (this.#subscribesInFlight === 0 && offset > this.#ackLimit) {
      this.#ackLimit = offset;
      this.#flushAcks();
    }
  }

  #applicationAck(entry) {
    if (!this.#active || entry.acked) return;
    entry.acked = true;
    let advanced = false;
    while (this.#unacked.length > 0 && this.#unacked[0].acked) {
      this.#ackedThrough = this.#unacked.shift().offset;
      advanced = true;
    }
    if (advanced) this.#flushAcks();
  }

  // Sends the ack of the acked prefix, as far as the server delivered on this connection (the
  // rest goes once it delivers them again). Offsets only grow: the order of the protocol.
  #flushAcks() {
    if (this.#ackedThrough === null) return;
    const offset = Math.min(this.#ackedThrough, this.#ackLimit);
    if (offset <= this.#sentAck) return;
    this.#sentAck = offset;
    this.#client._ack(this, offset);
  }

  #forgetUnacked() {
    for (const entry of this.#unacked) entry.acked = true; // their ack() (or handler's end) does nothing any more
    this.#unacked = [];
    this.#ackedThrough = null;
  }

  _onJoin(info) {
    if (this.#active) this.#notify('onJoin', info);
  }

  _onLeave(info) {
    if (this.#active) this.#notify('onLeave', info);
  }

  _onAckFailed(error) {
    if (this.#atLeastOnce && error.code === ErrorCode.BAD_REQUEST) {
      // The server rewound its delivery (ack_timeout) between our view and the ack: the ack is
      // sent again once it delivers those messages again.
      this.#sentAck = -1;
      this.#ackLimit = -1;
      return;
    }
    this.#notify('onError', error);
  }

  #notify(handlerName, value) {
    const handler = this.options[handlerName];
    if (typeof handler === 'function') callSafely(() => handler.call(this.options, value));
    else if (handlerName === 'onError') this.#client._reportError(new NotifyError(value.code ?? ErrorCode.PROTOCOL, `subscription '${this.topic}': ${value.message}`));
  }
}
