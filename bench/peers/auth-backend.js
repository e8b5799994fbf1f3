// The trivial backend of S11 (connect storm through the proxy auth plugin): answers every POST
// with an ALLOW for user "bench" over keep-alive HTTP/1.1, so the measurement is notifyd's side
// of the proxy (its HTTP client, pool and queue), not an application's checks.
//   node auth-backend.js PORT
'use strict';
const http = require('http');

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node auth-backend.js PORT');
  process.exit(2);
}
const answer = Buffer.from(JSON.stringify({ result: { user: 'bench' } }));
const server = http.createServer((request, response) => {
  request.resume();  // the body is not read: every request is allowed
  request.on('end', () => {
    response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': answer.length });
    response.end(answer);
  });
});
server.keepAliveTimeout = 60000;
server.listen(port, '127.0.0.1');
