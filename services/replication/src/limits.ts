/**
 * The bounds of what a peer or an HTTP client may cost this node, each a flag with a default (config.ts), and the
 * pure pieces that enforce them (peerTransport.ts and http.ts are the shells).
 */
export interface PeerLimits {
  /** A socket must finish the peer handshake (TLS, upgrade, proof) within this. */
  readonly handshakeTimeoutMs: number;
  /** Largest handshake message; the whole unauthenticated phase may carry a few of them and the upgrade request. */
  readonly handshakeMaxBytes: number;
  /** Sockets that have not finished the peer handshake, at once. */
  readonly maxUnauthenticated: number;
  /** Peer sockets of any kind, at once (the peer port's TCP connection cap). */
  readonly maxConnections: number;
  /** Largest frame from an authenticated peer (the WebSocket message size limit). */
  readonly maxFrameBytes: number;
  /** Sustained bytes per second read from one authenticated peer; bursts up to maxFrameBytes. */
  readonly maxBytesPerSecond: number;
}

export interface HttpLimits {
  /** Whole request, headers and body, must arrive within this. */
  readonly requestTimeoutMs: number;
  /** Headers must arrive within this (the slow-loris guard). */
  readonly headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  readonly keepAliveTimeoutMs: number;
  /** Open data API connections at once; more are dropped on accept. */
  readonly maxConnections: number;
}

export const DEFAULT_PEER_LIMITS: PeerLimits = {
  handshakeTimeoutMs: 5000,
  handshakeMaxBytes: 1024,
  maxUnauthenticated: 16,
  maxConnections: 64,
  maxFrameBytes: 64 * 1024 * 1024,
  maxBytesPerSecond: 32 * 1024 * 1024,
};

export const DEFAULT_HTTP_LIMITS: HttpLimits = { requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, keepAliveTimeoutMs: 5_000, maxConnections: 512 };

/** Bytes the upgrade request (HTTP headers, at most HANDSHAKE_HEADER_BYTES) may take before the handshake messages. */
export const HANDSHAKE_HEADER_BYTES = 8 * 1024;

/** All the bytes one socket may send before it is authenticated: the upgrade request and four handshake-sized frames. */
export function unauthenticatedByteBudget(limits: Pick<PeerLimits, "handshakeMaxBytes">): number {
  return HANDSHAKE_HEADER_BYTES + 4 * (limits.handshakeMaxBytes + 14);
}

/**
 * A token bucket: `capacity` bytes, refilled at `ratePerSecond`. take() spends and answers how long to stop
 * reading (0: go on); the balance may go negative by one frame, which the pause then pays back.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly capacity: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.at = now;
  }

  take(bytes: number, now: number): number {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.at) * this.ratePerSecond) / 1000);
    this.at = now;
    this.tokens -= bytes;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.ratePerSecond);
  }
}

/** Counts sockets by phase and answers whether one more unauthenticated socket may open. */
export class SocketBudget {
  private unauthenticated = 0;

  constructor(private readonly maxUnauthenticated: number) {}

  /** True when admitted (then release() or authenticated() must follow exactly once). */
  open(): boolean {
    if (this.unauthenticated >= this.maxUnauthenticated) return false;
    this.unauthenticated++;
    return true;
  }

  /** The socket left the unauthenticated phase (authenticated, refused or closed). */
  release(): void {
    this.unauthenticated = Math.max(0, this.unauthenticated - 1);
  }

  get pending(): number {
    return this.unauthenticated;
  }
}
