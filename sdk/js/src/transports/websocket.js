// The websocket transport (plugins/websocket): one protocol frame per WebSocket message, text
// for notify.json.v1, binary for notify.binary.v1.
import { CloseCode } from '../errors.js';

export class WebSocketTransport {
  name = 'websocket';
  #socket = null;
  #handlers = null;
  #closed = false;

  // WebSocket: the constructor to use (the browser's, or `ws` in Node).
  constructor({ url, WebSocket, subprotocol }) {
    this.url = url;
    this.WebSocket = WebSocket;
    this.subprotocol = subprotocol;
  }

  // handlers: onOpen(), onFrame(string | Uint8Array), onClose({ code, reason }).
  // onClose is called once, unless close() was called first.
  open(handlers) {
    this.#handlers = handlers;
    let socket;
    try {
      socket = new this.WebSocket(this.url, this.subprotocol);
    } catch (error) {
      queueMicrotask(() => this.#finish(CloseCode.ABNORMAL, `cannot open ${this.url}: ${error.message}`));
      return;
    }
    this.#socket = socket;
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => {
      if (this.#closed) return;
      // A server that ignores the subprotocol would speak something else than we expect.
      if (socket.protocol !== this.subprotocol) {
        this.close(CloseCode.PROTOCOL_ERROR, 'subprotocol not accepted');
        this.#handlers.onClose({
          code: CloseCode.PROTOCOL_ERROR,
          reason: `the server did not accept the subprotocol ${this.subprotocol} (it chose '${socket.protocol}')`,
        });
        return;
      }
      handlers.onOpen();
    };
    socket.onmessage = (event) => {
      if (this.#closed) return;
      const data = typeof event.data === 'string' ? event.data : new Uint8Array(event.data);
      handlers.onFrame(data);
    };
    // Browsers say nothing useful in 'error'; the close event that always follows carries the code.
    socket.onerror = () => {};
    socket.onclose = (event) => this.#finish(event.code || CloseCode.ABNORMAL, event.reason || '');
  }

  #finish(code, reason) {
    if (this.#closed) return;
    this.#closed = true;
    this.#handlers.onClose({ code, reason });
  }

  send(frame) {
    if (!this.#closed && this.#socket?.readyState === 1 /* OPEN */) this.#socket.send(frame);
  }

  close(code = CloseCode.NORMAL, reason = '') {
    if (this.#closed) return;
    this.#closed = true;
    const socket = this.#socket;
    if (!socket) return;
    socket.onopen = socket.onmessage = socket.onclose = null;
    try {
      // Browsers allow only 1000 and 3000-4999 from a script.
      socket.close(code === CloseCode.NORMAL || (code >= 3000 && code <= 4999) ? code : CloseCode.NORMAL, reason);
    } catch {
      // already closing
    }
  }
}
