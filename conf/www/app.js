// Notify chat demo: one WebSocket to /pubsub with the JSON protocol (docs/protocol.md).
// Every text from the network is shown with textContent, never parsed as HTML.
'use strict';

(function () {
  const SUBPROTOCOL = 'notify.json.v1';
  const TOPIC = 'chat';
  const FIRST_RETRY_MS = 500;
  const MAX_RETRY_MS = 15000;

  const stateView = document.getElementById('state');
  const clientView = document.getElementById('client');
  const messages = document.getElementById('messages');
  const form = document.getElementById('composer');
  const input = document.getElementById('text');
  const sendButton = document.getElementById('send');

  let socket = null;
  let nextId = 1;
  let retryMs = FIRST_RETRY_MS;
  let ready = false;
  const waitingReplies = new Map();

  function endpoint() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return scheme + '//' + location.host + '/pubsub';
  }

  function setState(text, kind) {
    stateView.textContent = text;
    stateView.className = 'state state-' + kind;
  }

  function setReady(value) {
    ready = value;
    input.disabled = !value;
    sendButton.disabled = !value;
  }

  function show(kind, text, meta) {
    const item = document.createElement('li');
    item.className = kind;
    if (meta) {
      const label = document.createElement('span');
      label.className = 'meta';
      label.textContent = meta;
      item.appendChild(label);
    }
    item.appendChild(document.createTextNode(text));
    messages.appendChild(item);
    item.scrollIntoView({ block: 'end' });
  }

  // Sends {"id":N,"<name>":body}; onReply gets the reply object carrying the same id.
  function command(name, body, onReply) {
    const id = nextId++;
    if (onReply) {
      waitingReplies.set(id, onReply);
    }
    socket.send(JSON.stringify({ id: id, [name]: body }));
  }

  function describeError(reply) {
    return reply.error.message + ' (code ' + reply.error.code + ')';
  }

  function payloadText(message) {
    if (typeof message.data === 'string') {
      return message.data;
    }
    if (typeof message.data_b64 === 'string') {
      let size = 0;
      try {
        size = atob(message.data_b64).length;
      } catch (e) {
        return '[binary, invalid base64]';
      }
      return '[binary ' + size + ' bytes]';
    }
    return '[empty]';
  }

  function onFrame(text) {
    let frame;
    try {
      frame = JSON.parse(text);
    } catch (e) {
      show('error', 'unreadable frame from the server');
      return;
    }
    if (frame.push && frame.push.message) {
      const message = frame.push.message;
      show('message', payloadText(message), '#' + message.topic + ' ' + message.offset);
    } else if (frame.push && frame.push.disconnect) {
      const disconnect = frame.push.disconnect;
      show('info', 'disconnected by the server: ' + disconnect.reason + ' (' + disconnect.code + ')');
    } else if (typeof frame.id === 'number' && waitingReplies.has(frame.id)) {
      const onReply = waitingReplies.get(frame.id);
      waitingReplies.delete(frame.id);
      onReply(frame);
    } else if (frame.error) {
      show('error', describeError(frame));
    }
  }

  function onConnected(reply) {
    if (reply.error) {
      show('error', 'connect refused: ' + describeError(reply));
      return;
    }
    clientView.textContent = reply.result.client || '—';
    command('subscribe', { topic: TOPIC }, function (subscribed) {
      if (subscribed.error) {
        show('error', 'subscribe to #' + TOPIC + ' failed: ' + describeError(subscribed));
        return;
      }
      setState('connected', 'open');
      setReady(true);
      show('info', 'joined #' + TOPIC);
    });
  }

  function scheduleReconnect() {
    // Exponential backoff with jitter so that many pages do not return at the same instant.
    const delay = Math.round(retryMs * (0.5 + Math.random()));
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    setState('reconnecting in ' + Math.ceil(delay / 1000) + ' s', 'closed');
    setTimeout(open, delay);
  }

  function open() {
    setState('connecting', 'connecting');
    nextId = 1;
    waitingReplies.clear();
    socket = new WebSocket(endpoint(), SUBPROTOCOL);
    socket.onopen = function () {
      retryMs = FIRST_RETRY_MS;
      command('connect', {}, onConnected);
    };
    socket.onmessage = function (event) {
      if (typeof event.data === 'string') {
        onFrame(event.data);
      }
    };
    socket.onclose = function (event) {
      setReady(false);
      clientView.textContent = '—';
      show('info', 'connection closed (' + event.code + (event.reason ? ': ' + event.reason : '') + ')');
      scheduleReconnect();
    };
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    const text = input.value;
    if (!ready || text.trim() === '') {
      return;
    }
    command('send', { data: text }, function (reply) {
      if (reply.error) {
        show('error', 'not sent: ' + describeError(reply));
      }
    });
    input.value = '';
  });

  open();
})();
