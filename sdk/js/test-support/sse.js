// A fetch for the http transport whose SSE streams the test controls, as a network would:
// freeze() swallows what the server writes to the current streams (recorded in `swallowed`),
// breakStreams() makes them fail. Every request for a stream is recorded with its
// Last-Event-ID header.
export function controllableFetch() {
  const streams = new Set();
  let frozen = false;
  async function fetchImpl(url, init) {
    const isStream = String(url).endsWith('/events');
    if (isStream) fetchImpl.streamRequests.push({ url: String(url), lastEventId: init?.headers?.['Last-Event-ID'] ?? null });
    const response = await fetch(url, init);
    if (!isStream || !response.body) return response;
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const stream = { reader };
    const body = new ReadableStream({
      start(controller) { stream.controller = controller; },
      async pull(controller) {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) {
            controller.close();
            return;
          }
          if (!frozen) {
            controller.enqueue(value);
            return;
          }
          fetchImpl.swallowed += decoder.decode(value, { stream: true });
        }
      },
      cancel(reason) { return reader.cancel(reason); },
    });
    streams.add(stream);
    return new Response(body, { status: response.status, headers: response.headers });
  }
  fetchImpl.streamRequests = [];
  fetchImpl.swallowed = '';
  fetchImpl.freeze = () => { frozen = true; };
  fetchImpl.breakStreams = () => {
    frozen = false;
    for (const { controller, reader } of streams) {
      try {
        controller.error(new TypeError('network connection lost'));
      } catch {
        // already closed
      }
      reader.cancel().catch(() => {});
    }
    streams.clear();
  };
  return fetchImpl;
}
