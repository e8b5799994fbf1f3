// A minimal event emitter that works the same in browsers and Node. A listener that throws
// does not stop the others or the client: the exception is rethrown asynchronously, so it
// still reaches the console / uncaught-exception handler.
export class Emitter {
  #listeners = new Map();

  on(event, listener) {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    if (!this.#listeners.has(event)) this.#listeners.set(event, new Set());
    this.#listeners.get(event).add(listener);
    return this;
  }

  off(event, listener) {
    this.#listeners.get(event)?.delete(listener);
    return this;
  }

  emit(event, value) {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) {
      callSafely(listener, value);
    }
  }
}

// Calls application code; its exception must not break the client's own state handling.
export function callSafely(fn, ...args) {
  try {
    return fn(...args);
  } catch (error) {
    queueMicrotask(() => { throw error; });
    return undefined;
  }
}
