// Error and close codes of the client protocol (docs/protocol.md sections 7 and 8), and the
// error type every rejected promise and 'error' event of this package carries.

// Codes 100-111 come from the server. Codes below 100 are this client's own: they never travel
// on the wire, so they cannot collide with a server code.
export const ErrorCode = Object.freeze({
  CONNECTION_LOST: 1, // the connection broke before the reply came; the command may or may not have run
  CLIENT_CLOSED: 2, // disconnect() was called, or the client stopped reconnecting
  TIMEOUT: 3, // no reply within the `timeout` option
  TRANSPORT_FAILED: 4, // a transport could not connect (the client falls back or retries)
  TOKEN_SOURCE_FAILED: 5, // getToken() threw or returned no token
  PROTOCOL: 6, // the server sent something this client cannot read
  INTERNAL: 100,
  UNAUTHORIZED: 101,
  BAD_REQUEST: 102,
  UNKNOWN_COMMAND: 103,
  PERMISSION_DENIED: 104,
  LIMIT_EXCEEDED: 105,
  NOT_CONNECTED: 106,
  ALREADY_CONNECTED: 107,
  NOT_FOUND: 108,
  TOO_LARGE: 109,
  UNRECOVERABLE: 110,
  TOKEN_EXPIRED: 111,
});

export const CloseCode = Object.freeze({
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  ABNORMAL: 1006, // no close frame: the connection just broke
  INVALID_DATA: 1007,
  POLICY: 1008,
  TOO_BIG: 1009,
  SLOW_CONSUMER: 4001,
  REPLACED: 4002,
  DISCONNECTED: 4003,
  UNAUTHORIZED: 4004,
  EXPIRED: 4005,
  TOKEN_EXPIRED: 4006,
});

// docs/protocol.md section 8: "it should not retry blindly after 4002, 4004 or 4005". 4003 is
// the server API or a handler disconnecting the client on purpose: coming back at once would
// undo it. A 4004 caused by an expired token or a lost session is retried by the client itself,
// which knows the reason from the connect reply.
export const CLOSE_CODES_WITHOUT_RECONNECT = Object.freeze(
  new Set([CloseCode.REPLACED, CloseCode.DISCONNECTED, CloseCode.UNAUTHORIZED, CloseCode.EXPIRED]),
);

export class NotifyError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'NotifyError';
    this.code = code;
  }
}
