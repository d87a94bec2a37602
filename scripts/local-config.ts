/**
 * Writes the `local` stack's run-time settings into a config file outside git (scripts/local-up.sh passes it
 * to the CLI with --config-file), so the committed Pulumi.local.yaml is never rewritten:
 *   - dsc:watcherAgentKeys.<region>: the local federation's agent keys (governance/consortium/dev-keys.ts);
 *   - dsc:replicationPeerSecret: random, made once and kept in .state/local/replication-peer-secret (0600);
 *   - dsc:chain: the loopback chain and the Guardian / Consortium Safe of the deployment file
 *     (`npm run contracts:deploy -- --out .state/consortium.json`), or the zero address when none is deployed;
 *   - the replication layer's trust material, made once and kept in .state/local/trust/ (private keys 0600): a
 *     local federation CA (scripts/pki.ts), each region's peer certificate (dsc:replicationCaCert,
 *     dsc:replicationTlsCerts.<region>, plain) and key (dsc:replicationTlsKeys.<region>, secret), and an ES256 key
 *     whose public JWKS verifies data API tokens (dsc:replicationAuthKeys; the private JWK stays in .state to sign
 *     local tokens);
 *   - dsc:watcherReplicationToken (secret): the watchers' `status`-scope token for their replication node, signed
 *     with that key and kept in .state/local/trust/watcher-replication-token.jwt, minted again only when it nears
 *     expiry or the signing key changed (a new token every run would make every `npm start` a change);
 *   - dsc:localKubeconfigDir: with --kubeconfig-dir (default $DSC_LOCAL_KUBECONFIG_DIR), the folder of the local
 *     clusters (scripts/kube: `<dir>/<region>/kubeconfig`), so each region applies to its own API server; without
 *     it the regions render YAML. It is set here, before `dsc change`, so the change's config digest covers it.
 *
 *   npx ts-node --transpile-only scripts/local-config.ts --stack local --config-file .state/local/Pulumi.local.yaml
 */
import { spawnSync } from "node:child_process";
import { randomBytes, X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair } from "jose";
import { peerCertificateNames } from "../components/replication/spec";
import { DEV_KEYS } from "../governance/consortium/dev-keys";
import { MAX_TTL_SECONDS, mintToken, parsePrivateJwk } from "../services/replication/src/tokens";
import { createCa, issueCertificate } from "./pki";

export const REGIONS = ["alpha", "beta", "gamma"] as const;
export const NOT_DEPLOYED = "0x0000000000000000000000000000000000000000";

export interface LocalRuntimeInputs {
  agentKeys: readonly string[];
  peerSecret: string;
  rpcUrl: string;
  /** The deployment file's JSON, when the consortium is deployed. */
  deployment?: unknown;
  trust: LocalTrust;
  /** The watchers' `status`-scope bearer token for their replication node (ensureWatcherToken); unset: detector off. */
  watcherToken?: string;
  /** Absolute folder of the local clusters' kubeconfigs (scripts/kube); unset renders YAML. */
  kubeconfigDir?: string;
}

/** What the replication layer of the local stack trusts: its CA, each region's peer pair, the token JWKS. */
export interface LocalTrust {
  caCert: string;
  regions: Record<(typeof REGIONS)[number], { cert: string; key: string }>;
  /** Public JWKS (`{ "keys": [...] }`) as JSON. */
  jwks: string;
}

interface DeploymentAddresses {
  consortium: string;
  contracts: { Guardian: string; TierRules: string };
}

function deploymentAddresses(deployment: unknown): DeploymentAddresses {
  const d = deployment as Partial<DeploymentAddresses> | null;
  if (typeof d?.consortium !== "string" || typeof d.contracts?.Guardian !== "string" || typeof d.contracts.TierRules !== "string") {
    throw new Error("deployment file: expected 'consortium', 'contracts.Guardian' and 'contracts.TierRules' addresses (contracts:deploy writes them)");
  }
  return d as DeploymentAddresses;
}

/** The arguments of `pulumi config set-all` that give the local stack its run-time settings. */
export function configSetAllArgs(inputs: LocalRuntimeInputs): string[] {
  if (inputs.agentKeys.length < REGIONS.length) {
    throw new Error(`need one agent key per region (${REGIONS.join(", ")}), got ${inputs.agentKeys.length}`);
  }
  const addresses = inputs.deployment === undefined ? undefined : deploymentAddresses(inputs.deployment);
  const secrets = [
    ...REGIONS.map((region, i) => `dsc:watcherAgentKeys.${region}=${inputs.agentKeys[i]}`),
    `dsc:replicationPeerSecret=${inputs.peerSecret}`,
    ...REGIONS.map((region) => `dsc:replicationTlsKeys.${region}=${inputs.trust.regions[region].key}`),
    ...(inputs.watcherToken === undefined ? [] : [`dsc:watcherReplicationToken=${inputs.watcherToken}`]),
  ];
  const plain = [
    `dsc:replicationCaCert=${inputs.trust.caCert}`,
    ...REGIONS.map((region) => `dsc:replicationTlsCerts.${region}=${inputs.trust.regions[region].cert}`),
    `dsc:replicationAuthKeys=${inputs.trust.jwks}`,
    `dsc:chain.rpcUrl=${inputs.rpcUrl}`,
    `dsc:chain.guardianAddress=${addresses?.contracts.Guardian ?? NOT_DEPLOYED}`,
    `dsc:chain.consortiumSafeAddress=${addresses?.consortium ?? NOT_DEPLOYED}`,
    // The watchers refuse to start without it; before a deployment there is none to give.
    ...(addresses === undefined ? [] : [`dsc:chain.tierRulesAddress=${addresses.contracts.TierRules}`]),
    ...(inputs.kubeconfigDir === undefined ? [] : [`dsc:localKubeconfigDir=${inputs.kubeconfigDir}`]),
  ];
  return ["--path", ...secrets.flatMap((s) => ["--secret", s]), ...plain.flatMap((p) => ["--plaintext", p])];
}

/** The replication peers' shared secret, made once per checkout so later runs see no change. */
function peerSecret(file: string): string {
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, randomBytes(32).toString("hex"), { mode: 0o600 });
  }
  return fs.readFileSync(file, "utf8").trim();
}

const TRUST_FILES = {
  caCert: "ca.crt",
  caKey: "ca.key",
  jwks: "jwks.json",
  signingKey: "token-signing-key.jwk.json",
  watcherToken: "watcher-replication-token.jwt",
  cert: (region: string) => `${region}.crt`,
  key: (region: string) => `${region}.key`,
};

/**
 * The local stack's trust material in `dir`, made on the first run and read back afterwards (so a second
 * `npm start` changes nothing). Certificates cover the names peers dial in a cluster plus loopback, for both ends
 * of a mutual-TLS link.
 */
/**
 * The local stack runs one replication replica per region (Pulumi.local.yaml), so the region's certificate is that
 * node's own: its CN is the node name the peer handshake binds the session to.
 */
export function localNodeName(region: string): string {
  return `${region}-0`;
}

export async function ensureLocalTrust(dir: string): Promise<LocalTrust> {
  const file = (name: string) => path.join(dir, name);
  const expected = [TRUST_FILES.caCert, TRUST_FILES.jwks, ...REGIONS.flatMap((r) => [TRUST_FILES.cert(r), TRUST_FILES.key(r)])];
  // A set kept from before peer identity (CN <region>-replication) is made again: nodes bind peers to the CN's node name.
  const namedForItsNode = (region: string) => new X509Certificate(fs.readFileSync(file(TRUST_FILES.cert(region)))).subject.split("\n").includes(`CN=${localNodeName(region)}`);
  if (!expected.every((name) => fs.existsSync(file(name))) || !REGIONS.every(namedForItsNode)) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const write = (name: string, text: string, secret: boolean) => {
      fs.writeFileSync(file(name), text, { mode: secret ? 0o600 : 0o644 });
      fs.chmodSync(file(name), secret ? 0o600 : 0o644); // also when a partial earlier run left the file behind
    };
    const ca = await createCa("DSC federation local CA");
    write(TRUST_FILES.caKey, ca.keyPem, true);
    for (const region of REGIONS) {
      const pair = await issueCertificate(ca, {
        commonName: localNodeName(region),
        dnsNames: [...peerCertificateNames(region), "localhost"],
        ipAddresses: ["127.0.0.1"],
        usages: ["server", "client"],
      });
      write(TRUST_FILES.key(region), pair.keyPem, true);
      write(TRUST_FILES.cert(region), pair.certPem, false);
    }
    const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
    const kid = `local-${new Date().toISOString().slice(0, 10)}`;
    write(TRUST_FILES.signingKey, JSON.stringify({ ...(await exportJWK(privateKey)), kid, alg: "ES256" }), true);
    write(TRUST_FILES.jwks, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" }] }), false);
    // Written last: its presence (with the rest) marks a complete set.
    write(TRUST_FILES.caCert, ca.certPem, false);
  }
  const read = (name: string) => fs.readFileSync(file(name), "utf8");
  const regions = Object.fromEntries(REGIONS.map((r) => [r, { cert: read(TRUST_FILES.cert(r)), key: read(TRUST_FILES.key(r)) }])) as LocalTrust["regions"];
  return { caCert: read(TRUST_FILES.caCert), regions, jwks: read(TRUST_FILES.jwks) };
}

/** A kept token is minted again once less than this much of its life is left (tokens live at most 30 days). */
export const WATCHER_TOKEN_RENEW_SECONDS = 7 * 24 * 3600;

/**
 * Why the kept watcher token must be minted again, or undefined to keep it: missing or unreadable, signed by
 * another key than the current one (the nodes would refuse it), not exactly the `status` scope, or near expiry.
 */
export function watcherTokenRenewal(token: string | undefined, kid: string, nowSeconds: number): string | undefined {
  if (token === undefined) return "none kept yet";
  let header, claims;
  try {
    header = decodeProtectedHeader(token);
    claims = decodeJwt(token);
  } catch {
    return "the kept token is not a JWT";
  }
  if (header.kid !== kid) return `signed by key ${String(header.kid)}, not the current ${kid}`;
  if (claims.scope !== "status") return `scope "${String(claims.scope)}", not "status"`;
  if (typeof claims.exp !== "number" || claims.exp - nowSeconds < WATCHER_TOKEN_RENEW_SECONDS) return "expires within 7 days";
  return undefined;
}

/** The watchers' status token, kept in `dir` beside the signing key (ensureLocalTrust) and re-minted when due. */
export async function ensureWatcherToken(dir: string, nowSeconds = Math.floor(Date.now() / 1000)): Promise<string> {
  const keyFile = path.join(dir, TRUST_FILES.signingKey);
  const tokenFile = path.join(dir, TRUST_FILES.watcherToken);
  const key = parsePrivateJwk(fs.readFileSync(keyFile, "utf8"), keyFile);
  const kept = fs.existsSync(tokenFile) ? fs.readFileSync(tokenFile, "utf8").trim() : undefined;
  if (watcherTokenRenewal(kept, String(key.kid), nowSeconds) === undefined) return kept as string;
  const token = await mintToken(key, { scopes: ["status"], expiresAt: nowSeconds + MAX_TTL_SECONDS, subject: "local-watchers" });
  fs.writeFileSync(tokenFile, token, { mode: 0o600 });
  fs.chmodSync(tokenFile, 0o600);
  return token;
}

async function main(argv: string[]): Promise<void> {
  const root = path.resolve(__dirname, "..");
  const opts = new Command()
    .description("Write the local stack's run-time settings into a config file outside git")
    .requiredOption("--config-file <file>", "stack config file to write (a copy of Pulumi.local.yaml)")
    .option("--stack <name>", "stack name", "local")
    .option("--rpc <url>", "JSON-RPC URL of the local chain", "http://127.0.0.1:8545")
    .option("--deployment <file>", "consortium deployment file", path.join(root, ".state", "consortium.json"))
    .option("--state-dir <dir>", "the local state folder (trust material, peer secret)", process.env.DSC_STATE_DIR || path.join(root, ".state"))
    .option("--kubeconfig-dir <dir>", "folder of the local clusters (npm run kube); unset: render YAML", process.env.DSC_LOCAL_KUBECONFIG_DIR || undefined)
    .parse(argv)
    .opts<{ configFile: string; stack: string; rpc: string; deployment: string; stateDir: string; kubeconfigDir?: string }>();

  const deployed = fs.existsSync(opts.deployment);
  if (!deployed) {
    console.error(`[local-config] no consortium deployment at ${opts.deployment}: watchers get the zero address ` +
      "(run `npm run contracts:deploy` against a local chain, then this again)");
  }
  const trustDir = path.join(path.resolve(opts.stateDir), "local", "trust");
  const trust = await ensureLocalTrust(trustDir);
  const args = configSetAllArgs({
    agentKeys: DEV_KEYS.agents,
    peerSecret: peerSecret(path.join(path.resolve(opts.stateDir), "local", "replication-peer-secret")),
    rpcUrl: opts.rpc,
    deployment: deployed ? JSON.parse(fs.readFileSync(opts.deployment, "utf8")) : undefined,
    trust,
    watcherToken: await ensureWatcherToken(trustDir),
    kubeconfigDir: opts.kubeconfigDir === undefined ? undefined : path.resolve(opts.kubeconfigDir),
  });
  const result = spawnSync("pulumi", ["config", "set-all", "-s", opts.stack, "--config-file", opts.configFile, ...args], {
    stdio: "inherit",
  });
  if (result.status !== 0) {
    throw new Error(`pulumi config set-all failed (${result.error?.message ?? `exit ${result.status}`})`);
  }
}

if (require.main === module) {
  main(process.argv).catch((err: unknown) => {
    console.error(`[local-config] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
