// A real notifyd on the default manifest (conf/notify.toml), moved to a test port and pointed at
// the source tree's page and SDK and the built plugins. Stopped by PID.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import { pageDir, sdkSourceDir, sourceDir } from './paths.mjs';

const buildDir = path.join(sourceDir, 'build', 'release');
export const notifydPath = process.env.NOTIFYD || path.join(buildDir, 'bin', 'notifyd');
export const pluginDir = process.env.NOTIFY_PLUGIN_DIR ||
  path.join(buildDir, 'lib', 'notify', 'plugins');

const startTimeoutMs = 10_000;
const stopTimeoutMs = 5_000;

// TOML basic string: the paths are ours, but a quote or backslash must not break the file.
function tomlString(text) {
  return JSON.stringify(text);
}

// The shipped manifest with only what a test must change, so the test runs the configuration a
// user gets (history on #chat, the chat handler, anonymous auth). Throws when a line to change
// is missing: the default manifest changed shape and this function must follow.
// The shipped manifest on test ports: the WebSocket transport on `port`, the admin plugin on
// `adminPort` (default port + 2) followed by `adminKeys` (more keys of its table).
export function testManifest({ port, adminPort = port + 2, adminKeys = '' }) {
  const shipped = fs.readFileSync(path.join(sourceDir, 'conf', 'notify.toml'), 'utf8');
  const replacements = [
    [/^listen = "127\.0\.0\.1:3000"$/m, `listen = "127.0.0.1:${port}"`],
    [/^listen = "127\.0\.0\.1:3080"(.*)$/m, `listen = "127.0.0.1:${adminPort}"$1\n${adminKeys}`],
    // Absolute: the manifest is written to the test's folder, not conf/.
    [/^static_root = "www"$/m, `static_root = ${tomlString(pageDir)}`],
    [/^static_mount_root = "\.\.\/sdk\/js\/src"(.*)$/m, `static_mount_root = ${tomlString(sdkSourceDir)}`],
    [/^level = "info"$/m, 'level = "debug"'],
  ];
  let manifest = shipped;
  for (const [pattern, replacement] of replacements) {
    if (!pattern.test(manifest)) {
      throw new Error(`conf/notify.toml has no line matching ${pattern}: update tests/browser/harness/notifyd.mjs`);
    }
    manifest = manifest.replace(pattern, replacement);
  }
  // A table of its own at the end, after every [[transport]] entry, so nothing else moves.
  return manifest + `\n[plugins]\ndirs = [${tomlString(pluginDir)}]\n`;
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function logTail(logPath) {
  try {
    return fs.readFileSync(logPath, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '(no log)';
  }
}

export async function startNotifyd({ port, workDir }) {
  for (const [what, file] of [['notifyd (NOTIFYD)', notifydPath], ['plugin folder (NOTIFY_PLUGIN_DIR)', pluginDir]]) {
    if (!fs.existsSync(file)) {
      throw new Error(`${what} not found at ${file}: build the release preset first`);
    }
  }
  const manifestPath = path.join(workDir, 'notify.toml');
  fs.writeFileSync(manifestPath, testManifest({ port }));
  const logPath = path.join(workDir, 'notifyd.log');
  const log = fs.openSync(logPath, 'w');
  const child = spawn(notifydPath, ['--config', manifestPath], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });

  const deadline = Date.now() + startTimeoutMs;
  while (!(await canConnect(port))) {
    if (exited) {
      throw new Error(`notifyd exited during start (exit ${child.exitCode}):\n${logTail(logPath)}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`notifyd did not listen on ${port} within ${startTimeoutMs} ms:\n${logTail(logPath)}`);
    }
    await delay(50);
  }

  return {
    pid: child.pid,
    logPath,
    logTail: () => logTail(logPath),
    // SIGTERM is notifyd's orderly shutdown; SIGKILL only if that hangs, so a test never does.
    async stop() {
      if (exited) {
        return;
      }
      process.kill(child.pid, 'SIGTERM');
      const timer = setTimeout(() => !exited && process.kill(child.pid, 'SIGKILL'), stopTimeoutMs);
      try {
        if (!exited) {
          await once(child, 'exit');
        }
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
