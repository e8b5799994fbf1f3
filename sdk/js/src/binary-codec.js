// notify.binary.v1 (docs/protocol.md section 12): the same commands, replies and pushes as the
// JSON encoding, with raw payload bytes. Decodes into the same frame objects as json-codec.js.
import { ErrorCode, NotifyError } from './errors.js';
import { payloadFromBytes, utf8Bytes } from './payload.js';

export const BINARY_SUBPROTOCOL = 'notify.binary.v1';
const PROTOCOL_VERSION = 1;

const COMMAND_TYPES = {
  connect: 0x01, subscribe: 0x02, unsubscribe: 0x03, publish: 0x04, send: 0x05, ping: 0x06,
  ack: 0x07, refresh: 0x08, presence: 0x09, presence_stats: 0x0a, history: 0x0b,
};

class Writer {
  #bytes = [];

  u8(value) {
    this.#bytes.push(value & 0xff);
  }

  // Unsigned LEB128. Numbers past 2^53 lose precision in JavaScript anyway.
  varint(value) {
    if (!Number.isSafeInteger(value) || value < 0) throw new TypeError(`expected an unsigned integer, got ${value}`);
    let rest = value;
    while (rest >= 0x80) {
      this.#bytes.push((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    this.#bytes.push(rest);
  }

  bytes(data) {
    this.varint(data.length);
    for (const byte of data) this.#bytes.push(byte);
  }

  string(text) {
    this.bytes(utf8Bytes(text));
  }

  list(items, writeItem) {
    this.varint(items.length);
    for (const item of items) writeItem(item);
  }

  result() {
    return Uint8Array.from(this.#bytes);
  }
}

export function encodeBinaryCommand(id, name, body) {
  const type = COMMAND_TYPES[name];
  if (type === undefined) throw new TypeError(`unknown command '${name}'`);
  const w = new Writer();
  w.u8(type);
  w.varint(id);
  const payload = (data) => (typeof data === 'string' ? utf8Bytes(data) : data);
  switch (name) {
    case 'connect': {
      w.varint(PROTOCOL_VERSION);
      const fields = ['token', 'client', 'resume', 'user'];
      let presence = 0;
      fields.forEach((field, bit) => { if (body[field]) presence |= 1 << bit; });
      w.u8(presence);
      for (const field of fields) if (body[field]) w.string(body[field]);
      break;
    }
    case 'subscribe':
      w.u8((body.since ? 1 : 0) | (body.token ? 2 : 0));
      w.string(body.topic);
      if (body.since) {
        w.varint(body.since.offset);
        w.string(body.since.epoch);
      }
      if (body.token) w.string(body.token);
      break;
    case 'publish':
      w.list(body.topics ?? (body.topic ? [body.topic] : []), (t) => w.string(t));
      w.list(body.clients ?? [], (c) => w.string(c));
      w.list(body.users ?? [], (u) => w.string(u));
      w.bytes(payload(body.data));
      break;
    case 'send':
      w.bytes(payload(body.data));
      break;
    case 'ping':
      break;
    case 'ack':
      w.string(body.topic);
      w.varint(body.offset);
      break;
    case 'refresh':
      w.string(body.token);
      break;
    case 'history':
      w.u8((body.since ? 1 : 0) | (body.reverse ? 2 : 0));
      w.string(body.topic);
      w.varint(body.limit ?? 0);
      if (body.since) {
        w.varint(body.since.offset);
        w.string(body.since.epoch);
      }
      break;
    default: // unsubscribe, presence, presence_stats
      w.string(body.topic);
  }
  return w.result();
}

class Reader {
  #offset = 0;

  constructor(bytes) {
    this.bytes = bytes;
  }

  #fail(what) {
    throw new NotifyError(ErrorCode.PROTOCOL, `binary frame: ${what} at byte ${this.#offset}`);
  }

  u8() {
    if (this.#offset >= this.bytes.length) this.#fail('truncated');
    return this.bytes[this.#offset++];
  }

  varint() {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const byte = this.u8();
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return value;
      scale *= 0x80;
    }
    return this.#fail('varint longer than 10 bytes');
  }

  rawBytes() {
    const length = this.varint();
    if (this.#offset + length > this.bytes.length) this.#fail(`length ${length} runs past the end`);
    const slice = this.bytes.slice(this.#offset, this.#offset + length);
    this.#offset += length;
    return slice;
  }

  string() {
    return new TextDecoder().decode(this.rawBytes());
  }

  list(readItem) {
    const count = this.varint();
    const items = [];
    for (let i = 0; i < count; i++) items.push(readItem());
    return items;
  }
}

function parseInfo(text) {
  return text === '' ? undefined : JSON.parse(text);
}

function withInfo(entry, infoText) {
  const info = parseInfo(infoText);
  return info === undefined ? entry : { ...entry, info };
}

export function decodeBinaryServerFrame(bytes) {
  if (typeof bytes === 'string') throw new NotifyError(ErrorCode.PROTOCOL, 'a text frame on a binary connection');
  const r = new Reader(bytes);
  const type = r.u8();
  switch (type) {
    case 0x40: return { type: 'reply', id: r.varint(), result: decodeResult(r) };
    case 0x41: return { type: 'reply', id: r.varint(), error: { code: r.varint(), message: r.string() } };
    case 0x80: return { type: 'message', topic: r.string(), offset: r.varint(), epoch: r.string(), data: payloadFromBytes(r.rawBytes()) };
    case 0x81: return { type: 'disconnect', code: r.varint(), reason: r.string() };
    case 0x82: return { type: 'recover', topic: r.string(), offset: r.varint(), epoch: r.string(), reason: r.string() };
    case 0x83:
    case 0x84: {
      const entry = { type: type === 0x83 ? 'join' : 'leave', topic: r.string(), client: r.string(), user: r.string() };
      return withInfo(entry, r.string());
    }
    default:
      if (type >= 0x80 && type <= 0xbf) return { type: 'unknown' }; // a later version's push
      throw new NotifyError(ErrorCode.PROTOCOL, `binary frame: unknown type 0x${type.toString(16).padStart(2, '0')}`);
  }
}

function decodeResult(r) {
  const presence = r.u8();
  const result = {};
  ['client', 'user', 'resume', 'version'].forEach((field, bit) => {
    if (presence & (1 << bit)) result[field] = r.string();
  });
  if (presence & 0x10) {
    result.positions = r.list(() => ({ topic: r.string(), offset: r.varint(), epoch: r.string() }));
  }
  if (presence & 0x20) {
    result.offset = r.varint();
    result.epoch = r.string();
  }
  if (presence & 0x40) result.recovered = r.u8() === 1;
  if (presence & 0x80) {
    const flags = r.u8();
    if (flags & 0x01) result.resumed = true;
    if (flags & 0x02) result.overflow = true;
    if (flags & 0x04) result.ttl_ms = r.varint();
    if (flags & 0x08) result.presence = r.list(() => withInfo({ client: r.string(), user: r.string() }, r.string()));
    if (flags & 0x10) {
      result.clients = r.varint();
      result.users = r.varint();
    }
    if (flags & 0x20) result.messages = r.list(() => ({ offset: r.varint(), data: payloadFromBytes(r.rawBytes()) }));
  }
  return result;
}
