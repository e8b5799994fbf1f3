// @notify/client: the JavaScript client of Notify (docs/protocol.md).
export { Client } from './client.js';
export { Subscription } from './subscription.js';
export { NotifyError, ErrorCode, CloseCode } from './errors.js';
