import { createPrivateKey, randomBytes, X509Certificate } from "node:crypto";
import https from "node:https";
import type { TLSSocket } from "node:tls";
import WebSocket, { RawData, WebSocketServer } from "ws";
import {
  Accept,
  acceptSchema,
  certificateNodeName,
  Hello,
  helloFor,
  helloSchema,
  newNonce,
  parseHandshakeJson,
  Proof,
  proofSchema,
  sessionKeyingMaterial,
  signTranscript,
  transcriptHash,
  transcriptMac,
} from "../handshake";

/**
 * A peer written for tests, speaking the real protocol over wss:// with whatever certificate it is given (a
 * compromised region's, another CA's, ...): it can complete the real handshake and then send arbitrary frames and
 * record what it receives, or misbehave at any step (claim another name, sign nothing, relay, send oversized frames).
 */
export interface RogueTls {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

export interface Closed {
  readonly code: number;
  readonly reason: string;
}

export type Outcome = { readonly accepted: true } | { readonly accepted: false; readonly closed: Closed };

function toBytes(data: RawData): Buffer {
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
}

function bounded<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** What both roles share: the socket, the frames received, the close. */
abstract class RogueEnd {
  /** Binary frames received, in order. */
  readonly frames: Uint8Array[] = [];
  /** Text frames received, in order (handshake messages). */
  readonly texts: string[] = [];
  readonly closed: Promise<Closed>;
  private waiters: Array<() => void> = [];
  private isClosed = false;

  protected constructor(
    readonly ws: WebSocket,
    readonly socket: TLSSocket,
  ) {
    ws.on("message", (data, isBinary) => {
      if (isBinary) this.frames.push(new Uint8Array(toBytes(data)));
      else this.texts.push(toBytes(data).toString());
      this.wake();
    });
    this.closed = new Promise((resolve) =>
      ws.once("close", (code, reason) => {
        this.isClosed = true;
        this.wake();
        resolve({ code, reason: reason.toString() });
      }),
    );
    ws.on("error", () => undefined);
  }

  get open(): boolean {
    return !this.isClosed && this.ws.readyState === WebSocket.OPEN;
  }

  /** The name in the other side's TLS certificate. */
  get peerCertificateName(): string | undefined {
    const cert = this.socket.getPeerX509Certificate();
    return cert ? certificateNodeName(cert) : undefined;
  }

  /** This TLS session's exported keying material (what the transcript binds). */
  keyingMaterial(): Buffer {
    const ekm = sessionKeyingMaterial(this.socket);
    if (!ekm) throw new Error("no keying material");
    return ekm;
  }

  send(frame: Uint8Array): void {
    this.ws.send(frame, { binary: true });
  }

  sendText(text: string): void {
    this.ws.send(text, { binary: false });
  }

  /** The next text frame after `seen` of them, or undefined if the socket closes first. */
  async nextText(seen: number, timeoutMs = 10000): Promise<string | undefined> {
    await this.until(() => this.texts.length > seen || this.isClosed, timeoutMs, "a text frame");
    return this.texts[seen];
  }

  /** Resolves with the first received binary frame (from `from` on) that matches, within the bound. */
  async waitForFrame(match: (frame: Uint8Array) => boolean, timeoutMs = 10000, from = 0): Promise<Uint8Array> {
    let found: Uint8Array | undefined;
    await this.until(() => (found = this.frames.slice(from).find(match)) !== undefined, timeoutMs, "a matching frame");
    return found as Uint8Array;
  }

  waitClosed(timeoutMs = 10000): Promise<Closed> {
    return bounded(this.closed, timeoutMs, "the socket to close");
  }

  close(): void {
    this.ws.terminate();
  }

  /**
   * Writes one masked binary WebSocket frame that announces `length` bytes, straight to the TLS socket, and then
   * streams its payload until the other side closes or all is written. Nothing of the size is held in memory.
   * Resolves with the payload bytes written.
   */
  async streamHugeFrame(length: number, chunkBytes = 64 * 1024, timeoutMs = 60000): Promise<number> {
    const header = Buffer.alloc(14);
    header[0] = 0x82; // FIN + binary
    header[1] = 0x80 | 127; // masked, 64-bit length
    header.writeBigUInt64BE(BigInt(length), 2);
    randomBytes(4).copy(header, 10);
    const socket = this.socket;
    const chunk = randomBytes(chunkBytes);
    let written = 0;
    const deadline = Date.now() + timeoutMs;
    const gone = (): boolean => socket.destroyed || !socket.writable;
    if (gone()) return 0;
    socket.write(header);
    while (written < length && !gone() && Date.now() < deadline) {
      const part = chunk.subarray(0, Math.min(chunkBytes, length - written));
      written += part.length;
      if (!socket.write(part)) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            clearTimeout(timer);
            socket.off("drain", done);
            socket.off("close", done);
            resolve();
          };
          const timer = setTimeout(done, 1000);
          socket.once("drain", done);
          socket.once("close", done);
        });
      }
    }
    return written;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }

  private async until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

export interface ProofOptions {
  /** Name claimed in the proof (default: this certificate's CN). */
  readonly claim?: string;
  /** The shared secret (second factor); default: a wrong one. */
  readonly secret?: Buffer;
  /** The acceptor name the transcript names (default: the hello's). */
  readonly acceptor?: string;
}

/** The dialing side: connects to a node's peer port (or any wss:// server) and sees its hello. */
export class RoguePeer extends RogueEnd {
  private readonly ownCert: X509Certificate;

  private constructor(
    ws: WebSocket,
    socket: TLSSocket,
    private readonly tls: RogueTls,
  ) {
    super(ws, socket);
    this.ownCert = new X509Certificate(tls.cert);
  }

  /** TLS and WebSocket open; the acceptor's hello (if any) is awaited by hello(). */
  static async connect(url: string, tls: RogueTls, options: { maxPayload?: number; timeoutMs?: number } = {}): Promise<RoguePeer> {
    const ws = new WebSocket(url, { cert: tls.cert, key: tls.key, ca: tls.ca, rejectUnauthorized: true, checkServerIdentity: (() => undefined) as never, maxPayload: options.maxPayload ?? 256 * 1024 * 1024, handshakeTimeout: options.timeoutMs ?? 10000 });
    let peer: RoguePeer | undefined;
    ws.once("upgrade", (response) => (peer = new RoguePeer(ws, response.socket as TLSSocket, tls)));
    await bounded(
      new Promise<void>((resolve, reject) => {
        ws.once("open", () => resolve());
        ws.once("error", reject);
        ws.once("close", (code) => reject(new Error(`closed (${code}) before it opened`)));
      }),
      options.timeoutMs ?? 15000,
      `${url} to open`,
    );
    if (!peer) throw new Error("no upgrade");
    return peer;
  }

  /** The acceptor's hello, parsed (throws if the first text frame is not one). */
  async hello(timeoutMs = 10000): Promise<Hello> {
    const text = await this.nextText(0, timeoutMs);
    const hello = text === undefined ? undefined : helloSchema.safeParse(parseHandshakeJson(text)).data;
    if (!hello) throw new Error(`no hello from the acceptor (got ${JSON.stringify(text)})`);
    return hello;
  }

  /** A proof as the real dialer builds it, for this session, with the given deviations. */
  async proof(options: ProofOptions = {}): Promise<Proof & { transcript: Buffer }> {
    const hello = await this.hello();
    const claim = options.claim ?? certificateNodeName(this.ownCert) ?? "nobody-0";
    const nonce = newNonce();
    const acceptorCert = this.socket.getPeerX509Certificate();
    if (!acceptorCert) throw new Error("no acceptor certificate");
    const transcript = transcriptHash({ keyingMaterial: this.keyingMaterial(), acceptorNonce: hello.nonce, dialerNonce: nonce, acceptor: options.acceptor ?? hello.node, dialer: claim, acceptorFingerprint: acceptorCert.fingerprint256, dialerFingerprint: this.ownCert.fingerprint256 });
    const secret = options.secret ?? Buffer.from("not-the-secret-0000000000");
    return { type: "proof", node: claim, nonce, sig: signTranscript(createPrivateKey(this.tls.key), "dial", transcript), mac: transcriptMac(secret, "dial", transcript), transcript };
  }

  /** Sends a proof (by default the real one, see proof()) and waits for an accept or the close. */
  async authenticate(options: ProofOptions = {}, timeoutMs = 10000): Promise<Outcome> {
    const { transcript: _unused, ...proof } = await this.proof(options);
    void _unused;
    return this.sendProof(proof, timeoutMs);
  }

  /** Sends any proof object (e.g. a relayed one) and waits for an accept or the close. */
  async sendProof(proof: Proof, timeoutMs = 10000): Promise<Outcome> {
    this.sendText(JSON.stringify(proof));
    const text = await this.nextText(1, timeoutMs).catch(() => undefined);
    const accept: Accept | undefined = text === undefined ? undefined : acceptSchema.safeParse(parseHandshakeJson(text)).data;
    if (accept) return { accepted: true };
    return { accepted: false, closed: await this.waitClosed(timeoutMs) };
  }
}

/** One socket a node dialled to a RogueAcceptor. */
export class RogueConnection extends RogueEnd {
  constructor(ws: WebSocket, socket: TLSSocket) {
    super(ws, socket);
  }

  /** Sends a hello as `node` (default: a correct one for that name), and returns the proof the dialer answers with, if any. */
  async answerAs(node: string, timeoutMs = 10000, hello: Hello = helloFor(node)): Promise<Proof | undefined> {
    this.sendText(JSON.stringify(hello));
    const text = await this.nextText(0, timeoutMs).catch(() => undefined);
    return text === undefined ? undefined : proofSchema.safeParse(parseHandshakeJson(text)).data;
  }
}

/** The accepting side: a wss:// server with the given certificate, for nodes configured to dial it. */
export class RogueAcceptor {
  readonly connections: RogueConnection[] = [];

  private constructor(
    private readonly server: https.Server,
    private readonly wss: WebSocketServer,
    readonly port: number,
  ) {}

  static async listen(tls: RogueTls, onConnection: (connection: RogueConnection) => void = () => undefined): Promise<RogueAcceptor> {
    const server = https.createServer({ cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: true, rejectUnauthorized: false, minVersion: "TLSv1.3" });
    const wss = new WebSocketServer({ server });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    const address = server.address();
    const acceptor = new RogueAcceptor(server, wss, typeof address === "object" && address ? address.port : 0);
    wss.on("connection", (ws, request) => {
      const connection = new RogueConnection(ws, request.socket as TLSSocket);
      acceptor.connections.push(connection);
      onConnection(connection);
    });
    return acceptor;
  }

  get url(): string {
    return `wss://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    for (const connection of this.connections) connection.close();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Connects and completes the real handshake as the certificate's node; throws if the node refuses. */
export async function dialAs(url: string, tls: RogueTls, secret: Buffer): Promise<RoguePeer> {
  const peer = await RoguePeer.connect(url, tls);
  const outcome = await peer.authenticate({ secret });
  if (!outcome.accepted) {
    peer.close();
    throw new Error(`the node refused the handshake (${outcome.closed.code} ${outcome.closed.reason})`);
  }
  return peer;
}
