// A TCP proxy in front of notifyd whose connections the test can cut at any moment, as a
// broken network would: dropAll() destroys both sides of every connection without a close
// handshake.
import net from 'node:net';

export class DroppingProxy {
  #sockets = new Set();

  constructor(listenPort, targetPort) {
    this.listenPort = listenPort;
    this.targetPort = targetPort;
    this.drops = 0;
    this.server = net.createServer((client) => {
      const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => { client.destroy(); upstream.destroy(); });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  start() {
    return new Promise((done, fail) => {
      this.server.once('error', fail);
      this.server.listen(this.listenPort, '127.0.0.1', done);
    });
  }

  dropAll() {
    this.drops += 1;
    for (const socket of this.#sockets) socket.destroy();
  }

  stop() {
    this.dropAll();
    return new Promise((done) => this.server.close(done));
  }
}

// A TCP proxy whose connections the test can freeze, as a network that silently drops packets
// would: freezeAll() stops forwarding on every current connection but keeps both sockets open
// (no FIN, no RST), reading and discarding what arrives. Connections made afterwards are
// forwarded normally (a fresh network path).
export class FreezingProxy {
  #pairs = new Set();

  constructor(listenPort, targetPort) {
    this.listenPort = listenPort;
    this.targetPort = targetPort;
    this.connections = 0;
    this.server = net.createServer((client) => {
      this.connections += 1;
      const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
      const pair = { client, upstream, frozen: false };
      this.#pairs.add(pair);
      const forward = (from, to) => from.on('data', (chunk) => { if (!pair.frozen) to.write(chunk); });
      forward(client, upstream);
      forward(upstream, client);
      for (const socket of [client, upstream]) {
        socket.on('error', () => {});
        socket.on('close', () => {
          if (pair.frozen) return; // a frozen path says nothing to the other side
          client.destroy();
          upstream.destroy();
          this.#pairs.delete(pair);
        });
      }
    });
  }

  start() {
    return new Promise((done, fail) => {
      this.server.once('error', fail);
      this.server.listen(this.listenPort, '127.0.0.1', done);
    });
  }

  freezeAll() {
    for (const pair of this.#pairs) pair.frozen = true;
  }

  stop() {
    for (const { client, upstream } of this.#pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.#pairs.clear();
    return new Promise((done) => this.server.close(done));
  }
}
