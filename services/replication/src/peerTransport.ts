import { KeyObject, createPrivateKey, X509Certificate } from "node:crypto";
import https from "node:https";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import type { Logger } from "pino";
import WebSocket, { RawData, WebSocketServer } from "ws";
import {
  acceptSchema,
  certificateNodeName,
  HandshakeRefusal,
  helloFor,
  helloRefusal,
  helloSchema,
  macMatches,
  newNonce,
  parseHandshakeJson,
  proofRefusal,
  proofSchema,
  sessionKeyingMaterial,
  signTranscript,
  transcriptHash,
  transcriptMac,
  verifyTranscript,
} from "./handshake";
import { DEFAULT_PEER_LIMITS, PeerLimits, SocketBudget, TokenBucket, unauthenticatedByteBudget } from "./limits";
import { ReplicationMetrics } from "./metrics";
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
  /** Second factor of the handshake (see handshake.ts); the identity is the certificate. */
  readonly secret: Buffer;
  readonly tls: PeerTls;
  readonly peers: readonly PeerTarget[];
  readonly logger: Logger;
  readonly metrics: ReplicationMetrics;
  readonly limits?: PeerLimits;
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
}

/** Refused on purpose (counted), as opposed to a connection that failed or closed. */
class Refused extends Error {
  constructor(
    readonly reason: HandshakeRefusal,
    readonly detail: string,
  ) {
    super(detail);
  }
}

const STATE_INTERVAL_MS = 1000;
const MAX_BACKOFF_MS = 2000;
const HEARTBEAT_MS = 5000;
const CLOSE_AUTH_FAILED = 4401;
const CLOSE_DUPLICATE = 4409;
const CLOSE_BAD_FRAME = 4400;
/** How long a peer gets to answer our close frame on shutdown before its socket is cut. */
const CLOSE_GRACE_MS = 2000;

/**
 * Authenticated WebSockets to the other nodes over mutual TLS (wss://): accepts on the peer port,
 * dials every configured peer with backoff, and keeps one connection per remote node (when two
 * nodes dial each other at once, both keep the one dialed by the lower node name). A peer is
 * admitted only with a certificate of the federation CA naming a node, and then the handshake of
 * handshake.ts bound to this TLS session; its session carries the certificate's name, nothing else.
 * Every phase is bounded (limits.ts): sockets and bytes before authentication, frame size and
 * read rate after.
 */
export class PeerTransport {
  private https: https.Server | undefined;
  private server: WebSocketServer | undefined;
  private readonly connections = new Map<string, Connection>();
  private readonly dials: DialState[];
  private readonly stateTimer: NodeJS.Timeout;
  private readonly limits: PeerLimits;
  private readonly unauthenticated: SocketBudget;
  private readonly key: KeyObject;
  private readonly ownCert: X509Certificate;
  private closed = false;

  constructor(private readonly options: PeerTransportOptions) {
    this.limits = options.limits ?? DEFAULT_PEER_LIMITS;
    this.unauthenticated = new SocketBudget(this.limits.maxUnauthenticated);
    this.key = createPrivateKey(options.tls.key);
    this.ownCert = new X509Certificate(options.tls.cert);
    const own = certificateNodeName(this.ownCert);
    if (own !== options.self) throw new Error(`this node's peer certificate is issued to ${JSON.stringify(own ?? this.ownCert.subject)}, not to ${options.self}: each node needs its own certificate with CN=${options.self}`);
    // A StatefulSet hands every replica the same list, its own entry included: that entry is configuration, skipped
    // here once; a remote answering with this node's name is refused (and redialled), never taken as "itself".
    const targets = options.peers.filter((target) => target.name !== options.self);
    this.dials = targets.map((target) => ({ target, connecting: false, backoffMs: 100 }));
    this.stateTimer = setInterval(() => options.replica.reportState(), STATE_INTERVAL_MS);
    this.stateTimer.unref();
  }

  /** Starts accepting peers; resolves with the bound port. */
  listen(host: string, port: number): Promise<number> {
    const { tls, metrics, logger } = this.options;
    // The CA check is ours (below), not OpenSSL's abort: a refusal is then told apart from a drop and counted by cause.
    // A client that does not finish its TLS handshake within the authentication timeout is dropped (not the default 120 s).
    const server = https.createServer({ cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: true, rejectUnauthorized: false, minVersion: "TLSv1.3", handshakeTimeout: this.limits.handshakeTimeoutMs, maxHeaderSize: 8 * 1024, headersTimeout: this.limits.handshakeTimeoutMs, requestTimeout: this.limits.handshakeTimeoutMs });
    // Every peer socket, TLS handshakes in progress included: beyond the cap the kernel's accept is closed at once.
    server.maxConnections = this.limits.maxConnections;
    server.on("drop", () => {
      metrics.peerSocketRefusals.inc({ reason: "too_many_connections" });
      logger.warn({ limit: this.limits.maxConnections }, "peer socket refused: too many peer connections (--peer-max-connections)");
    });
    // Runs before the HTTP parser sees the socket: a refused peer gets no HTTP, no WebSocket, no hello.
    server.prependListener("secureConnection", (socket: TLSSocket) => this.screen(socket));
    server.on("tlsClientError", (error: NodeJS.ErrnoException, socket: TLSSocket) => {
      metrics.tlsRefusals.inc({ direction: "in", reason: "handshake_failed" });
      logger.debug({ address: socket.remoteAddress, code: error.code }, "peer TLS handshake failed");
    });
    // No permessage-deflate either way: the byte budgets count what arrives, and a small compressed frame must not
    // inflate to a large one.
    const wss = new WebSocketServer({ server, maxPayload: this.limits.maxFrameBytes, perMessageDeflate: false });
    wss.on("connection", (ws, request) => {
      // Defence in depth: only a socket screen() let through can get here.
      if (!(request.socket as TLSSocket).authorized) return ws.terminate();
      this.accept(ws, request.socket as TLSSocket);
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

  /**
   * Stops accepting first, then closes every peer socket, cutting those that do not answer within the grace: a
   * peer that connected while the others were being closed once kept a SIGTERM waiting forever (the WebSocket
   * server reports closed only when its last client is).
   */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.stateTimer);
    for (const dial of this.dials) clearTimeout(dial.timer);
    const httpsClosed = new Promise<void>((resolve) => (this.https ? this.https.close(() => resolve()) : resolve()));
    const sockets = new Set([...[...this.connections.values()].map((connection) => connection.ws), ...(this.server?.clients ?? [])]);
    for (const ws of sockets) ws.close(1001, "shutting down");
    const wssClosed = new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    const grace = setTimeout(() => {
      for (const ws of [...sockets, ...(this.server?.clients ?? [])]) ws.terminate();
      this.https?.closeAllConnections();
    }, CLOSE_GRACE_MS);
    await Promise.all([wssClosed, httpsClosed]);
    clearTimeout(grace);
  }

  /**
   * Refuses (and counts) a peer whose certificate is missing or not from the federation CA, or one socket too many
   * in the unauthenticated phase; caps the bytes that phase may carry.
   */
  private screen(socket: TLSSocket): void {
    const { metrics, logger } = this.options;
    const refused = incomingRefusal(socket);
    if (refused) {
      metrics.tlsRefusals.inc({ direction: "in", reason: refused });
      logger.warn({ address: socket.remoteAddress, reason: `tls: ${refused}`, detail: String(socket.authorizationError) }, "peer refused");
      socket.destroy();
      return;
    }
    if (!this.unauthenticated.open()) {
      metrics.peerSocketRefusals.inc({ reason: "too_many_unauthenticated" });
      logger.warn({ address: socket.remoteAddress, limit: this.limits.maxUnauthenticated }, "peer socket refused: too many unauthenticated sockets (--peer-max-unauthenticated)");
      socket.destroy();
      return;
    }
    let released = false;
    const stopCounting = this.capBytes(socket, "in", socket.remoteAddress ?? "unknown");
    // Whatever it is doing (no upgrade request, no proof, a trickle of bytes): out when the handshake time is up.
    const timer = setTimeout(() => {
      this.countRefusal("in", "timeout", socket.remoteAddress ?? "unknown", `not authenticated within ${this.limits.handshakeTimeoutMs} ms`);
      socket.destroy();
    }, this.limits.handshakeTimeoutMs);
    const release = (): void => {
      if (released) return;
      released = true;
      clearTimeout(timer);
      stopCounting();
      this.unauthenticated.release();
    };
    socket.once("close", release);
    unauthenticatedPhase.set(socket, { authenticated: release });
  }

  /**
   * Counts the bytes a socket sends before it is authenticated and destroys it beyond the budget: a 200 MiB frame
   * is cut after its first chunks, before the WebSocket layer buffers it. Returns the function that stops counting.
   */
  private capBytes(socket: Socket, direction: "in" | "out", where: string): () => void {
    const budget = unauthenticatedByteBudget(this.limits);
    let seen = 0;
    const onData = (chunk: Buffer): void => {
      seen += chunk.length;
      if (seen <= budget) return;
      socket.removeListener("data", onData);
      this.countRefusal(direction, "oversize", where, `more than ${budget} bytes before authentication`);
      socket.destroy();
    };
    socket.on("data", onData);
    return () => socket.removeListener("data", onData);
  }

  private countRefusal(direction: "in" | "out", reason: HandshakeRefusal, where: string, detail: string): void {
    this.options.metrics.handshakeRefusals.inc({ direction, reason });
    this.options.metrics.authFailures.inc({ reason });
    this.options.logger.warn({ direction, [direction === "in" ? "address" : "url"]: where, reason, detail }, "peer handshake refused");
  }

  /** One handshake message: text, within the size cap, parsed by `schema`; anything else is a refusal. */
  private handshakeMessage<T>(data: RawData, isBinary: boolean, parse: (value: unknown) => T | undefined): T {
    const bytes = toBytes(data);
    if (bytes.length > this.limits.handshakeMaxBytes) throw new Refused("oversize", `a handshake frame of ${bytes.length} bytes (limit ${this.limits.handshakeMaxBytes})`);
    if (isBinary) throw new Refused("binary", "a binary frame before authentication");
    const message = parse(parseHandshakeJson(bytes.toString()));
    if (message === undefined) throw new Refused("malformed", "not the expected handshake message");
    return message;
  }

  private accept(ws: WebSocket, socket: TLSSocket): void {
    const { self, secret, logger } = this.options;
    const address = socket.remoteAddress ?? "unknown";
    const phase = unauthenticatedPhase.get(socket);
    const refuse = (reason: HandshakeRefusal, detail: string): void => {
      this.countRefusal("in", reason, address, detail);
      ws.close(CLOSE_AUTH_FAILED, "authentication failed");
      // A refused socket gets no time to send more: closed for good after a short grace for the close frame.
      setTimeout(() => ws.terminate(), 1000).unref();
    };
    const peerCert = socket.getPeerX509Certificate();
    const keyingMaterial = sessionKeyingMaterial(socket);
    if (!peerCert || !keyingMaterial) return refuse("no_session_binding", "no peer certificate or TLS keying material");
    const dialerName = certificateNodeName(peerCert);
    const hello = helloFor(self);
    // The socket's own deadline (screen()) ends a dialer that never proves anything.
    ws.send(JSON.stringify(hello));
    ws.once("message", (data, isBinary) => {
      try {
        const proof = this.handshakeMessage(data, isBinary, (value) => proofSchema.safeParse(value).data);
        const wrong = proofRefusal(proof, dialerName, self);
        if (wrong) throw new Refused(wrong.reason, wrong.detail);
        const transcript = transcriptHash({ keyingMaterial, acceptorNonce: hello.nonce, dialerNonce: proof.nonce, acceptor: self, dialer: proof.node, acceptorFingerprint: this.ownCert.fingerprint256, dialerFingerprint: peerCert.fingerprint256 });
        if (!verifyTranscript(peerCert, "dial", transcript, proof.sig)) throw new Refused("bad_signature", `the proof of ${proof.node} is not signed over this session's transcript with its certificate's key`);
        if (!macMatches(transcriptMac(secret, "dial", transcript), proof.mac)) throw new Refused("bad_secret", `${proof.node} does not prove the shared secret`);
        phase?.authenticated();
        ws.send(JSON.stringify({ type: "accept", sig: signTranscript(this.key, "accept", transcript), mac: transcriptMac(secret, "accept", transcript) }));
        logger.info({ peer: proof.node, address, direction: "in" }, "peer authenticated");
        this.establish(ws, proof.node, proof.node);
      } catch (error) {
        if (!(error instanceof Refused)) throw error;
        refuse(error.reason, error.detail);
      }
    });
    ws.on("error", (error: NodeJS.ErrnoException) => this.frameError(error, dialerName ?? address));
  }

  private dial(dial: DialState): void {
    if (this.closed) return;
    const alreadyConnected = dial.node !== undefined && this.connections.has(dial.node);
    if (alreadyConnected) return this.retryLater(dial, false);
    dial.connecting = true;
    const { self, secret, logger, tls } = this.options;
    const ws = new WebSocket(dial.target.url, {
      handshakeTimeout: this.limits.handshakeTimeoutMs,
      maxPayload: this.limits.maxFrameBytes,
      perMessageDeflate: false,
      cert: tls.cert,
      key: tls.key,
      ca: tls.ca,
      rejectUnauthorized: true,
      checkServerIdentity: anyPeerAddress,
    });
    const nonce = newNonce();
    let authenticated = false;
    let socket: TLSSocket | undefined;
    let stopCounting = (): void => undefined;
    let pending: { transcript: Buffer; remote: string; cert: X509Certificate } | undefined;
    ws.once("upgrade", (response) => {
      socket = response.socket as TLSSocket;
      stopCounting = this.capBytes(socket, "out", dial.target.url);
    });
    // An acceptor that never says hello or never accepts must not hold the dial (and so the link) for ever.
    const timer = setTimeout(() => {
      if (!authenticated && ws.readyState === WebSocket.OPEN) refuse("timeout", `no accepted handshake within ${this.limits.handshakeTimeoutMs} ms`);
    }, this.limits.handshakeTimeoutMs + 1000);
    timer.unref();
    const refuse = (reason: HandshakeRefusal, detail: string): void => {
      dial.lastError = `refused the peer: ${detail}`;
      this.countRefusal("out", reason, dial.target.url, detail);
      ws.close(CLOSE_AUTH_FAILED, "authentication failed");
      setTimeout(() => ws.terminate(), 1000).unref();
    };
    ws.on("message", (data, isBinary) => {
      if (authenticated) return;
      try {
        if (!socket) throw new Refused("no_session_binding", "no TLS socket");
        if (pending === undefined) {
          const hello = this.handshakeMessage(data, isBinary, (value) => helloSchema.safeParse(value).data);
          const cert = socket.getPeerX509Certificate();
          const keyingMaterial = sessionKeyingMaterial(socket);
          if (!cert || !keyingMaterial) throw new Refused("no_session_binding", "no peer certificate or TLS keying material");
          const wrong = helloRefusal(hello, certificateNodeName(cert), self, dial.target.name);
          if (wrong) throw new Refused(wrong.reason, wrong.detail);
          // Signed first, but bound to this TLS session and both certificates: useless to anyone relaying it (handshake.ts).
          const transcript = transcriptHash({ keyingMaterial, acceptorNonce: hello.nonce, dialerNonce: nonce, acceptor: hello.node, dialer: self, acceptorFingerprint: cert.fingerprint256, dialerFingerprint: this.ownCert.fingerprint256 });
          pending = { transcript, remote: hello.node, cert };
          ws.send(JSON.stringify({ type: "proof", node: self, nonce, sig: signTranscript(this.key, "dial", transcript), mac: transcriptMac(secret, "dial", transcript) }));
          return;
        }
        const accept = this.handshakeMessage(data, isBinary, (value) => acceptSchema.safeParse(value).data);
        if (!verifyTranscript(pending.cert, "accept", pending.transcript, accept.sig)) throw new Refused("bad_signature", `${pending.remote} did not sign this session's transcript with its certificate's key`);
        if (!macMatches(transcriptMac(secret, "accept", pending.transcript), accept.mac)) throw new Refused("bad_secret", `${pending.remote} does not prove the shared secret`);
      } catch (error) {
        if (!(error instanceof Refused)) throw error;
        return refuse(error.reason, error.detail);
      }
      stopCounting();
      authenticated = true;
      dial.node = pending.remote;
      dial.lastError = undefined;
      dial.backoffMs = 100;
      logger.info({ peer: pending.remote, url: dial.target.url, direction: "out" }, "peer authenticated");
      this.establish(ws, pending.remote, self);
    });
    ws.on("error", (error: NodeJS.ErrnoException) => {
      dial.lastError = error.message;
      if (authenticated) return this.frameError(error, dial.node ?? dial.target.url);
      if (!isUntrustedPeerCertificate(error)) return;
      dial.lastError = `refused the peer: its certificate is not from the federation CA (${error.code})`;
      this.options.metrics.tlsRefusals.inc({ direction: "out", reason: "untrusted_certificate" });
      logger.warn({ url: dial.target.url, reason: "tls: untrusted_certificate", detail: error.code }, "peer refused");
    });
    ws.on("close", (code, reason) => {
      clearTimeout(timer);
      dial.connecting = false;
      if (code === CLOSE_AUTH_FAILED && !dial.lastError?.startsWith("refused the peer")) {
        dial.lastError = `refused by peer: ${reason.toString() || "authentication failed"}`;
        logger.warn({ url: dial.target.url }, "peer refused our authentication: check this node's certificate (CN must be its node name) and the shared secret");
      }
      this.retryLater(dial, !authenticated);
    });
  }

  /** A frame beyond the size limit (ws closes with 1009) is counted; other socket errors just close. */
  private frameError(error: NodeJS.ErrnoException, peer: string): void {
    if (error.code !== "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") return;
    this.options.metrics.peerFrameRefusals.inc({ peer });
    this.options.logger.warn({ peer, limit: this.limits.maxFrameBytes }, "peer frame beyond --peer-max-frame-bytes; connection closed");
  }

  private retryLater(dial: DialState, failed: boolean): void {
    if (this.closed) return;
    clearTimeout(dial.timer);
    dial.timer = setTimeout(() => this.dial(dial), failed ? dial.backoffMs : 250);
    if (failed) dial.backoffMs = Math.min(dial.backoffMs * 2, MAX_BACKOFF_MS);
  }

  private establish(ws: WebSocket, remote: string, dialer: string): void {
    if (this.closed) {
      ws.close(1001, "shutting down");
      return;
    }
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
    const throttle = this.throttle(ws, remote);
    ws.on("message", (data, isBinary) => {
      if (!isBinary) return;
      const bytes = toBytes(data);
      throttle.took(bytes.length);
      try {
        session.receive(bytes);
      } catch (error) {
        logger.warn({ peer: remote, err: error }, "malformed frame from peer; dropping the connection");
        ws.close(CLOSE_BAD_FRAME, "malformed frame");
      }
    });
    const heartbeat = this.heartbeat(ws, throttle);
    ws.on("close", () => {
      clearInterval(heartbeat);
      throttle.stop();
      replica.disconnect(session);
      if (this.connections.get(remote) === connection) this.connections.delete(remote);
      metrics.peersConnected.set(this.connections.size);
      logger.info({ peer: remote }, "peer disconnected");
    });
  }

  /**
   * Read rate of one authenticated peer (token bucket, burst of one largest frame). Beyond it, reading pauses until
   * the bucket has refilled, rather than dropping the link: an honest peer catching up after a partition sends a burst
   * it must not be cut off for (it would reconnect and resend the same catch-up for ever), TCP flow control carries
   * the pause back to the sender, and what this node holds stays bounded by one frame and the socket buffers.
   */
  private throttle(ws: WebSocket, remote: string): { took(bytes: number): void; stop(): void; readonly paused: boolean } {
    const { metrics } = this.options;
    const bucket = new TokenBucket(this.limits.maxBytesPerSecond, Math.max(this.limits.maxFrameBytes, this.limits.maxBytesPerSecond), Date.now());
    let timer: NodeJS.Timeout | undefined;
    return {
      took: (bytes) => {
        const waitMs = bucket.take(bytes, Date.now());
        if (waitMs === 0 || timer) return;
        metrics.peerThrottles.inc({ peer: remote });
        metrics.peerThrottledSeconds.inc({ peer: remote }, waitMs / 1000);
        ws.pause();
        timer = setTimeout(() => {
          timer = undefined;
          if (ws.readyState === WebSocket.OPEN) ws.resume();
        }, waitMs);
      },
      stop: () => clearTimeout(timer),
      get paused() {
        return timer !== undefined;
      },
    };
  }

  /** Pings the peer; a connection that misses a whole interval is dead (e.g. a silent network drop), unless we paused it. */
  private heartbeat(ws: WebSocket, throttle: { readonly paused: boolean }): NodeJS.Timeout {
    let alive = true;
    ws.on("pong", () => (alive = true));
    const timer = setInterval(() => {
      if (!alive && !throttle.paused) return ws.terminate();
      alive = throttle.paused;
      ws.ping();
    }, HEARTBEAT_MS);
    timer.unref();
    return timer;
  }
}

/** What screen() set up for an accepted socket; accept() calls it once authenticated (slot, byte count and deadline end). */
const unauthenticatedPhase = new WeakMap<TLSSocket, { authenticated(): void }>();

/**
 * The peer is whoever holds a certificate of the federation's own CA (which issues node
 * certificates only), whatever address its load balancer got after the certificate was issued.
 * Node's TLS accepts a name when this returns undefined; @types/ws declares a boolean instead.
 */
const anyPeerAddress = (() => undefined) as unknown as WebSocket.ClientOptions["checkServerIdentity"];

function toBytes(data: RawData): Buffer {
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
}
