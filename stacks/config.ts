import * as path from "path";
import { z } from "zod";
import { awsSettingsSchema } from "../components/cluster/aws";
import { azureSettingsSchema } from "../components/cluster/azure";
import { gcpSettingsSchema } from "../components/cluster/gcp";
import { DEFAULT_RENDER_ROOT } from "../components/cluster/local";
import { agentKeyProblem, chainSchema } from "../components/guardian/spec";
import { certificatePemSchema, jwksSchema, perReplicaSchema, privateKeyPemSchema, replicationConfigSchema } from "../components/replication/spec";
import { resourcesSchema } from "../components/workload/hardening";
import { imageRefSchema } from "../components/workload/image";
import { formatIssues, kubernetesVersionSchema, nodePoolSchema, ownershipSchema } from "../components/validation";

/** Config namespace of every key the program reads (`dsc:<key>`). */
export const NAMESPACE = "dsc";
export const REGIONS = ["alpha", "beta", "gamma"] as const;
export type Region = (typeof REGIONS)[number];
/** Each federation region runs on one cloud (DESIGN.md); a stack that says otherwise is a mistake. */
export const REGION_CLOUD = { alpha: "aws", beta: "azure", gamma: "gcp" } as const;

/** Keys holding plain strings; every other key holds YAML objects/lists (JSON in Pulumi's config map). */
const STRING_KEYS = new Set(["cloud", "region", "dsp", "kubernetesVersion", "replicationPeerSecret", "replicationCaCert", "localKubeconfigDir", "watcherReplicationToken"]);
/** Set at deploy time with `pulumi config set --secret`, never committed in plain text. */
export const SECRET_KEYS = ["watcherAgentKeys", "replicationPeerSecret", "replicationTlsKeys", "watcherReplicationToken"] as const;

/** How to make the watchers' replication token; named in every refusal of dsc:watcherReplicationToken. */
export const WATCHER_TOKEN_FIX =
  "mint one with the federation's token signing key: npm run replication:token -- --key-file <signing-key.jwk.json> --scope status --ttl 30d, " +
  "then pulumi config set --secret dsc:watcherReplicationToken <token>";

/**
 * Why a watcher replication token is unusable, or undefined. Only its shape and `scope` claim are read (the
 * signature is the replication nodes' to check): least privilege, it may carry `status` (and `metrics`), nothing
 * that reads or writes data. The message never contains the token.
 */
export function watcherTokenProblem(token: string): string | undefined {
  const parts = token.split(".");
  if (parts.length !== 3 || !parts.every((p) => /^[A-Za-z0-9_-]+$/.test(p))) return "is not a JWT (header.payload.signature, base64url)";
  let scope: unknown;
  try {
    scope = (JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as { scope?: unknown }).scope;
  } catch {
    return "has a payload that is not JSON";
  }
  const scopes = typeof scope === "string" ? scope.split(" ").filter((x) => x !== "") : [];
  if (!scopes.includes("status")) return "does not carry the status scope the watcher needs";
  const extra = scopes.filter((x) => x !== "status" && x !== "metrics");
  if (extra.length > 0) return `carries more than the watcher needs (${extra.join(" ")}); mint one with --scope status only`;
  return undefined;
}

const regionSchema = z.enum(REGIONS, { error: `must be one of ${REGIONS.join(", ")}` });
const secretsSchema = {
  watcherAgentKeys: z.partialRecord(regionSchema, z.string().refine((k) => agentKeyProblem(k) === undefined, { error: "must be a 0x-prefixed 32-byte hex private key (value not shown)" }), {
    error: "set each region's agent key: pulumi config set --secret --path 'dsc:watcherAgentKeys.<region>' 0x…",
  }).optional(),
  replicationPeerSecret: z.string({ error: "set the peers' shared secret: pulumi config set --secret dsc:replicationPeerSecret <value>" }).min(32, { error: "must be at least 32 characters (value not shown)" }),
  replicationTlsKeys: z.partialRecord(regionSchema, perReplicaSchema(privateKeyPemSchema)).optional(),
  /** The watchers' bearer token for their replication node's status endpoint; required for cloud stacks (missingDeployTimeKeys). */
  watcherReplicationToken: z
    .string()
    .superRefine((t, ctx) => {
      const problem = watcherTokenProblem(t);
      if (problem !== undefined) ctx.addIssue({ code: "custom", message: `${problem} (value not shown); ${WATCHER_TOKEN_FIX}` });
    })
    .optional(),
};
/** The replication layer's public material: the federation CA, each replica's peer certificate, the token JWKS. */
const replicationTrustKeys = {
  replicationCaCert: certificatePemSchema,
  replicationTlsCerts: z.partialRecord(regionSchema, perReplicaSchema(certificatePemSchema)),
  replicationAuthKeys: jwksSchema,
};
const workloadKeys = {
  images: z.object({ replication: imageRefSchema, watcher: imageRefSchema }).strict(),
  replication: replicationConfigSchema,
  chain: chainSchema,
  ...secretsSchema,
  ...replicationTrustKeys,
};
const peerSchema = z.object({ region: regionSchema, stack: z.string().regex(/^[\w.-]+(\/[\w.-]+){0,2}$/, { error: "must be a stack name, e.g. organization/dsc-federation/beta" }) }).strict();
const regionalKeys = {
  ...ownershipSchema.shape,
  kubernetesVersion: kubernetesVersionSchema,
  nodePools: z.array(nodePoolSchema).min(1, { error: "define at least one node pool" }),
  peers: z.array(peerSchema).default([]),
  ...workloadKeys,
};

const awsStack = z.object({ cloud: z.literal("aws"), aws: awsSettingsSchema, ...regionalKeys }).strict();
const azureStack = z.object({ cloud: z.literal("azure"), azure: azureSettingsSchema, ...regionalKeys }).strict();
const gcpStack = z.object({ cloud: z.literal("gcp"), gcp: gcpSettingsSchema, ...regionalKeys }).strict();
/**
 * One region of the local stack: its DSP and, optionally, its own replication container resources (what an
 * `operational` change of one region edits; `dsc:replication` applies to all three, which makes it a critical one).
 */
const localRegionSchema = z.object({ dsp: ownershipSchema.shape.dsp, replicationResources: resourcesSchema.optional() }).strict();

const localStack = z.object({
  cloud: z.literal("local"),
  local: z
    .object({
      renderRoot: z.string().min(1).default(DEFAULT_RENDER_ROOT),
      regions: z.object({ alpha: localRegionSchema, beta: localRegionSchema, gamma: localRegionSchema }).strict(),
    })
    .strict(),
  /** Set: each region applies to the local cluster whose kubeconfig is `<dir>/<region>/kubeconfig` (scripts/kube); unset: YAML is rendered. */
  localKubeconfigDir: z.string().refine((p) => path.isAbsolute(p), { error: "must be an absolute path, e.g. <project>/.state/kube (npm run kube -- up writes <dir>/<region>/kubeconfig)" }).optional(),
  ...workloadKeys,
}).strict();

export const stackConfigSchema = z
  .discriminatedUnion("cloud", [awsStack, azureStack, gcpStack, localStack], { error: "must be one of aws, azure, gcp, local" })
  .superRefine((c, ctx) => {
    replicaPairProblems(c).forEach((p) => ctx.addIssue({ code: "custom", ...p }));
    if (c.cloud === "local") return;
    if (REGION_CLOUD[c.region] !== c.cloud) {
      ctx.addIssue({ code: "custom", path: ["cloud"], message: `region ${c.region} runs on ${REGION_CLOUD[c.region]}, not ${c.cloud}; fix dsc:cloud or dsc:region` });
    }
    c.peers.forEach((p, i) => {
      if (p.region === c.region) ctx.addIssue({ code: "custom", path: ["peers", i, "region"], message: `${p.region} is this stack's own region; list only the other regions` });
      if (c.peers.findIndex((q) => q.region === p.region) !== i) ctx.addIssue({ code: "custom", path: ["peers", i, "region"], message: `${p.region} is listed twice` });
    });
  });
/** Per-replica keys whose count must match `replication.replicas` in every region the stack builds. */
const PER_REPLICA_KEYS = [
  { key: "replicationTlsCerts", what: "peer certificate", file: (r: string, i: number) => `${r}-${i}.crt`, secret: "" },
  { key: "replicationTlsKeys", what: "peer private key", file: (r: string, i: number) => `${r}-${i}.key`, secret: "--secret " },
] as const;

function replicaPairProblems(c: { cloud: string; region?: string; replication: { replicas: number } } & Record<string, unknown>) {
  const n = (c.replication as { replicas?: unknown } | undefined)?.replicas;
  // An unusable replicas value has its own refusal; counting against it would only add noise.
  if (typeof n !== "number" || n < 1) return [];
  const regions = c.cloud === "local" ? REGIONS : REGIONS.filter((r) => r === c.region);
  return PER_REPLICA_KEYS.flatMap(({ key, what, file, secret }) =>
    regions.flatMap((r) => {
      const given = ((c[key] ?? {}) as Record<string, unknown[] | undefined>)[r];
      if (given === undefined || given.length === n) return [];
      const next = given.length;
      const fix = next < n
        ? `add the missing ones: pulumi config set ${secret}--path 'dsc:${key}.${r}[${next}]' "$(cat ${file(r, next)})"`
        : `remove the extra ones, or raise dsc:replication.replicas`;
      return [{ path: [key, r], message: `holds ${given.length} but the region runs ${n} replicas: give one ${what} per replica in ordinal order (replica i's names node ${r}-i); ${fix}` }];
    }),
  );
}
export type StackConfig = z.output<typeof stackConfigSchema>;
export type RegionalStackConfig = Exclude<StackConfig, { cloud: "local" }>;
export type LocalStackConfig = Extract<StackConfig, { cloud: "local" }>;

export class StackConfigError extends Error {}

const KNOWN_KEYS = new Set([
  "cloud", "region", "dsp", "kubernetesVersion", "nodePools", "peers", "images", "replication", "chain", "aws", "azure", "gcp", "local", "localKubeconfigDir",
  ...Object.keys(replicationTrustKeys), ...SECRET_KEYS,
]);

/**
 * Keys a committed stack file does not hold because they only exist at deploy time (secrets, the consortium's
 * contract addresses), each with the command that sets it. Agent keys are needed for every region the stack builds.
 */
export function missingDeployTimeKeys(raw: Record<string, unknown>): { key: string; fix: string }[] {
  const missing: { key: string; fix: string }[] = [];
  if (raw.chain === undefined) {
    missing.push({ key: "chain", fix: "set the consortium's contracts: pulumi config set --path 'dsc:chain.rpcUrl' <url> (and .guardianAddress, .consortiumSafeAddress)" });
  }
  if (raw.replicationPeerSecret === undefined) {
    missing.push({ key: "replicationPeerSecret", fix: "set the peers' shared secret: pulumi config set --secret dsc:replicationPeerSecret <at least 32 characters>" });
  }
  if (raw.replicationCaCert === undefined) {
    missing.push({ key: "replicationCaCert", fix: "set the federation CA's certificate (PEM): pulumi config set dsc:replicationCaCert \"$(cat ca.crt)\"" });
  }
  if (raw.replicationAuthKeys === undefined) {
    missing.push({ key: "replicationAuthKeys", fix: "set the public JWKS data API tokens are verified with: pulumi config set dsc:replicationAuthKeys \"$(cat jwks.json)\"" });
  }
  // Secure by default: a cloud region's watcher always runs its replication detector. The local stack gets one from
  // scripts/local-config.ts; without it (a bare `pulumi preview -s local`) its watchers run without that detector.
  if (raw.cloud !== "local" && raw.watcherReplicationToken === undefined) {
    missing.push({ key: "watcherReplicationToken", fix: WATCHER_TOKEN_FIX });
  }
  const regions = raw.cloud === "local" ? REGIONS : REGIONS.filter((r) => r === raw.region);
  const perRegion = [
    { key: "watcherAgentKeys", fix: (r: string) => `set it: pulumi config set --secret --path 'dsc:watcherAgentKeys.${r}' 0x<32-byte hex key>` },
    { key: "replicationTlsCerts", fix: (r: string) => `set each ${r} replica's peer certificate (PEM, signed by the federation CA, CN=${r}-<i>): pulumi config set --path 'dsc:replicationTlsCerts.${r}[<i>]' "$(cat ${r}-<i>.crt)"` },
    { key: "replicationTlsKeys", fix: (r: string) => `set each ${r} replica's peer private key (PKCS#8 PEM): pulumi config set --secret --path 'dsc:replicationTlsKeys.${r}[<i>]' "$(cat ${r}-<i>.key)"` },
  ];
  for (const { key, fix } of perRegion) {
    const values = (raw[key] ?? {}) as Record<string, unknown>;
    for (const r of regions.filter((region) => values[region] === undefined)) missing.push({ key: `${key}.${r}`, fix: fix(r) });
  }
  return missing;
}

/**
 * Validate the whole `dsc:` config map (full keys, values as Pulumi gives them: strings, objects as JSON) and
 * report every problem at once, each naming the key and the fix. Secret values are checked but never echoed.
 */
export function parseStackConfig(all: Record<string, string>): StackConfig {
  const raw: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [fullKey, value] of Object.entries(all)) {
    const [ns, key] = fullKey.split(":", 2);
    if (ns !== NAMESPACE) continue;
    if (!KNOWN_KEYS.has(key)) {
      problems.push(`  - ${fullKey}: unknown key; known keys are ${[...KNOWN_KEYS].map((k) => `${NAMESPACE}:${k}`).join(", ")}`);
    } else if (STRING_KEYS.has(key)) {
      raw[key] = value;
    } else {
      try {
        raw[key] = JSON.parse(value);
      } catch {
        problems.push(`  - ${fullKey}: is not a YAML object or list; write it as nested YAML in Pulumi.<stack>.yaml`);
      }
    }
  }
  const missing = missingDeployTimeKeys(raw);
  problems.push(...missing.map((m) => `  - ${NAMESPACE}:${m.key}: missing; ${m.fix}`));
  const result = stackConfigSchema.safeParse(raw);
  if (!result.success) {
    const reported = new Set(missing.map((m) => m.key.split(".")[0]));
    const issues = result.error.issues.filter((i) => !reported.has(String(i.path[0])));
    if (issues.length > 0) problems.push(formatIssues(issues, `${NAMESPACE}:`));
  }
  if (problems.length > 0) throw new StackConfigError(`invalid stack configuration:\n${problems.join("\n")}`);
  return (result as { data: StackConfig }).data;
}
