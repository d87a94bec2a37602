import { z } from "zod";

export const REGIONS = ["alpha", "beta", "gamma"] as const;
export type Region = (typeof REGIONS)[number];
export const DETECTORS = ["drift", "replication", "consortium"] as const;
export type DetectorName = (typeof DETECTORS)[number];

export const DEFAULT_LISTEN = "0.0.0.0:8080";
export const DEFAULT_STATE_DIR = "/var/lib/dsc-watcher";
/** Server-side apply manager names the Pulumi Kubernetes provider uses (`pulumi-kubernetes-<suffix>`). */
export const DEFAULT_ENGINE_MANAGER = "pulumi-kubernetes";
/** Kubernetes' own components, which legitimately write to federation objects (status, revision annotations). */
export const DEFAULT_SYSTEM_MANAGERS = ["kube-controller-manager", "kube-scheduler", "kubelet", "kwok"];

export interface PeerEndpoint {
  readonly name: string;
  readonly url: string;
}

export interface WatcherConfig {
  readonly region: Region;
  readonly listen: { host: string; port: number };
  readonly detectors: ReadonlySet<DetectorName>;
  readonly chain: { rpcUrl: string; guardian: string; consortiumSafe: string; tierRules: string; confirmations: number; approvalLookbackBlocks: number };
  readonly agentKeyFile: string;
  /** undefined: the in-cluster service account. */
  readonly kubeconfig: string | undefined;
  readonly replication: { url: string | undefined; peers: readonly PeerEndpoint[]; tokenFile: string | undefined };
  readonly stateDir: string;
  readonly pollIntervalMs: number;
  readonly divergenceBoundMs: number;
  readonly approvalWindowMs: number;
  readonly engineManager: string;
  readonly systemManagers: readonly string[];
  readonly logLevel: string;
}

/** Raw settings: command-line flags (take precedence) or the container's environment. */
export interface RawSettings {
  readonly region?: string;
  readonly listen?: string;
  readonly detectors?: string;
  readonly chainRpcUrl?: string;
  readonly guardianAddress?: string;
  readonly consortiumSafeAddress?: string;
  readonly tierRulesAddress?: string;
  readonly confirmations?: string;
  readonly approvalLookbackBlocks?: string;
  readonly agentKeyFile?: string;
  readonly kubeconfig?: string;
  readonly replicationUrl?: string;
  readonly peerReplication?: readonly string[];
  readonly replicationTokenFile?: string;
  readonly stateDir?: string;
  readonly pollInterval?: string;
  readonly divergenceBound?: string;
  readonly approvalWindow?: string;
  readonly engineFieldManager?: string;
  readonly systemFieldManagers?: string;
  readonly logLevel?: string;
}

/** Flag, environment variable and help of every setting: main.ts builds the CLI from it, settingsFromEnv reads it. */
export const SETTINGS: ReadonlyArray<{ key: keyof RawSettings; flag: string; env: string; help: string; repeat?: true }> = [
  { key: "region", flag: "--region <name>", env: "DSC_REGION", help: "this watcher's region: alpha, beta or gamma" },
  { key: "listen", flag: "--listen <host:port>", env: "DSC_LISTEN", help: `status, metrics and probes (default ${DEFAULT_LISTEN})` },
  { key: "detectors", flag: "--detectors <list>", env: "DSC_DETECTORS", help: `comma-separated detectors to run (default ${DETECTORS.join(",")})` },
  { key: "chainRpcUrl", flag: "--chain-rpc-url <url>", env: "DSC_CHAIN_RPC_URL", help: "the chain's JSON-RPC endpoint (http or ws)" },
  { key: "guardianAddress", flag: "--guardian-address <0x…>", env: "DSC_GUARDIAN_ADDRESS", help: "the Guardian contract" },
  { key: "consortiumSafeAddress", flag: "--consortium-safe-address <0x…>", env: "DSC_CONSORTIUM_SAFE_ADDRESS", help: "the Consortium Safe" },
  { key: "tierRulesAddress", flag: "--tier-rules-address <0x…>", env: "DSC_TIER_RULES_ADDRESS", help: "the TierRules contract (approvals are recorded there)" },
  { key: "confirmations", flag: "--confirmations <n>", env: "DSC_CONFIRMATIONS", help: "blocks a consortium event must be buried under before it is judged (reorg tolerance; default 2)" },
  { key: "approvalLookbackBlocks", flag: "--approval-lookback-blocks <n>", env: "DSC_APPROVAL_LOOKBACK_BLOCKS", help: "how far back recorded approvals are read at start (default 10000)" },
  { key: "agentKeyFile", flag: "--agent-key-file <path>", env: "DSC_AGENT_KEY_FILE", help: "file holding the DSP agent's private key (0x + 64 hex)" },
  { key: "kubeconfig", flag: "--kubeconfig <path>", env: "DSC_KUBECONFIG", help: "kubeconfig of the cluster to watch (default: the in-cluster service account)" },
  { key: "replicationUrl", flag: "--replication-url <url>", env: "DSC_REPLICATION_URL", help: "this region's replication node API, e.g. http://replication:8080" },
  { key: "peerReplication", flag: "--peer-replication <name=url>", env: "DSC_PEER_REPLICATION_URLS", help: "a peer region's replication API, e.g. beta=http://10.0.0.2:8080; repeat (env: comma-separated)", repeat: true },
  { key: "replicationTokenFile", flag: "--replication-token-file <path>", env: "DSC_REPLICATION_TOKEN_FILE", help: "bearer token (scope status) sent to the replication status endpoints" },
  { key: "stateDir", flag: "--state-dir <dir>", env: "DSC_STATE_DIR", help: `where the chain cursor and cluster baseline are kept (default ${DEFAULT_STATE_DIR})` },
  { key: "pollInterval", flag: "--poll-interval <duration>", env: "DSC_POLL_INTERVAL", help: "chain and replication poll interval (default 2s)" },
  { key: "divergenceBound", flag: "--divergence-bound <duration>", env: "DSC_DIVERGENCE_BOUND", help: "how long equal state vectors with different digests are tolerated (default 60s)" },
  { key: "approvalWindow", flag: "--approval-window <duration>", env: "DSC_APPROVAL_WINDOW", help: "how long after a recorded approval the engine may change the cluster (default 15m)" },
  { key: "engineFieldManager", flag: "--engine-field-manager <prefix>", env: "DSC_ENGINE_FIELD_MANAGER", help: `field manager prefix of the deployment engine (default ${DEFAULT_ENGINE_MANAGER})` },
  { key: "systemFieldManagers", flag: "--system-field-managers <list>", env: "DSC_SYSTEM_FIELD_MANAGERS", help: `Kubernetes components allowed to write (default ${DEFAULT_SYSTEM_MANAGERS.join(",")})` },
  { key: "logLevel", flag: "--log-level <level>", env: "DSC_LOG_LEVEL", help: "fatal, error, warn, info, debug, trace or silent (default info)" },
];

const ENV_OF = Object.fromEntries(SETTINGS.map((s) => [s.key, s.env])) as Record<keyof RawSettings, string>;
const where = (key: keyof RawSettings): string => `${SETTINGS.find((s) => s.key === key)?.flag.split(" ")[0]} or ${ENV_OF[key]}`;

/** "500ms", "30s", "15m", "1h", or plain milliseconds. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) return undefined;
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? "ms"] ?? 1;
  return Math.round(Number(match[1]) * factor);
}

const duration = (key: keyof RawSettings, fallback: string, min: number) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined || ms < min) {
        ctx.addIssue({ code: "custom", message: `"${text}" is not a duration of at least ${min} ms, e.g. 2s, 500ms, 15m (${where(key)})` });
        return z.NEVER;
      }
      return ms;
    });

const count = (key: keyof RawSettings, fallback: string) =>
  z.string().regex(/^\d{1,9}$/, { message: `must be a whole number (${where(key)})` }).default(fallback).transform(Number);

const address = (key: keyof RawSettings, what: string) =>
  z
    .string({ message: `${what} address is required (${where(key)})` })
    .regex(/^0x[0-9a-fA-F]{40}$/, { message: `must be a 20-byte hex address like 0x1234…(40 hex digits) (${where(key)})` })
    .transform((a) => a.toLowerCase());

const httpUrl = (key: keyof RawSettings) => z.url({ protocol: /^https?$/, message: `must be an http(s) URL (${where(key)})` }).transform((u) => u.replace(/\/+$/, ""));

const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/, { message: `expected host:port, e.g. ${DEFAULT_LISTEN} (--listen or DSC_LISTEN)` })
  .default(DEFAULT_LISTEN)
  .transform((text) => ({ host: text.slice(0, text.lastIndexOf(":")).replace(/^\[|\]$/g, ""), port: Number(text.slice(text.lastIndexOf(":") + 1)) }))
  .refine((v) => v.port <= 65535, { message: "port must be 0-65535 (--listen or DSC_LISTEN)" });

const peerSpec = z
  .string()
  .regex(/^[a-z][a-z0-9-]*=https?:\/\/\S+$/, { message: `expected NAME=URL with an http(s) URL, e.g. beta=http://10.0.0.2:8080 (${where("peerReplication")})` })
  .transform((text) => ({ name: text.slice(0, text.indexOf("=")), url: text.slice(text.indexOf("=") + 1).replace(/\/+$/, "") }));

const list = (text: string): string[] => text.split(",").map((s) => s.trim()).filter((s) => s.length > 0);

const settingsSchema = z.object({
  region: z.enum(REGIONS, { message: `region is required and must be one of ${REGIONS.join(", ")} (${where("region")})` }),
  listen: hostPort,
  detectors: z
    .string()
    .default(DETECTORS.join(","))
    .transform((text, ctx) => {
      const names = list(text);
      const unknown = names.filter((n) => !(DETECTORS as readonly string[]).includes(n));
      if (unknown.length > 0 || names.length === 0) {
        ctx.addIssue({ code: "custom", message: `unknown detector ${unknown.join(", ") || "(none given)"}; use some of ${DETECTORS.join(", ")} (${where("detectors")})` });
        return z.NEVER;
      }
      return new Set(names as DetectorName[]);
    }),
  chainRpcUrl: z.url({ protocol: /^(https?|wss?)$/, message: `the chain's JSON-RPC endpoint is required as an http(s) or ws(s) URL (${where("chainRpcUrl")})` }),
  guardianAddress: address("guardianAddress", "the Guardian"),
  consortiumSafeAddress: address("consortiumSafeAddress", "the Consortium Safe"),
  tierRulesAddress: address("tierRulesAddress", "the TierRules"),
  confirmations: count("confirmations", "2"),
  approvalLookbackBlocks: count("approvalLookbackBlocks", "10000"),
  agentKeyFile: z.string({ message: `the agent key file is required (${where("agentKeyFile")})` }).min(1, { message: `must not be empty (${where("agentKeyFile")})` }),
  kubeconfig: z.string().min(1).optional(),
  replicationUrl: httpUrl("replicationUrl").optional(),
  peerReplication: z.array(peerSpec).default([]),
  replicationTokenFile: z.string().min(1).optional(),
  stateDir: z.string().min(1).default(DEFAULT_STATE_DIR),
  pollInterval: duration("pollInterval", "2s", 50),
  divergenceBound: duration("divergenceBound", "60s", 0),
  approvalWindow: duration("approvalWindow", "15m", 1000),
  engineFieldManager: z.string().min(1).default(DEFAULT_ENGINE_MANAGER),
  systemFieldManagers: z.string().default(DEFAULT_SYSTEM_MANAGERS.join(",")).transform(list),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], { message: `must be fatal, error, warn, info, debug, trace or silent (${where("logLevel")})` }).default("info"),
});

/** Fills unset command-line settings from the environment. */
export function settingsFromEnv(cli: RawSettings, env: NodeJS.ProcessEnv): RawSettings {
  const out: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    const given = cli[s.key];
    const fromEnv = env[s.env];
    if (s.repeat) out[s.key] = Array.isArray(given) && given.length > 0 ? given : fromEnv === undefined ? undefined : list(fromEnv);
    else out[s.key] = given ?? (fromEnv === "" ? undefined : fromEnv);
  }
  return out as RawSettings;
}

export type ConfigResult = { ok: true; config: WatcherConfig } | { ok: false; errors: string[] };

/**
 * Validates settings, reporting every problem on its own line with the flag and variable that set it.
 * `inCluster`: whether the process runs in a pod (KUBERNETES_SERVICE_HOST set), so a missing kubeconfig is fine.
 */
export function resolveConfig(raw: RawSettings, inCluster: boolean): ConfigResult {
  const parsed = settingsSchema.safeParse(raw);
  const errors = parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join(".") || "settings"}: ${issue.message}`);
  if (!parsed.success) return { ok: false, errors };
  const s = parsed.data;
  const problems: string[] = [];
  if (s.detectors.has("drift") && s.kubeconfig === undefined && !inCluster) {
    problems.push(`kubeconfig: the drift detector needs a cluster: give ${where("kubeconfig")}, or run in a pod with a service account`);
  }
  if (s.detectors.has("replication") && s.replicationUrl === undefined) {
    problems.push(`replicationUrl: the replication detector needs this region's node: give ${where("replicationUrl")}`);
  }
  const names = s.peerReplication.map((p) => p.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) problems.push(`peerReplication: peer ${twice} is given twice`);
  if (names.includes(s.region)) problems.push(`peerReplication: ${s.region} is this watcher's own region; give it as ${where("replicationUrl")}`);
  if (problems.length > 0) return { ok: false, errors: problems };
  return {
    ok: true,
    config: {
      region: s.region,
      listen: s.listen,
      detectors: s.detectors,
      chain: { rpcUrl: s.chainRpcUrl, guardian: s.guardianAddress, consortiumSafe: s.consortiumSafeAddress, tierRules: s.tierRulesAddress, confirmations: s.confirmations, approvalLookbackBlocks: s.approvalLookbackBlocks },
      agentKeyFile: s.agentKeyFile,
      kubeconfig: s.kubeconfig,
      replication: { url: s.replicationUrl, peers: s.peerReplication, tokenFile: s.replicationTokenFile },
      stateDir: s.stateDir,
      pollIntervalMs: s.pollInterval,
      divergenceBoundMs: s.divergenceBound,
      approvalWindowMs: s.approvalWindow,
      engineManager: s.engineFieldManager,
      systemManagers: s.systemFieldManagers,
      logLevel: s.logLevel,
    },
  };
}

/** The agent key file's content: a 0x-prefixed 32-byte hex key. The message never contains the key. */
export function parseAgentKey(content: string, path: string): string {
  const key = content.trim();
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new Error(`agent key file ${path} does not hold a 0x-prefixed 32-byte hex private key (content not shown)`);
  return key;
}

/** A bearer token file's content, without surrounding whitespace; empty is refused. */
export function parseToken(content: string, path: string): string {
  const token = content.trim();
  if (token.length === 0 || /\s/.test(token)) throw new Error(`replication token file ${path} must hold one bearer token (a JWT) and nothing else`);
  return token;
}
