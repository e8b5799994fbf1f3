// The http transport (plugins/http): a session created by POST {base}/session, commands POSTed
// to {base}/session/{id}/commands (one per line), frames read either from the SSE stream
// {base}/session/{id}/events or by long-polling {base}/session/{id}/poll. JSON encoding only.
//
// SSE is read with fetch() streaming instead of EventSource: it works the same in browsers and
// Node (which has no EventSource), and lets the client decide about reconnecting itself instead
// of EventSource's automatic retries.
import { CloseCode } from '../errors.js';

export class HttpTransport {
  #handlers = null;
  #session = null;
  #closed = false;
  #abort = new AbortController();
  #outgoing = []; // command texts waiting for the POST in flight to finish
  #posting = false;
  #closeEvent = null; // the SSE 'close' event's { code, reason }, when the server sent one

  // mode: 'sse' or 'longpoll'. fetch: the fetch function to use.
  constructor({ baseUrl, fetch, mode }) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.fetch = fetch;
    this.mode = mode;
    this.name = mode;
  }

  open(handlers) {
    this.#handlers = handlers;
    // After close() the requests fail with AbortError; #finish ignores them then.
    this.#run().catch((error) => this.#finish(CloseCode.ABNORMAL, error?.message ?? String(error)));
  }

  async #run() {
    const created = await this.fetch(`${this.baseUrl}/session`, { method: 'POST', signal: this.#abort.signal });
    if (created.status !== 201) {
      throw new Error(`POST ${this.baseUrl}/session answered HTTP ${created.status}`);
    }
    this.#session = (await created.json()).session;
    if (typeof this.#session !== 'string') throw new Error('the session answer carries no session id');
    if (this.mode === 'sse') {
      await this.#readEvents();
    } else {
      this.#handlers.onOpen();
      await this.#poll();
    }
  }

  #sessionUrl(suffix) {
    return `${this.baseUrl}/session/${this.#session}/${suffix}`;
  }

  async #readEvents() {
    const response = await this.fetch(this.#sessionUrl('events'), {
      headers: { Accept: 'text/event-stream' },
      signal: this.#abort.signal,
    });
    if (!response.ok || !response.body) {
      throw new Error(`GET events answered HTTP ${response.status}`);
    }
    this.#handlers.onOpen();
    const parser = new SseParser((event, data) => {
      if (this.#closed) return;
      if (event === 'close') {
        this.#closeEvent = parseCloseEvent(data);
      } else if (event === 'message') {
        this.#handlers.onFrame(data);
      }
      // 'gap' only follows a Last-Event-ID, which this transport never sends: a broken stream
      // ends the connection, and the protocol's resume and recovery make up for it.
    });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.push(value);
    }
    const { code, reason } = this.#closeEvent ?? { code: CloseCode.ABNORMAL, reason: 'the event stream ended' };
    this.#finish(code, reason);
  }

  async #poll() {
    while (!this.#closed) {
      const response = await this.fetch(this.#sessionUrl('poll'), { signal: this.#abort.signal });
      if (response.status === 404) {
        this.#finish(CloseCode.ABNORMAL, 'the session ended');
        return;
      }
      if (!response.ok) throw new Error(`GET poll answered HTTP ${response.status}`);
      const frames = await response.json();
      for (const frame of frames) {
        if (this.#closed) return;
        this.#handlers.onFrame(frame);
      }
    }
  }

  send(frame) {
    if (this.#closed) return;
    this.#outgoing.push(frame);
    if (!this.#posting) this.#postOutgoing();
  }

  // One POST at a time, carrying everything queued: commands must reach the server in order.
  async #postOutgoing() {
    this.#posting = true;
    try {
      while (this.#outgoing.length > 0 && !this.#closed) {
        const body = this.#outgoing.join('\n');
        this.#outgoing = [];
        const response = await this.fetch(this.#sessionUrl('commands'), {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body,
          signal: this.#abort.signal,
        });
        if (response.status !== 202) {
          throw new Error(`POST commands answered HTTP ${response.status}`);
        }
        await response.arrayBuffer(); // lets the connection be reused
      }
    } catch (error) {
      this.#finish(CloseCode.ABNORMAL, error?.message ?? String(error));
    } finally {
      this.#posting = false;
    }
  }

  #finish(code, reason) {
    if (this.#closed) return;
    this.close();
    this.#handlers.onClose({ code, reason });
  }

  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort.abort();
    if (this.#session) {
      // Ends the server's session now rather than after its session_timeout: the server then
      // sees the client inactive, and the next connect resumes it cleanly (no "overflow" for
      // a replaced connection).
      this.fetch(`${this.baseUrl}/session/${this.#session}`, { method: 'DELETE', keepalive: true })
        .then((response) => response.arrayBuffer())
        .catch(() => {});
    }
  }
}

function parseCloseEvent(data) {
  try {
    const { code, reason } = JSON.parse(data);
    return { code, reason: reason ?? '' };
  } catch {
    return { code: CloseCode.ABNORMAL, reason: 'unreadable close event' };
  }
}

// Cuts a text/event-stream into events (the WHATWG rules this transport needs: data, event,
// comments, any line ending).
export class SseParser {
  #buffer = '';
  #data = [];
  #event = '';

  constructor(onEvent) {
    this.onEvent = onEvent;
  }

  push(text) {
    this.#buffer += text;
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.#buffer);
      // A lone '\r' at the end may be the first half of '\r\n': wait for more.
      if (!match || (match[0] === '\r' && match.index === this.#buffer.length - 1)) return;
      const line = this.#buffer.slice(0, match.index);
      this.#buffer = this.#buffer.slice(match.index + match[0].length);
      this.#line(line);
    }
  }

  #line(line) {
    if (line === '') {
      if (this.#data.length > 0) this.onEvent(this.#event || 'message', this.#data.join('\n'));
      this.#data = [];
      this.#event = '';
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.#data.push(value);
    else if (field === 'event') this.#event = value;
  }
}
