// Type declarations of @notify/client (src/*.js), written by hand: the package has no build step.

/** A payload as the application sees it: valid UTF-8 as a string, anything else as bytes. */
export type Payload = string | Uint8Array;
/** What may be published or sent: strings go out as UTF-8. */
export type PayloadInput = string | Uint8Array | ArrayBuffer | ArrayBufferView;

export type TransportName = 'websocket' | 'sse' | 'longpoll';
export type ClientState = 'disconnected' | 'connecting' | 'connected';

/** A position in a topic's stream. An empty epoch stands for the stream's current one. */
export interface StreamPosition {
  offset: number;
  epoch: string;
}

export interface ClientOptions {
  /** WebSocket endpoint, e.g. ws://127.0.0.1:3000/pubsub. */
  url?: string;
  /** Base URL of the http transport (its `path`), e.g. http://127.0.0.1:8000/http, for SSE and long-polling. */
  httpUrl?: string;
  /** Order of fallback. Default: websocket when `url` is set, then sse and longpoll when `httpUrl` is set. */
  transports?: TransportName[];
  /** Connection token (e.g. a JWT), sent with every connect. */
  token?: string;
  /** Source of new tokens: called when there is no token yet, when it expired or is about to, and for each refresh. */
  getToken?: () => Promise<string> | string;
  /** Requested user id (when the auth plugin allows it, e.g. anonymous with allow_user_id). */
  userId?: string;
  /** Encoding on WebSocket; the http transport always uses JSON. Default 'json'. */
  encoding?: 'json' | 'binary';
  /** Reconnect backoff bounds in ms (full jitter: a delay uniform in [0, min(max, min * 2^attempt)]). Defaults 200 and 10000. */
  minReconnectDelay?: number;
  maxReconnectDelay?: number;
  /** How long a command (connect included) waits for its reply, in ms. Default 10000. */
  timeout?: number;
  /** Keepalive: after this many ms without any frame received, send the protocol's ping. Default 25000; 0 disables the keepalive. */
  pingInterval?: number;
  /** Keepalive: nothing received this many ms after that ping means the connection is lost (closed, then reconnected). Default 10000; 0 disables the keepalive. */
  pingTimeout?: number;
  /** WebSocket constructor; default globalThis.WebSocket (Node 20 has none: pass `ws`). */
  WebSocket?: unknown;
  /** fetch function for SSE and long-polling; default globalThis.fetch. */
  fetch?: typeof fetch;
}

export interface ConnectedEvent {
  clientId: string;
  userId: string;
  transport: TransportName;
  /** The server took over the previous session (its subscriptions and buffered messages). */
  resumed: boolean;
  /** Present when the resumed session missed more than the server buffers; the client recovers each topic with `since`. */
  overflow?: true;
}

export interface ConnectingEvent {
  transport: TransportName;
  /** Failed attempts since the last successful connect. */
  attempt: number;
}

export interface DisconnectedEvent {
  /** Close code (docs/protocol.md section 8); 1006 when the connection just broke. */
  code: number;
  reason: string;
  /** Whether the client reconnects by itself. */
  reconnect: boolean;
}

export interface DataEvent {
  data: Payload;
  /** Set for messages of topics the server subscribed the client to (not set for direct messages). */
  topic?: string;
  offset?: number;
  epoch?: string;
}

export interface ClientEvents {
  connecting: ConnectingEvent;
  connected: ConnectedEvent;
  disconnected: DisconnectedEvent;
  error: NotifyError;
  data: DataEvent;
}

export interface Message {
  topic: string;
  data: Payload;
  offset: number;
  epoch: string;
  /**
   * Only with `ack: 'manual'`: acknowledges this message once processed. Acks are cumulative, so
   * the client acknowledges only the run of messages acked from the first on: an un-acked message
   * holds back the acks of later ones. Calling it again does nothing.
   */
  ack?(): void;
  /**
   * Only with `ack: 'manual'` or `ack: true`: the server delivered this message again because it was
   * not acked (ack_timeout, reconnect) — with `ack: true`, because its earlier onMessage threw or rejected.
   */
  redelivered?: true;
}

export interface RecoveredInfo {
  /** true: every message after the position followed, in order. false: they are lost; reload state by other means. */
  recovered: boolean;
  /** Messages the recovery covered (recovered) or that are lost (not recovered), when known (same epoch). */
  missed?: number;
}

export interface PresenceEntry {
  client: string;
  /** "" for an anonymous client. */
  user: string;
  info?: Record<string, unknown>;
}

export interface JoinLeaveInfo extends PresenceEntry {
  topic: string;
}

export interface SubscribeOptions {
  onMessage?(message: Message): void | Promise<unknown>;
  onRecovered?(info: RecoveredInfo): void;
  onJoin?(info: JoinLeaveInfo): void;
  onLeave?(info: JoinLeaveInfo): void;
  onError?(error: NotifyError | Error): void;
  /** Start after this position: the server first delivers what follows it. */
  since?: { offset: number; epoch?: string };
  /**
   * At-least-once. true: acknowledge each message once onMessage returned (or its Promise resolved);
   * one whose onMessage threw or rejected is not acked (the error goes to onError) and is handed over
   * again when the server redelivers it (ack_timeout, reconnect; message.redelivered). Acks are
   * cumulative: a message still being handled, or failed, holds back the acks of later ones.
   * 'manual': the application calls message.ack(); un-acked messages are handed over again when the
   * server redelivers them (message.redelivered).
   */
  ack?: boolean | 'manual';
  /** Subscription token, for namespaces with subscribe = "token". */
  token?: string;
}

export interface HistoryOptions {
  limit?: number;
  since?: { offset: number; epoch?: string };
  reverse?: boolean;
}

export interface HistoryResult extends StreamPosition {
  messages: Message[];
}

export declare class Subscription {
  readonly topic: string;
  /** Still receiving (false after unsubscribe() or a refused subscribe). */
  readonly active: boolean;
  /** The last position seen of this topic: give it as `since` to continue from there later. */
  readonly position: StreamPosition | null;
  unsubscribe(): void;
}

export declare class Client {
  constructor(options: ClientOptions);
  readonly state: ClientState;
  readonly clientId: string | undefined;
  readonly userId: string | undefined;
  readonly transport: TransportName | undefined;
  on<E extends keyof ClientEvents>(event: E, listener: (value: ClientEvents[E]) => void): this;
  off<E extends keyof ClientEvents>(event: E, listener: (value: ClientEvents[E]) => void): this;
  connect(): void;
  /** Closes the connection and stops reconnecting; subscriptions stay registered for a later connect(). */
  disconnect(): void;
  subscribe(topic: string, options?: SubscribeOptions): Subscription;
  publish(topic: string, data: PayloadInput): Promise<StreamPosition>;
  /** Publishes directly to client ids and/or user ids. */
  publishTo(targets: { clients?: string[]; users?: string[] }, data: PayloadInput): Promise<void>;
  /** The `send` command: data for the server's handler plugins. */
  send(data: PayloadInput): Promise<void>;
  presence(topic: string): Promise<PresenceEntry[]>;
  presenceStats(topic: string): Promise<{ clients: number; users: number }>;
  history(topic: string, options?: HistoryOptions): Promise<HistoryResult>;
  ping(): Promise<void>;
}

export declare class NotifyError extends Error {
  constructor(code: number, message: string);
  /** A server error code (100-111) or one of this client's (1-6), see ErrorCode. */
  readonly code: number;
}

export declare const ErrorCode: Readonly<{
  CONNECTION_LOST: 1;
  CLIENT_CLOSED: 2;
  TIMEOUT: 3;
  TRANSPORT_FAILED: 4;
  TOKEN_SOURCE_FAILED: 5;
  PROTOCOL: 6;
  INTERNAL: 100;
  UNAUTHORIZED: 101;
  BAD_REQUEST: 102;
  UNKNOWN_COMMAND: 103;
  PERMISSION_DENIED: 104;
  LIMIT_EXCEEDED: 105;
  NOT_CONNECTED: 106;
  ALREADY_CONNECTED: 107;
  NOT_FOUND: 108;
  TOO_LARGE: 109;
  UNRECOVERABLE: 110;
  TOKEN_EXPIRED: 111;
}>;

export declare const CloseCode: Readonly<{
  NORMAL: 1000;
  GOING_AWAY: 1001;
  PROTOCOL_ERROR: 1002;
  ABNORMAL: 1006;
  INVALID_DATA: 1007;
  POLICY: 1008;
  TOO_BIG: 1009;
  SLOW_CONSUMER: 4001;
  REPLACED: 4002;
  DISCONNECTED: 4003;
  UNAUTHORIZED: 4004;
  EXPIRED: 4005;
  TOKEN_EXPIRED: 4006;
}>;
