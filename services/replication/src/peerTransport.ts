import https from "node:https";
import type { TLSSocket } from "node:tls";
import type { Logger } from "pino";
import WebSocket, { RawData, WebSocketServer } from "ws";
import { SHARD_COUNT } from "./keys";
import { ReplicationMetrics } from "./metrics";
import { acceptSchema, challengeSchema, handshakeMac, macMatches, newNonce, proofSchema, PROTOCOL } from "./peerProtocol";
import { PeerSession } from "./peerSession";
import { incomingRefusal, isUntrustedPeerCertificate, PeerTls } from "./peerTls";
import { Replica } from "./replica";

export interface PeerTarget {
  readonly name: string;
  readonly url: string;
}

export interface PeerStatus {
  readonly name: string;
  readonly url?: string;
  readonly node?: string;
  readonly state: "connected" | "connecting" | "disconnected";
  readonly behindOps?: number;
  readonly lastStateAgeMs?: number;
  readonly lastError?: string;
}

export interface PeerTransportOptions {
  readonly replica: Replica;
  readonly self: string;
  readonly secret: Buffer;
  readonly tls: PeerTls;
  readonly peers: readonly PeerTarget[];
  readonly logger: Logger;
  readonly metrics: ReplicationMetrics;
}

interface Connection {
  readonly ws: WebSocket;
  readonly session: PeerSession;
  readonly dialer: string;
}

interface DialState {
  readonly target: PeerTarget;
  node?: string;
  connecting: boolean;
  lastError?: string;
  timer?: NodeJS.Timeout;
  backoffMs: number;
  isSelf?: boolean;
}

const AUTH_TIMEOUT_MS = 5000;
const STATE_INTERVAL_MS = 1000;
const MAX_BACKOFF_MS = 2000;
const HEARTBEAT_MS = 5000;
const CLOSE_AUTH_FAILED = 4401;
const CLOSE_DUPLICATE = 4409;
const CLOSE_BAD_FRAME = 4400;

/**
 * Authenticated WebSockets to the other nodes over mutual TLS (wss://): accepts on the peer port,
 * dials every configured peer with backoff, and keeps one connection per remote node (when two
 * nodes dial each other at once, both keep the one dialed by the lower node name). A peer is
 * admitted only with a certificate of the federation CA and then a proof of the shared secret.
 */
export class PeerTransport {
  private https: https.Server | undefined;
  private server: WebSocketServer | undefined;
  private readonly connections = new Map<string, Connection>();
  private readonly dials: DialState[];
  private readonly stateTimer: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: PeerTransportOptions) {
    this.dials = options.peers.map((target) => ({ target, connecting: false, backoffMs: 100 }));
    this.stateTimer = setInterval(() => options.replica.reportState(), STATE_INTERVAL_MS);
    this.stateTimer.unref();
  }

  /** Starts accepting peers; resolves with the bound port. */
  listen(host: string, port: number): Promise<number> {
    const { tls } = this.options;
    // The CA check is ours (below), not OpenSSL's abort: a refusal is then told apart from a drop and counted by cause.
    // A client that does not finish its TLS handshake within the authentication timeout is dropped (not the default 120 s).
    const server = https.createServer({ cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: true, rejectUnauthorized: false, minVersion: "TLSv1.3", handshakeTimeout: AUTH_TIMEOUT_MS });
    // Runs before the HTTP parser sees the socket: a refused peer gets no HTTP, no WebSocket, no challenge.
    server.prependListener("secureConnection", (socket: TLSSocket) => this.screen(socket));
    server.on("tlsClientError", (error: NodeJS.ErrnoException, socket: TLSSocket) => {
      this.options.metrics.tlsRefusals.inc({ direction: "in", reason: "handshake_failed" });
      this.options.logger.debug({ address: socket.remoteAddress, code: error.code }, "peer TLS handshake failed");
    });
    const wss = new WebSocketServer({ server, maxPayload: 256 * 1024 * 1024 });
    wss.on("connection", (ws, request) => {
      // Defence in depth: only a socket screen() let through can get here.
      if (!(request.socket as TLSSocket).authorized) return ws.terminate();
      this.accept(ws, request.socket.remoteAddress ?? "unknown");
    });
    this.https = server;
    this.server = wss;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        const address = server.address();
        resolve(typeof address === "object" && address ? address.port : port);
      });
    });
  }

  startDialing(): void {
    for (const dial of this.dials) this.dial(dial);
  }

  status(): PeerStatus[] {
    const now = Date.now();
    const describe = (node: string | undefined): Pick<PeerStatus, "state" | "behindOps" | "lastStateAgeMs"> => {
      const connection = node ? this.connections.get(node) : undefined;
      if (!connection) return { state: "disconnected" };
      const at = connection.session.lastStateAt;
      return { state: "connected", behindOps: connection.session.behind(), lastStateAgeMs: at === undefined ? undefined : now - at };
    };
    const configured = this.dials.map((dial): PeerStatus => {
      const base = describe(dial.node);
      const state = base.state === "disconnected" && dial.connecting ? "connecting" : base.state;
      return { name: dial.target.name, url: dial.target.url, node: dial.node, ...base, state, lastError: dial.lastError };
    });
    const known = new Set(this.dials.map((dial) => dial.node));
    const incomingOnly = [...this.connections.keys()].filter((node) => !known.has(node)).map((node): PeerStatus => ({ name: node, node, ...describe(node) }));
    return [...configured, ...incomingOnly];
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.stateTimer);
    for (const dial of this.dials) clearTimeout(dial.timer);
    for (const connection of this.connections.values()) connection.ws.close(1001, "shutting down");
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (this.https ? this.https.close(() => resolve()) : resolve()));
  }

  /** Refuses (and counts) a peer whose certificate is missing or not from the federation CA. */
  private screen(socket: TLSSocket): void {
    const refused = incomingRefusal(socket);
    if (!refused) return;
    this.options.metrics.tlsRefusals.inc({ direction: "in", reason: refused });
    this.options.logger.warn({ address: socket.remoteAddress, reason: `tls: ${refused}`, detail: String(socket.authorizationError) }, "peer refused");
    socket.destroy();
  }

  private accept(ws: WebSocket, address: string): void {
    const { self, secret, logger } = this.options;
    const nonce = newNonce();
    const timer = setTimeout(() => this.refuse(ws, address, "no proof within the timeout"), AUTH_TIMEOUT_MS);
    ws.send(JSON.stringify({ type: "challenge", protocol: PROTOCOL, shards: SHARD_COUNT, node: self, nonce }));
    ws.once("message", (data, isBinary) => {
      clearTimeout(timer);
      const proof = isBinary ? undefined : proofSchema.safeParse(parseJson(data)).data;
      if (!proof) return this.refuse(ws, address, "malformed proof");
      if (!macMatches(handshakeMac(secret, "dial", nonce, proof.node, self), proof.mac)) {
        return this.refuse(ws, address, `wrong secret (claimed to be ${proof.node})`);
      }
      ws.send(JSON.stringify({ type: "accept", mac: handshakeMac(secret, "accept", proof.nonce, self, proof.node) }));
      logger.info({ peer: proof.node, address, direction: "in" }, "peer authenticated");
      this.establish(ws, proof.node, proof.node);
    });
  }

  private refuse(ws: WebSocket, address: string, reason: string): void {
    this.options.logger.warn({ address, reason }, "peer refused");
    this.options.metrics.authFailures.inc({ reason: reason.split(" ")[0] });
    ws.close(CLOSE_AUTH_FAILED, "authentication failed");
  }

  private dial(dial: DialState): void {
    if (this.closed) return;
    const alreadyConnected = dial.node !== undefined && this.connections.has(dial.node);
    if (alreadyConnected) return this.retryLater(dial, false);
    dial.connecting = true;
    const { self, secret, logger, tls } = this.options;
    const ws = new WebSocket(dial.target.url, {
      handshakeTimeout: AUTH_TIMEOUT_MS,
      maxPayload: 256 * 1024 * 1024,
      cert: tls.cert,
      key: tls.key,
      ca: tls.ca,
      rejectUnauthorized: true,
      checkServerIdentity: anyPeerAddress,
    });
    const nonce = newNonce();
    let remote: string | undefined;
    let authenticated = false;
    ws.on("message", (data, isBinary) => {
      if (authenticated) return;
      const message = isBinary ? undefined : parseJson(data);
      if (remote === undefined) {
        const challenge = challengeSchema.safeParse(message).data;
        if (!challenge) return this.failDial(dial, ws, "peer sent no valid challenge (protocol or shard count differs?)");
        if (challenge.node === self) return this.skipSelf(dial, ws);
        remote = challenge.node;
        ws.send(JSON.stringify({ type: "proof", node: self, nonce, mac: handshakeMac(secret, "dial", challenge.nonce, self, remote) }));
        return;
      }
      const accept = acceptSchema.safeParse(message).data;
      if (!accept || !macMatches(handshakeMac(secret, "accept", nonce, remote, self), accept.mac)) {
        return this.failDial(dial, ws, `peer ${remote} did not prove the shared secret`);
      }
      authenticated = true;
      dial.node = remote;
      dial.lastError = undefined;
      dial.backoffMs = 100;
      logger.info({ peer: remote, url: dial.target.url, direction: "out" }, "peer authenticated");
      this.establish(ws, remote, self);
    });
    ws.on("error", (error: NodeJS.ErrnoException) => {
      dial.lastError = error.message;
      if (!isUntrustedPeerCertificate(error)) return;
      dial.lastError = `refused the peer: its certificate is not from the federation CA (${error.code})`;
      this.options.metrics.tlsRefusals.inc({ direction: "out", reason: "untrusted_certificate" });
      logger.warn({ url: dial.target.url, reason: "tls: untrusted_certificate", detail: error.code }, "peer refused");
    });
    ws.on("close", (code, reason) => {
      dial.connecting = false;
      if (code === CLOSE_AUTH_FAILED) {
        dial.lastError = `refused by peer: ${reason.toString() || "authentication failed"}`;
        logger.warn({ url: dial.target.url }, "peer refused our authentication: check the shared secret");
      }
      this.retryLater(dial, !authenticated);
    });
  }

  /**
   * A StatefulSet can hand every replica the same peer list, its own address included: that
   * entry is dropped for good rather than redialled.
   */
  private skipSelf(dial: DialState, ws: WebSocket): void {
    dial.isSelf = true;
    // Settled now, not when the close handshake ends: status must never show the self entry as connecting.
    dial.connecting = false;
    dial.lastError = "this is the node itself; not dialled";
    this.options.logger.info({ url: dial.target.url }, "peer entry is this node itself; not dialling it");
    ws.close(1000, "self");
  }

  private failDial(dial: DialState, ws: WebSocket, reason: string): void {
    dial.lastError = reason;
    this.options.logger.warn({ url: dial.target.url, reason }, "peer refused");
    this.options.metrics.authFailures.inc({ reason: "dial" });
    ws.close(CLOSE_AUTH_FAILED, "authentication failed");
  }

  private retryLater(dial: DialState, failed: boolean): void {
    if (this.closed || dial.isSelf) return;
    clearTimeout(dial.timer);
    dial.timer = setTimeout(() => this.dial(dial), failed ? dial.backoffMs : 250);
    if (failed) dial.backoffMs = Math.min(dial.backoffMs * 2, MAX_BACKOFF_MS);
  }

  private establish(ws: WebSocket, remote: string, dialer: string): void {
    const existing = this.connections.get(remote);
    // A dialer only redials once it has lost its connection, so the same dialer again replaces it.
    if (existing && existing.dialer < dialer) {
      ws.close(CLOSE_DUPLICATE, "duplicate connection");
      return;
    }
    existing?.ws.close(CLOSE_DUPLICATE, "duplicate connection");
    const { replica, logger, metrics } = this.options;
    const session = replica.connect(remote, { send: (frame) => ws.readyState === WebSocket.OPEN && ws.send(frame) });
    const connection: Connection = { ws, session, dialer };
    this.connections.set(remote, connection);
    metrics.peersConnected.set(this.connections.size);
    ws.on("message", (data, isBinary) => {
      if (!isBinary) return;
      try {
        session.receive(toBytes(data));
      } catch (error) {
        logger.warn({ peer: remote, err: error }, "malformed frame from peer; dropping the connection");
        ws.close(CLOSE_BAD_FRAME, "malformed frame");
      }
    });
    const heartbeat = this.heartbeat(ws);
    ws.on("close", () => {
      clearInterval(heartbeat);
      replica.disconnect(session);
      if (this.connections.get(remote) === connection) this.connections.delete(remote);
      metrics.peersConnected.set(this.connections.size);
      logger.info({ peer: remote }, "peer disconnected");
    });
  }

  /** Pings the peer; a connection that misses a whole interval is dead (e.g. a silent network drop). */
  private heartbeat(ws: WebSocket): NodeJS.Timeout {
    let alive = true;
    ws.on("pong", () => (alive = true));
    const timer = setInterval(() => {
      if (!alive) return ws.terminate();
      alive = false;
      ws.ping();
    }, HEARTBEAT_MS);
    timer.unref();
    return timer;
  }
}

/**
 * The peer is whoever holds a certificate of the federation's own CA (which issues node
 * certificates only), whatever address its load balancer got after the certificate was issued.
 * Node's TLS accepts a name when this returns undefined; @types/ws declares a boolean instead.
 */
const anyPeerAddress = (() => undefined) as unknown as WebSocket.ClientOptions["checkServerIdentity"];

function parseJson(data: RawData): unknown {
  try {
    return JSON.parse(toBytes(data).toString());
  } catch {
    return undefined;
  }
}

function toBytes(data: RawData): Buffer {
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
}
