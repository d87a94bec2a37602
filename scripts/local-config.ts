/**
 * Writes the `local` stack's run-time settings into a config file outside git (scripts/local-up.sh passes it
 * to the CLI with --config-file), so the committed Pulumi.local.yaml is never rewritten:
 *   - dsc:watcherAgentKeys.<region>: the local federation's agent keys (governance/consortium/dev-keys.ts);
 *   - dsc:replicationPeerSecret: random, made once and kept in .state/local/replication-peer-secret (0600);
 *   - dsc:chain: the loopback chain and the Guardian / Consortium Safe of the deployment file
 *     (`npm run contracts:deploy -- --out .state/consortium.json`), or the zero address when none is deployed.
 *
 *   npx ts-node --transpile-only scripts/local-config.ts --stack local --config-file .state/local/Pulumi.local.yaml
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { DEV_KEYS } from "../governance/consortium/dev-keys";

export const REGIONS = ["alpha", "beta", "gamma"] as const;
export const NOT_DEPLOYED = "0x0000000000000000000000000000000000000000";

export interface LocalRuntimeInputs {
  agentKeys: readonly string[];
  peerSecret: string;
  rpcUrl: string;
  /** The deployment file's JSON, when the consortium is deployed. */
  deployment?: unknown;
}

interface DeploymentAddresses {
  consortium: string;
  contracts: { Guardian: string };
}

function deploymentAddresses(deployment: unknown): DeploymentAddresses {
  const d = deployment as Partial<DeploymentAddresses> | null;
  if (typeof d?.consortium !== "string" || typeof d.contracts?.Guardian !== "string") {
    throw new Error("deployment file: expected 'consortium' and 'contracts.Guardian' addresses (contracts:deploy writes them)");
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
  ];
  const plain = [
    `dsc:chain.rpcUrl=${inputs.rpcUrl}`,
    `dsc:chain.guardianAddress=${addresses?.contracts.Guardian ?? NOT_DEPLOYED}`,
    `dsc:chain.consortiumSafeAddress=${addresses?.consortium ?? NOT_DEPLOYED}`,
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

function main(argv: string[]): void {
  const root = path.resolve(__dirname, "..");
  const opts = new Command()
    .description("Write the local stack's run-time settings into a config file outside git")
    .requiredOption("--config-file <file>", "stack config file to write (a copy of Pulumi.local.yaml)")
    .option("--stack <name>", "stack name", "local")
    .option("--rpc <url>", "JSON-RPC URL of the local chain", "http://127.0.0.1:8545")
    .option("--deployment <file>", "consortium deployment file", path.join(root, ".state", "consortium.json"))
    .parse(argv)
    .opts<{ configFile: string; stack: string; rpc: string; deployment: string }>();

  const deployed = fs.existsSync(opts.deployment);
  if (!deployed) {
    console.error(`[local-config] no consortium deployment at ${opts.deployment}: watchers get the zero address ` +
      "(run `npm run contracts:deploy` against a local chain, then this again)");
  }
  const args = configSetAllArgs({
    agentKeys: DEV_KEYS.agents,
    peerSecret: peerSecret(path.join(root, ".state", "local", "replication-peer-secret")),
    rpcUrl: opts.rpc,
    deployment: deployed ? JSON.parse(fs.readFileSync(opts.deployment, "utf8")) : undefined,
  });
  const result = spawnSync("pulumi", ["config", "set-all", "-s", opts.stack, "--config-file", opts.configFile, ...args], {
    stdio: "inherit",
  });
  if (result.status !== 0) {
    throw new Error(`pulumi config set-all failed (${result.error?.message ?? `exit ${result.status}`})`);
  }
}

if (require.main === module) {
  try {
    main(process.argv);
  } catch (err) {
    console.error(`[local-config] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
