// The http transport (plugins/http): a session created by POST {base}/session, commands POSTed
// to {base}/session/{id}/commands (one per line), frames read either from the SSE stream
// {base}/session/{id}/events or by long-polling {base}/session/{id}/poll. JSON encoding only.
//
// SSE is read with fetch() streaming instead of EventSource: it works the same in browsers and
// Node (which has no EventSource), and lets the client decide about reconnecting itself instead
// of EventSource's automatic retries. A stream that breaks while the session lives on is
// reattached with Last-Event-ID: the server replays what the broken stream lost, and the
// protocol connection goes on as if nothing happened. When it cannot replay (`event: gap`), or
// the reattach fails, the connection ends and the client reconnects (resume and recovery).
import { CloseCode } from '../errors.js';

// Reattaches in a row without anything read in between: past that the stream is not healthy.
const MAX_SSE_REATTACHES = 3;

export class HttpTransport {
  #handlers = null;
  #session = null;
  #closed = false;
  #abort = new AbortController();
  #outgoing = []; // command texts waiting for the POST in flight to finish
  #posting = false;
  #closeEvent = null; // the SSE 'close' event's { code, reason }, when the server sent one
  #lastEventId = null; // the `id:` of the last SSE event read, for Last-Event-ID
  #reattaches = 0; // stream reattaches since something was last read

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
    let response = await this.#getEvents(null);
    if (!response.ok || !response.body) {
      throw new Error(`GET events answered HTTP ${response.status}`);
    }
    this.#handlers.onOpen();
    for (;;) {
      let broken;
      try {
        broken = await this.#readStream(response);
      } catch (error) {
        broken = error?.message ?? String(error);
      }
      if (this.#closed) return;
      if (this.#closeEvent) {
        this.#finish(this.#closeEvent.code, this.#closeEvent.reason);
        return;
      }
      // The stream broke (or ended) without the server's close event: the session may well be
      // alive. Reattach with the id of the last event read; a session that is gone answers 404.
      if (this.#lastEventId === null || this.#reattaches >= MAX_SSE_REATTACHES) {
        this.#finish(CloseCode.ABNORMAL, broken);
        return;
      }
      this.#reattaches += 1;
      try {
        response = await this.#getEvents(this.#lastEventId);
      } catch {
        response = null;
      }
      if (this.#closed) return;
      if (!response?.ok || !response.body) {
        response?.body?.cancel().catch(() => {});
        this.#finish(CloseCode.ABNORMAL, broken); // what broke the stream, not the failed reattach
        return;
      }
    }
  }

  #getEvents(lastEventId) {
    const headers = { Accept: 'text/event-stream' };
    if (lastEventId !== null) headers['Last-Event-ID'] = lastEventId;
    return this.fetch(this.#sessionUrl('events'), { headers, signal: this.#abort.signal });
  }

  // Reads one SSE response until it ends. Resolves with why it ended, or rejects with what broke
  // it. A `gap` event (the frames after Last-Event-ID are no longer kept) ends the connection.
  async #readStream(response) {
    let gap = false;
    const parser = new SseParser((event, data, id) => {
      if (this.#closed || gap) return;
      if (id !== '') this.#lastEventId = id;
      if (event === 'close') {
        this.#closeEvent = parseCloseEvent(data);
      } else if (event === 'message') {
        this.#handlers.onFrame(data);
      } else if (event === 'gap') {
        // Frames the broken stream lost cannot be replayed: end the connection as without
        // Last-Event-ID; the client's resume and recovery make up for them.
        gap = true;
        this.#finish(CloseCode.ABNORMAL, `the event stream lost frames it cannot replay (${data})`);
      }
    });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done || this.#closed) break;
        this.#reattaches = 0; // the server serves this stream (heartbeat comments included)
        parser.push(value);
      }
    } finally {
      if (this.#closed) reader.cancel().catch(() => {});
    }
    return 'the event stream ended';
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

// Cuts a text/event-stream into events (the WHATWG rules this transport needs: data, event, id,
// comments, any line ending). onEvent(type, data, lastEventId): lastEventId is the last `id:`
// seen so far on the stream ('' when none), as EventSource's lastEventId.
export class SseParser {
  #buffer = '';
  #data = [];
  #event = '';
  #lastEventId = '';

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
      if (this.#data.length > 0) this.onEvent(this.#event || 'message', this.#data.join('\n'), this.#lastEventId);
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
    else if (field === 'id' && !value.includes('\0')) this.#lastEventId = value;
  }
}
