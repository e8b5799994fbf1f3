// Notify chat demo on the JavaScript SDK (sdk/js, served at ./notify-client/). The SDK owns the
// protocol: connecting, reconnecting with backoff, resuming the session and recovering the
// messages of #chat missed while the page was away. This file only shows what happens.
// Every text from the network is shown with textContent, never parsed as HTML.
import { Client, ErrorCode } from './notify-client/index.js';

const TOPIC = 'chat';

const stateView = document.getElementById('state');
const clientView = document.getElementById('client');
const messages = document.getElementById('messages');
const form = document.getElementById('composer');
const input = document.getElementById('text');
const sendButton = document.getElementById('send');

function endpoint() {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return scheme + '//' + location.host + '/pubsub';
}

function setState(text, kind) {
  stateView.textContent = text;
  stateView.className = 'state state-' + kind;
}

function setCanSend(value) {
  input.disabled = !value;
  sendButton.disabled = !value;
}

// `position` ({topic, offset}) is kept on the item so that a reader (or a test) can check that
// the stream arrived whole: offsets of a topic go up by one per message.
function show(kind, text, meta, position) {
  const item = document.createElement('li');
  item.className = kind;
  if (position) {
    item.dataset.topic = position.topic;
    item.dataset.offset = String(position.offset);
  }
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

function describe(error) {
  if (error && typeof error === 'object') {
    const code = error.code !== undefined ? ' (code ' + error.code + ')' : '';
    return (error.message || String(error)) + code;
  }
  return String(error);
}

// The SDK hands over a payload that is valid UTF-8 as a string, any other as bytes.
function payloadText(data) {
  if (typeof data === 'string') {
    return data;
  }
  const size = data && typeof data.byteLength === 'number' ? data.byteLength : 0;
  return '[binary ' + size + ' bytes]';
}

const client = new Client({ url: endpoint() });

// Set from a lost connection until the next one is made: the SDK's attempts in between are
// shown as 'reconnecting', not as a first 'connecting'.
let reconnecting = false;
// The SDK reports every failed attempt; the list says it once per outage, the badge says the rest.
let unreachableShown = false;

client.on('connecting', function () {
  setState(reconnecting ? 'reconnecting' : 'connecting', 'connecting');
});

client.on('connected', function (info) {
  reconnecting = false;
  unreachableShown = false;
  clientView.textContent = info.clientId || '—';
  setState('connected', 'open');
  setCanSend(true);
  if (info.resumed) {
    show('info', 'session resumed');
  }
});

client.on('disconnected', function (info) {
  setCanSend(false);
  clientView.textContent = '—';
  const why = info.code + (info.reason ? ': ' + info.reason : '');
  reconnecting = info.reconnect;
  if (info.reconnect) {
    setState('reconnecting', 'connecting');
    show('info', 'connection lost (' + why + '), reconnecting');
  } else {
    setState('disconnected', 'closed');
    show('info', 'disconnected (' + why + ')');
  }
});

client.on('error', function (error) {
  if (error.code === ErrorCode.TRANSPORT_FAILED) {
    if (!unreachableShown) {
      unreachableShown = true;
      show('info', 'the server cannot be reached, retrying');
    }
    return;
  }
  show('error', describe(error));
});

// Recovery: after a lost connection the SDK subscribes again from the last message seen, so
// every line of #chat shows up once, in order, even those sent while this page was away.
client.subscribe(TOPIC, {
  onMessage: function (message) {
    show('message', payloadText(message.data), '#' + message.topic + ' ' + message.offset,
      { topic: message.topic, offset: message.offset });
  },
  onRecovered: function (info) {
    if (!info.recovered) {
      show('error', 'some messages of #' + TOPIC + ' could not be recovered');
    } else if (info.missed > 0) {
      show('info', 'back with the ' + info.missed + ' message' + (info.missed === 1 ? '' : 's') + ' sent while away');
    }
  },
  onError: function (error) {
    show('error', 'subscription to #' + TOPIC + ' failed: ' + describe(error));
  },
});

form.addEventListener('submit', function (event) {
  event.preventDefault();
  const text = input.value;
  if (input.disabled || text.trim() === '') {
    return;
  }
  input.value = '';
  // The chat handler publishes what it receives to #chat; the line comes back as a message.
  client.send(text).catch(function (error) {
    show('error', 'not sent: ' + describe(error));
  });
});

client.connect();
