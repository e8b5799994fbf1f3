// Starts and stops a real notifyd for the tests: writes a manifest into a temporary folder,
// waits until every listener accepts connections, stops it by its pid.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const NOTIFYD = process.env.NOTIFYD || join(repoRoot, 'build/release/bin/notifyd');
export const NOTIFY_PLUGIN_DIR =
  process.env.NOTIFY_PLUGIN_DIR || join(repoRoot, 'build/release/lib/notify/plugins');

if (!existsSync(NOTIFYD)) {
  throw new Error(`notifyd not found at ${NOTIFYD} (set NOTIFYD)`);
}

export const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

// Resolves once `predicate()` is truthy; rejects after `timeoutMs` naming `what`.
export async function waitFor(predicate, what, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

function portAccepts(port) {
  return new Promise((done) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); done(true); });
    socket.once('error', () => done(false));
  });
}

// The manifest's [app], [plugins] and [clients] sections; `body` adds transports and the rest.
// clients: extra lines of the [clients] section (e.g. 'refresh_grace = "1s"').
export function manifest(body, { clients = '' } = {}) {
  return `[app]\nid = "js-test"\n[log]\nlevel = "warn"\n` +
    `[plugins]\ndirs = [${JSON.stringify(NOTIFY_PLUGIN_DIR)}]\n` +
    `[clients]\nttl = "60s"\n${clients}\n` + body;
}

export function websocketTransport(port) {
  return `[[transport]]\nplugin = "websocket"\nlisten = "127.0.0.1:${port}"\npath = "/pubsub"\n`;
}

export function httpTransport(port) {
  return `[[transport]]\nplugin = "http"\nlisten = "127.0.0.1:${port}"\npath = "/http"\n`;
}

export class Notifyd {
  // ports: every port the manifest listens on (waited for at start).
  constructor(manifestText, ports, env = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'notify-js-'));
    this.file = join(this.dir, 'notify.toml');
    writeFileSync(this.file, manifestText);
    this.ports = ports;
    this.env = env;
    this.child = null;
    this.stderr = '';
  }

  async start() {
    this.stderr = '';
    const child = spawn(NOTIFYD, ['--config', this.file], {
      cwd: this.dir, env: { ...process.env, ...this.env }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child = child;
    child.stderr.on('data', (chunk) => { this.stderr += chunk; });
    const exited = new Promise((done) => child.once('exit', done));
    this.exited = exited;
    for (const port of this.ports) {
      await waitFor(async () => {
        if (child.exitCode !== null) throw new Error(`notifyd exited (${child.exitCode}): ${this.stderr}`);
        return portAccepts(port);
      }, `notifyd to listen on ${port}; stderr: ${this.stderr}`);
    }
    return this;
  }

  async kill(signal = 'SIGKILL') {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }

  async stop() {
    await this.kill('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
