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
