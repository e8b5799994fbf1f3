// notify.json.v1 (docs/protocol.md sections 2-5): commands out as JSON text, server frames in as
// the decoded frame objects the client works with (see decodeServerFrame below).
import { NotifyError, ErrorCode } from './errors.js';
import { base64ToBytes, bytesToBase64, payloadFromBytes } from './payload.js';

export const JSON_SUBPROTOCOL = 'notify.json.v1';

// `body` is the command's JSON member; a `data` member may hold bytes, which travel as data_b64.
export function encodeJsonCommand(id, name, body) {
  let wireBody = body;
  if (body.data instanceof Uint8Array) {
    const { data, ...rest } = body;
    wireBody = { ...rest, data_b64: bytesToBase64(data) };
  }
  return JSON.stringify({ id, [name]: wireBody });
}

function payloadOf(holder) {
  if (typeof holder.data === 'string') return holder.data;
  if (typeof holder.data_b64 === 'string') return payloadFromBytes(base64ToBytes(holder.data_b64));
  return '';
}

// Turns one server frame (its JSON text, or the already parsed object of a long-poll answer) into
//   { type: 'reply', id, result } | { type: 'reply', id, error: { code, message } }
//   { type: 'message', topic, offset, epoch, data } | { type: 'disconnect', code, reason }
//   { type: 'recover', topic, offset, epoch, reason } | { type: 'join' | 'leave', topic, client, user, info? }
//   { type: 'unknown' } (a push kind of a later server: skipped, as section 5 asks)
export function decodeJsonServerFrame(frame) {
  let value = frame;
  if (typeof frame === 'string') {
    try {
      value = JSON.parse(frame);
    } catch (error) {
      throw new NotifyError(ErrorCode.PROTOCOL, `invalid JSON from the server: ${error.message}`);
    }
  }
  if (value === null || typeof value !== 'object') {
    throw new NotifyError(ErrorCode.PROTOCOL, 'a server frame must be a JSON object');
  }
  if (value.push && typeof value.push === 'object') return decodePush(value.push);
  if (typeof value.id === 'number') {
    if (value.error) {
      return { type: 'reply', id: value.id, error: { code: value.error.code, message: value.error.message ?? '' } };
    }
    return { type: 'reply', id: value.id, result: decodeResult(value.result ?? {}) };
  }
  throw new NotifyError(ErrorCode.PROTOCOL, 'a server frame must be a reply (id) or a push');
}

function decodePush(push) {
  if (push.message) {
    const m = push.message;
    return { type: 'message', topic: m.topic ?? '', offset: m.offset ?? 0, epoch: m.epoch ?? '', data: payloadOf(m) };
  }
  if (push.disconnect) {
    return { type: 'disconnect', code: push.disconnect.code, reason: push.disconnect.reason ?? '' };
  }
  if (push.recover) {
    const r = push.recover;
    return { type: 'recover', topic: r.topic ?? '', offset: r.offset ?? 0, epoch: r.epoch ?? '', reason: r.reason ?? '' };
  }
  for (const type of ['join', 'leave']) {
    if (push[type]) {
      const { topic, client, user, info } = push[type];
      return { type, topic, client, user: user ?? '', ...(info ? { info } : {}) };
    }
  }
  return { type: 'unknown' };
}

function decodeResult(result) {
  if (Array.isArray(result.messages)) {
    return { ...result, messages: result.messages.map((m) => ({ offset: m.offset, data: payloadOf(m) })) };
  }
  return result;
}
