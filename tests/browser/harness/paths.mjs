// Where things are: this folder is tests/browser/harness in the source tree.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const sourceDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

// The demo page and the JavaScript SDK it imports, served from the source tree as
// conf/notify.toml serves them (static_root and static_mount_root).
export const pageDir = path.join(sourceDir, 'conf', 'www');
export const sdkSourceDir = path.join(sourceDir, 'sdk', 'js', 'src');
