/**
 * The status page's settings: flags, each with a DSC_* environment variable (a flag wins), validated with zod so
 * that a bad value names its flag and what to do.
 */
import { Command } from "commander";
import { z } from "zod";

export interface StatusConfig {
  deploymentFile: string;
  rpcUrl: string;
  /** The replication nodes whose status is shown, in page order. */
  replication: Array<{ name: string; url: string }>;
  /** A bearer token with scope `status`, re-read on every poll; held by the server only, never sent to the page. */
  tokenFile: string;
  host: string;
  port: number;
  pollIntervalMs: number;
  /** Where the change bundles are (`<state>/changes`): those not recorded yet are shown with who signed and what is missing. */
  changesDir?: string;
}

export interface RawSettings {
  deployment?: string;
  rpc?: string;
  replication?: string[];
  tokenFile?: string;
  listen?: string;
  pollInterval?: string;
  changes?: string;
}

const ENV: Record<keyof RawSettings, string> = {
  deployment: "DSC_DEPLOYMENT_FILE",
  rpc: "DSC_CHAIN_RPC_URL",
  replication: "DSC_STATUS_REPLICATION",
  tokenFile: "DSC_STATUS_TOKEN_FILE",
  listen: "DSC_STATUS_LISTEN",
  pollInterval: "DSC_STATUS_POLL_INTERVAL_MS",
  changes: "DSC_STATUS_CHANGES_DIR",
};

const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" });

const replicationEntry = z
  .string()
  .regex(/^[a-z][a-z0-9-]*=.+$/, "must be NAME=URL, e.g. alpha=https://127.0.0.1:8081")
  .transform((entry) => {
    const at = entry.indexOf("=");
    return { name: entry.slice(0, at), url: entry.slice(at + 1).replace(/\/+$/, "") };
  })
  .pipe(z.object({ name: z.string(), url: httpUrl }));

const listen = z
  .string()
  .regex(/^[^:]+:\d{1,5}$/, "must be HOST:PORT, e.g. 127.0.0.1:8088 (port 0 picks a free one)")
  .transform((value) => {
    const at = value.lastIndexOf(":");
    return { host: value.slice(0, at), port: Number(value.slice(at + 1)) };
  })
  .refine((l) => l.port <= 65535, "the port must be at most 65535");

const schema = z.object({
  deployment: z.string({ error: "is required: the deployment file governance/consortium/deploy.ts wrote (e.g. .state/consortium.json)" }).min(1),
  rpc: httpUrl.default("http://127.0.0.1:8545"),
  replication: z
    .array(replicationEntry)
    .min(1, "give at least one replication node, e.g. --replication alpha=https://127.0.0.1:8081")
    .refine((list) => new Set(list.map((r) => r.name)).size === list.length, "each region may be named once"),
  tokenFile: z.string({ error: "is required: a file holding a replication token with scope `status` (npm run replication:token)" }).min(1),
  listen: listen.default({ host: "127.0.0.1", port: 8088 }),
  pollInterval: z.coerce.number({ error: "must be a number of milliseconds" }).int().min(100, "must be at least 100 ms").max(60000, "must be at most 60000 ms").default(1000),
  changes: z.string().min(1).optional(),
});

/** Flags over environment; `DSC_STATUS_REPLICATION` is comma-separated. */
export function mergeEnv(flags: RawSettings, env: NodeJS.ProcessEnv): RawSettings {
  const out: RawSettings = {};
  for (const key of Object.keys(ENV) as Array<keyof RawSettings>) {
    const fromEnv = env[ENV[key]];
    if (flags[key] !== undefined && !(Array.isArray(flags[key]) && flags[key].length === 0)) (out as Record<string, unknown>)[key] = flags[key];
    else if (fromEnv !== undefined && fromEnv !== "") (out as Record<string, unknown>)[key] = key === "replication" ? fromEnv.split(",").map((s) => s.trim()).filter(Boolean) : fromEnv;
  }
  return out;
}

const flagOf = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

export function resolveConfig(raw: RawSettings): { ok: true; config: StatusConfig } | { ok: false; errors: string[] } {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((issue) => {
        const key = String(issue.path[0] ?? "");
        const env = ENV[key as keyof RawSettings];
        return `${flagOf(key)}${env ? ` (${env})` : ""}${issue.path.length > 1 ? ` entry ${Number(issue.path[1]) + 1}` : ""}: ${issue.message}`;
      }),
    };
  }
  const v = parsed.data;
  return { ok: true, config: { deploymentFile: v.deployment, rpcUrl: v.rpc, replication: v.replication, tokenFile: v.tokenFile, host: v.listen.host, port: v.listen.port, pollIntervalMs: v.pollInterval, ...(v.changes === undefined ? {} : { changesDir: v.changes }) } };
}

export function command(): Command {
  return new Command("status-page")
    .description("Serve the federation's status page: regions, replication, the Guardian, agents, rules and the chain's timeline (public facts only)")
    .option("--deployment <file>", `deployment file written by governance/consortium/deploy.ts (${ENV.deployment})`)
    .option("--rpc <url>", `JSON-RPC endpoint of the chain (${ENV.rpc}; default http://127.0.0.1:8545)`)
    .option("--replication <name=url>", `a replication node's API, repeatable, e.g. alpha=https://10.0.0.1:8080 (${ENV.replication}, comma-separated)`, (value: string, previous: string[] = []) => [...previous, value])
    .option("--token-file <file>", `file with a replication token of scope \`status\` (${ENV.tokenFile})`)
    .option("--listen <host:port>", `where to serve the page (${ENV.listen}; default 127.0.0.1:8088)`)
    .option("--poll-interval <ms>", `how often to poll the nodes and the chain (${ENV.pollInterval}; default 1000)`)
    .option("--changes <dir>", `the change bundles folder, e.g. .state/changes: bundles not yet recorded are shown with their signers (${ENV.changes}; default none)`);
}
