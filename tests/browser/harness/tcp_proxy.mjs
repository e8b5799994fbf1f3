// A TCP proxy between one browser page and notifyd that the test can cut and restore: the page's
// network going away, for real. (DevTools' offline emulation is not reliable for WebSockets that
// are already open; a closed socket is what a page sees when its network drops.)
import net from 'node:net';

export class CuttableTcpProxy {
  constructor({ listenPort, targetPort }) {
    this.listenPort = listenPort;
    this.targetPort = targetPort;
    this.server = null;
    this.relays = new Set(); // { browserSide, notifydSide } being relayed
    // notifyd sides of silent cuts -> what notifyd sent on them since (a Buffer).
    this.silentlyHeld = new Map();
    this.connectionsSeen = 0;
  }

  // Listening (again, after cut()): new connections reach notifyd.
  async start() {
    if (this.server) {
      return;
    }
    const server = net.createServer((browserSide) => this.#relay(browserSide));
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.listenPort, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  // Breaks every relayed connection on the browser's side and stops listening, so that the
  // page's reconnect attempts are refused until start() is called again.
  //   notifydNotices true: notifyd's side is closed too, as when a page's connection ends.
  //   notifydNotices false: notifyd's side stays open, read but never answered, as when a
  //   network vanishes without a word: notifyd still holds the connection when the page is back.
  async cut({ notifydNotices }) {
    const server = this.server;
    this.server = null;
    const relays = [...this.relays];
    this.relays.clear(); // first: the sockets' 'close' handlers must not treat this as a relay's end
    for (const { browserSide, notifydSide } of relays) {
      browserSide.unpipe(notifydSide);
      notifydSide.unpipe(browserSide);
      browserSide.destroy();
      if (notifydNotices) {
        notifydSide.destroy();
      } else {
        // Read and kept, never answered: notifyd's writes succeed and nothing tells it that
        // the page is gone. What it sends later (its close frame) is what the test looks for.
        this.silentlyHeld.set(notifydSide, Buffer.alloc(0));
        notifydSide.on('data', (bytes) => {
          this.silentlyHeld.set(notifydSide, Buffer.concat([this.silentlyHeld.get(notifydSide), bytes]));
        });
        notifydSide.resume(); // unpipe() left it paused
      }
    }
    if (server) {
      await new Promise((resolve) => server.close(() => resolve()));
    }
  }

  get silentlyHeldCount() {
    return this.silentlyHeld.size;
  }

  // How many connections held by a silent cut notifyd has closed with this WebSocket close code
  // (4002: replaced by a newer connection of the same client). Server frames are unmasked, so a
  // close frame is 0x88, a length of 2 to 125, then the code, big-endian. notifyd only closes
  // the TCP connection seconds later, after waiting for the close frame's answer.
  heldClosedWith(code) {
    const closeFrameStart = (bytes, at) => bytes[at] === 0x88 && bytes[at + 1] >= 2 &&
      bytes[at + 1] <= 125 && bytes.readUInt16BE(at + 2) === code;
    let count = 0;
    for (const bytes of this.silentlyHeld.values()) {
      for (let at = 0; at + 4 <= bytes.length; at++) {
        if (closeFrameStart(bytes, at)) {
          count += 1;
          break;
        }
      }
    }
    return count;
  }

  async close() {
    await this.cut({ notifydNotices: true });
    for (const socket of this.silentlyHeld.keys()) {
      socket.destroy();
    }
    this.silentlyHeld.clear();
  }

  #relay(browserSide) {
    this.connectionsSeen += 1;
    const notifydSide = net.connect({ host: '127.0.0.1', port: this.targetPort });
    const relay = { browserSide, notifydSide };
    this.relays.add(relay);
    for (const socket of [browserSide, notifydSide]) {
      socket.setNoDelay(true);
      socket.once('close', () => {
        if (this.relays.delete(relay)) {
          // One side ended on its own: so does the other, as over a real connection.
          browserSide.destroy();
          notifydSide.destroy();
        }
      });
      socket.on('error', () => {}); // a reset ends the relay through 'close' above
    }
    browserSide.pipe(notifydSide);
    notifydSide.pipe(browserSide);
  }
}
