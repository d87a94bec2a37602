import { z } from "zod";
import { NodeId, REGIONS } from "./identity";

/** The most Yjs client ids --max-client-ids may allow per writer and shard (an envelope naming more is malformed). */
export const MAX_CLIENT_IDS = 100_000;
import { DEFAULT_HTTP_LIMITS, DEFAULT_PEER_LIMITS, HttpLimits, PeerLimits } from "./limits";

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface NodeConfig {
  readonly id: NodeId;
  readonly api: HostPort;
  readonly peerListen: HostPort;
  readonly peers: ReadonlyArray<{ name: string; url: string }>;
  readonly dataDir: string;
  readonly secretFile: string;
  /** JWKS of the public keys that sign data API tokens (re-read on change). */
  readonly authKeysFile: string;
  readonly tls: { readonly certFile: string; readonly keyFile: string; readonly caFile: string };
  readonly logLevel: string;
  /** Data-plane bounds on what peers' updates may carry (see replica.ts). */
  readonly maxClockSkewMs: number;
  readonly maxClientIds: number;
  /** Bounds on peer sockets and HTTP connections (limits.ts). */
  readonly peerLimits: PeerLimits;
  readonly httpLimits: HttpLimits;
}

/** Raw settings as given on the command line (take precedence) or in the environment. */
export interface RawSettings {
  readonly region?: string;
  readonly replica?: string;
  readonly listen?: string;
  readonly peerListen?: string;
  readonly peer?: readonly string[];
  readonly data?: string;
  readonly secretFile?: string;
  readonly authKeysFile?: string;
  readonly tlsCertFile?: string;
  readonly tlsKeyFile?: string;
  readonly tlsCaFile?: string;
  readonly logLevel?: string;
  readonly maxClockSkewMs?: string;
  readonly maxClientIds?: string;
  readonly peerHandshakeTimeoutMs?: string;
  readonly peerHandshakeMaxBytes?: string;
  readonly peerMaxUnauthenticated?: string;
  readonly peerMaxConnections?: string;
  readonly peerMaxFrameBytes?: string;
  readonly peerMaxBytesPerSecond?: string;
  readonly httpRequestTimeoutMs?: string;
  readonly httpHeadersTimeoutMs?: string;
  readonly httpKeepAliveTimeoutMs?: string;
  readonly httpMaxConnections?: string;
}

export const DEFAULT_API_LISTEN = "0.0.0.0:8080";
export const DEFAULT_PEER_LISTEN = "0.0.0.0:7070";

const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/, { message: "expected host:port, e.g. 0.0.0.0:8080" })
  .transform((text) => {
    const colon = text.lastIndexOf(":");
    return { host: text.slice(0, colon).replace(/^\[|\]$/g, ""), port: Number(text.slice(colon + 1)) };
  })
  .refine((value) => value.port <= 65535, { message: "port must be 0-65535" });

/** "2" or a StatefulSet pod name such as "replication-2": the ordinal is the trailing number. */
const replicaOrdinal = z
  .string()
  .regex(/^(?:[a-z0-9-]*-)?\d{1,4}$/, { message: "expected an ordinal (2) or a StatefulSet pod name ending in one (replication-2)" })
  .transform((text) => Number(/(\d+)$/.exec(text)?.[1]));

// Peer links are always TLS: a ws:// peer is refused, not silently downgraded.
const peerSpec = z
  .string()
  .regex(/^[A-Za-z0-9_.-]+=wss:\/\/\S+$/, { message: "expected NAME=URL with a wss:// URL (peer links are TLS only), e.g. beta=wss://10.0.0.2:7070" })
  .transform((text) => ({ name: text.slice(0, text.indexOf("=")), url: text.slice(text.indexOf("=") + 1) }));

/** A whole number in [min, max] given as text (flag or environment), with the setting named in the message. */
const bounded = (what: string, min: number, max: number, fallback: number) =>
  z.coerce
    .number({ message: `${what} must be a number` })
    .int({ message: `${what} must be a whole number` })
    .min(min, { message: `${what} must be at least ${min}` })
    .max(max, { message: `${what} must be at most ${max}` })
    .default(fallback);

const MIB = 1024 * 1024;

const settingsSchema = z.object({
  region: z.enum(REGIONS, { message: `region is required and must be one of ${REGIONS.join(", ")} (--region or DSC_REGION)` }),
  replica: replicaOrdinal.default(0),
  listen: hostPort.default({ host: "0.0.0.0", port: 8080 }),
  peerListen: hostPort.default({ host: "0.0.0.0", port: 7070 }),
  peer: z.array(peerSpec).default([]),
  data: z.string({ message: "a data folder is required (--data or DSC_DATA_DIR)" }).min(1, { message: "data folder must not be empty" }),
  secretFile: z.string({ message: "a shared-secret file is required (--secret-file or DSC_SECRET_FILE)" }).min(1),
  authKeysFile: z.string({ message: "the data API's token keys are required: a JWKS file (--auth-keys-file or DSC_AUTH_KEYS_FILE)" }).min(1),
  tlsCertFile: z.string({ message: "this node's peer certificate is required (--tls-cert-file or DSC_TLS_CERT_FILE)" }).min(1),
  tlsKeyFile: z.string({ message: "this node's peer private key is required (--tls-key-file or DSC_TLS_KEY_FILE)" }).min(1),
  tlsCaFile: z.string({ message: "the federation CA certificate is required (--tls-ca-file or DSC_TLS_CA_FILE)" }).min(1),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  maxClockSkewMs: z.coerce.number({ message: "max clock skew must be a number of milliseconds" }).int().min(1000, { message: "max clock skew must be at least 1000 ms" }).default(300_000),
  maxClientIds: z.coerce.number({ message: "max client ids must be a number" }).int().min(1).max(MAX_CLIENT_IDS).default(64),
  peerHandshakeTimeoutMs: bounded("peer handshake timeout (ms)", 500, 120_000, DEFAULT_PEER_LIMITS.handshakeTimeoutMs),
  peerHandshakeMaxBytes: bounded("peer handshake frame limit (bytes)", 512, 16 * 1024, DEFAULT_PEER_LIMITS.handshakeMaxBytes),
  peerMaxUnauthenticated: bounded("unauthenticated peer socket cap", 1, 10_000, DEFAULT_PEER_LIMITS.maxUnauthenticated),
  peerMaxConnections: bounded("peer connection cap", 2, 100_000, DEFAULT_PEER_LIMITS.maxConnections),
  peerMaxFrameBytes: bounded("peer frame limit (bytes)", 64 * 1024, 1024 * MIB, DEFAULT_PEER_LIMITS.maxFrameBytes),
  peerMaxBytesPerSecond: bounded("peer read rate (bytes per second)", 64 * 1024, 10 * 1024 * MIB, DEFAULT_PEER_LIMITS.maxBytesPerSecond),
  httpRequestTimeoutMs: bounded("HTTP request timeout (ms)", 100, 3_600_000, DEFAULT_HTTP_LIMITS.requestTimeoutMs),
  httpHeadersTimeoutMs: bounded("HTTP header timeout (ms)", 100, 3_600_000, DEFAULT_HTTP_LIMITS.headersTimeoutMs),
  httpKeepAliveTimeoutMs: bounded("HTTP keep-alive timeout (ms)", 100, 3_600_000, DEFAULT_HTTP_LIMITS.keepAliveTimeoutMs),
  httpMaxConnections: bounded("HTTP connection cap", 1, 1_000_000, DEFAULT_HTTP_LIMITS.maxConnections),
});

/** Fills unset command-line settings from the container's environment variables. */
export function settingsFromEnv(cli: RawSettings, env: NodeJS.ProcessEnv): RawSettings {
  const peersFromEnv = env.DSC_PEERS?.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
  return {
    region: cli.region ?? env.DSC_REGION,
    replica: cli.replica ?? env.DSC_REPLICA,
    listen: cli.listen ?? env.DSC_API_LISTEN,
    peerListen: cli.peerListen ?? env.DSC_PEER_LISTEN,
    peer: cli.peer && cli.peer.length > 0 ? cli.peer : peersFromEnv,
    data: cli.data ?? env.DSC_DATA_DIR,
    secretFile: cli.secretFile ?? env.DSC_SECRET_FILE,
    authKeysFile: cli.authKeysFile ?? env.DSC_AUTH_KEYS_FILE,
    tlsCertFile: cli.tlsCertFile ?? env.DSC_TLS_CERT_FILE,
    tlsKeyFile: cli.tlsKeyFile ?? env.DSC_TLS_KEY_FILE,
    tlsCaFile: cli.tlsCaFile ?? env.DSC_TLS_CA_FILE,
    logLevel: cli.logLevel ?? env.DSC_LOG_LEVEL,
    maxClockSkewMs: cli.maxClockSkewMs ?? env.DSC_MAX_CLOCK_SKEW_MS,
    maxClientIds: cli.maxClientIds ?? env.DSC_MAX_CLIENT_IDS,
    peerHandshakeTimeoutMs: cli.peerHandshakeTimeoutMs ?? env.DSC_PEER_HANDSHAKE_TIMEOUT_MS,
    peerHandshakeMaxBytes: cli.peerHandshakeMaxBytes ?? env.DSC_PEER_HANDSHAKE_MAX_BYTES,
    peerMaxUnauthenticated: cli.peerMaxUnauthenticated ?? env.DSC_PEER_MAX_UNAUTHENTICATED,
    peerMaxConnections: cli.peerMaxConnections ?? env.DSC_PEER_MAX_CONNECTIONS,
    peerMaxFrameBytes: cli.peerMaxFrameBytes ?? env.DSC_PEER_MAX_FRAME_BYTES,
    peerMaxBytesPerSecond: cli.peerMaxBytesPerSecond ?? env.DSC_PEER_MAX_BYTES_PER_SECOND,
    httpRequestTimeoutMs: cli.httpRequestTimeoutMs ?? env.DSC_HTTP_REQUEST_TIMEOUT_MS,
    httpHeadersTimeoutMs: cli.httpHeadersTimeoutMs ?? env.DSC_HTTP_HEADERS_TIMEOUT_MS,
    httpKeepAliveTimeoutMs: cli.httpKeepAliveTimeoutMs ?? env.DSC_HTTP_KEEP_ALIVE_TIMEOUT_MS,
    httpMaxConnections: cli.httpMaxConnections ?? env.DSC_HTTP_MAX_CONNECTIONS,
  };
}

export type ConfigResult = { ok: true; config: NodeConfig } | { ok: false; errors: string[] };

/** Validates settings; every problem is reported with the setting it concerns. */
export function resolveConfig(raw: RawSettings): ConfigResult {
  const parsed = settingsSchema.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, errors: parsed.error.issues.map((issue) => `${issue.path.join(".") || "settings"}: ${issue.message}`) };
  }
  const s = parsed.data;
  const names = s.peer.map((p) => p.name);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate) return { ok: false, errors: [`peer: name ${duplicate} is given twice`] };
  if (s.httpHeadersTimeoutMs > s.httpRequestTimeoutMs) {
    return { ok: false, errors: [`httpHeadersTimeoutMs: the header timeout (${s.httpHeadersTimeoutMs} ms) must not exceed the request timeout (${s.httpRequestTimeoutMs} ms)`] };
  }
  if (s.peerMaxUnauthenticated >= s.peerMaxConnections) {
    return { ok: false, errors: [`peerMaxUnauthenticated: the unauthenticated socket cap (${s.peerMaxUnauthenticated}) must be below the peer connection cap (${s.peerMaxConnections}), or strangers could take every slot`] };
  }
  return {
    ok: true,
    config: {
      id: { region: s.region, replica: s.replica },
      api: s.listen,
      peerListen: s.peerListen,
      peers: s.peer,
      dataDir: s.data,
      secretFile: s.secretFile,
      authKeysFile: s.authKeysFile,
      tls: { certFile: s.tlsCertFile, keyFile: s.tlsKeyFile, caFile: s.tlsCaFile },
      logLevel: s.logLevel,
      maxClockSkewMs: s.maxClockSkewMs,
      maxClientIds: s.maxClientIds,
      peerLimits: {
        handshakeTimeoutMs: s.peerHandshakeTimeoutMs,
        handshakeMaxBytes: s.peerHandshakeMaxBytes,
        maxUnauthenticated: s.peerMaxUnauthenticated,
        maxConnections: s.peerMaxConnections,
        maxFrameBytes: s.peerMaxFrameBytes,
        maxBytesPerSecond: s.peerMaxBytesPerSecond,
      },
      httpLimits: {
        requestTimeoutMs: s.httpRequestTimeoutMs,
        headersTimeoutMs: s.httpHeadersTimeoutMs,
        keepAliveTimeoutMs: s.httpKeepAliveTimeoutMs,
        maxConnections: s.httpMaxConnections,
      },
    },
  };
}

/** The shared secret: the file's content without surrounding whitespace, at least 16 bytes. */
export function parseSecret(content: string, path: string): Buffer {
  const secret = content.trim();
  if (secret.length < 16) throw new Error(`secret file ${path} holds ${secret.length} characters; use at least 16 (e.g. openssl rand -hex 32)`);
  return Buffer.from(secret, "utf8");
}
