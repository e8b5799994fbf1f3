// Minimal Node `ws` pub/sub peer for notify-bench: {"sub":topic} subscribes the connection
// (answered with {"subscribed":topic}); {"pub":topic,"data":text} sends text to the topic's
// subscribers. Usage: node ws-broadcast.js PORT
'use strict';
const { WebSocketServer } = require('ws');

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error('usage: node ws-broadcast.js PORT');
  process.exit(2);
}

const topics = new Map();
const server = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false });

server.on('connection', (socket) => {
  const joined = new Set();
  socket.on('message', (raw) => {
    let message;
    try {
      message = JSON.parse(raw);
    } catch {
      socket.close(1007, 'not JSON');
      return;
    }
    if (typeof message.sub === 'string') {
      if (!topics.has(message.sub)) topics.set(message.sub, new Set());
      topics.get(message.sub).add(socket);
      joined.add(message.sub);
      socket.send(JSON.stringify({ subscribed: message.sub }));
    } else if (typeof message.pub === 'string' && typeof message.data === 'string') {
      const subscribers = topics.get(message.pub);
      if (subscribers) for (const subscriber of subscribers) subscriber.send(message.data);
    }
  });
  socket.on('close', () => {
    for (const topic of joined) topics.get(topic)?.delete(socket);
  });
});
server.on('listening', () => console.log(`ws-broadcast listening on 127.0.0.1:${port}`));
