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
  #ackChain = Promise.resolve();

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
    if (since) body.since = { offset: since.offset, epoch: since.epoch };
    if (this.options.token) body.token = this.options.token;
    this.#recovering = Boolean(since);
    const connection = this.#client._currentConnection();
    this.#client._call(connection, 'subscribe', body, (error, result) => {
      if (!this.#active || connection !== this.#client._currentConnection()) return;
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
        // Delivered before (a replay after a reconnect). An at-least-once subscription acks it
        // again, else the server would keep delivering it.
        if (this.options.ack) this.#queueAck(message.offset, undefined);
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
    const delivered = { topic: message.topic, data: message.data, offset: message.offset, epoch: message.epoch };
    const handler = this.options.onMessage;
    let outcome;
    if (handler) {
      try {
        outcome = handler.call(this.options, delivered);
      } catch (error) {
        this.#notify('onError', error);
        return; // not acknowledged: an at-least-once topic delivers it again after a reconnect
      }
    }
    if (this.options.ack) this.#queueAck(message.offset, outcome);
  }

  // Acks go out in offset order, each once its message's handler finished (acks are cumulative,
  // so acking a later offset first would acknowledge a message still being processed).
  #queueAck(offset, outcome) {
    const processed = outcome && typeof outcome.then === 'function' ? outcome : undefined;
    this.#ackChain = this.#ackChain
      .then(() => processed)
      .then(
        () => this.#client._ack(this, offset),
        (error) => this.#notify('onError', error),
      );
  }

  _onJoin(info) {
    if (this.#active) this.#notify('onJoin', info);
  }

  _onLeave(info) {
    if (this.#active) this.#notify('onLeave', info);
  }

  _onAckFailed(error) {
    this.#notify('onError', error);
  }

  #notify(handlerName, value) {
    const handler = this.options[handlerName];
    if (typeof handler === 'function') callSafely(() => handler.call(this.options, value));
    else if (handlerName === 'onError') this.#client._reportError(new NotifyError(value.code ?? ErrorCode.PROTOCOL, `subscription '${this.topic}': ${value.message}`));
  }
}
