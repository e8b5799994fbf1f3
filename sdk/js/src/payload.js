// Payloads are opaque bytes (docs/protocol.md section 6). The application sees a payload that is
// valid UTF-8 as a string and any other as a Uint8Array, whatever the encoding carried it.

const utf8Encoder = new TextEncoder();
const strictUtf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function utf8Bytes(text) {
  return utf8Encoder.encode(text);
}

// The text of `bytes`, or undefined when they are not valid UTF-8.
export function utf8TextOrUndefined(bytes) {
  try {
    return strictUtf8Decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

export function payloadFromBytes(bytes) {
  const text = utf8TextOrUndefined(bytes);
  return text === undefined ? bytes : text;
}

// What the application may publish or send: a string (sent as UTF-8) or bytes.
export function normalizePayload(data) {
  if (typeof data === 'string') return data;
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError('data must be a string, a Uint8Array, an ArrayBuffer or a typed array');
}

export function bytesToBase64(bytes) {
  let binary = '';
  const chunk = 0x8000; // String.fromCharCode takes its arguments on the stack
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}

export function base64ToBytes(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
