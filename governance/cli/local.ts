/**
 * `npm start` through the gate (scripts/local-up.sh runs this): a loopback chain (Hardhat in process, served on
 * 127.0.0.1), the consortium deployed with the local dev keys (governance/consortium/dev-keys.ts) and this tier
 * table's digest, the `local` stack's run-time config (scripts/local-config.ts), then `dsc change local`, the
 * dev keys' signatures for the tier it needs, and `dsc up`. The dev chain starts afresh each run; the same dev
 * keys deploy the same addresses, so a second run has nothing to change and says so.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import hre from "hardhat";
import { JsonRpcServer } from "hardhat/internal/hardhat-network/jsonrpc/server";
import { BrowserProvider, Wallet, type Eip1193Provider } from "ethers";
import { addressOf } from "../consortium/approvals";
import { deployConsortium } from "../consortium/deploy";
import { DEV_KEYS, devConsortiumConfig } from "../consortium/dev-keys";
import type { RegionName } from "../consortium/manifest";
import { applyBundle } from "../gate/apply";
import { readManifestFile, readSignatures, writeJson } from "../gate/bundle";
import { Chain, httpEip1193 } from "../gate/chain";
import { makeChange } from "../gate/change";
import { readOwners, signWithKey } from "../gate/signing";
import { loadTierTable } from "../gate/tierTable";
import { openGateWorkspace, PROJECT_ROOT } from "../gate/workspace";
import { writeDeployment } from "./deploy";
import { exitCodeOf } from "./exit";

const log = (line: string) => process.stderr.write(`[local-up] ${line}\n`);

/** The dev keys that satisfy a tier's rule for the regions a change touches (the smallest such set). */
export function devSigners(tier: string, regions: readonly RegionName[]): string[] {
  const dspKeys: Record<RegionName, string[]> = { alpha: DEV_KEYS.dsp1, beta: DEV_KEYS.dsp2, gamma: [DEV_KEYS.dsp3[0]] };
  if (tier === "operational") return regions.flatMap((r) => dspKeys[r]);
  if (tier === "fleet") return [...dspKeys.beta, ...dspKeys.gamma];
  return [...dspKeys.alpha, ...dspKeys.beta, ...dspKeys.gamma, DEV_KEYS.board[0]];
}

/**
 * Ctrl-C reaches the Pulumi CLI too (same process group): it cancels by itself and stops its plugins. Exiting under
 * it would break its output pipe and orphan its language host, so while the engine runs we wait for it to end.
 */
const engine = { running: false, interrupted: false };
async function withEngine<T>(step: () => Promise<T>): Promise<T> {
  if (engine.interrupted) throw new Error("interrupted before the next engine step");
  engine.running = true;
  try {
    return await step();
  } finally {
    engine.running = false;
  }
}

async function run(): Promise<void> {
  process.on("SIGINT", () => {
    if (!engine.running || engine.interrupted) process.exit(130);
    engine.interrupted = true;
    log("interrupted: waiting for the engine to cancel (Ctrl-C again stops at once and may leave its plugins running)");
  });
  const port = Number(process.env.DSC_CHAIN_PORT ?? 8545);
  const server = new JsonRpcServer({ hostname: "127.0.0.1", port, provider: hre.network.provider });
  await server.listen();
  const rpcUrl = `http://127.0.0.1:${port}`;
  try {
    log(`loopback chain (Hardhat, in process) at ${rpcUrl}`);
    const eip1193 = hre.network.provider as unknown as Eip1193Provider;
    for (const key of [DEV_KEYS.deployer, ...DEV_KEYS.agents]) await eip1193.request({ method: "hardhat_setBalance", params: [addressOf(key), "0x56BC75E2D63100000"] });
    const deployer = new Wallet(DEV_KEYS.deployer, new BrowserProvider(eip1193, undefined, { polling: false, cacheTimeout: -1 }));
    const deployment = await deployConsortium(deployer, { ...devConsortiumConfig(), tierTableDigest: loadTierTable().digest }, (s) => log(`deploying: ${s}`));
    const deploymentFile = path.join(PROJECT_ROOT, ".state", "consortium.json");
    mkdirSync(path.dirname(deploymentFile), { recursive: true });
    writeDeployment(deploymentFile, deployment);
    log(`Consortium Safe ${deployment.consortium}, TierRules ${deployment.contracts.TierRules} (${deploymentFile})`);
    const chain = new Chain(httpEip1193(rpcUrl), deployment);

    const configFile = path.join(PROJECT_ROOT, ".state", "local", "Pulumi.local.yaml");
    const ws = await openGateWorkspace("local", { configFile });
    mkdirSync(path.dirname(configFile), { recursive: true });
    copyFileSync(path.join(PROJECT_ROOT, "Pulumi.local.yaml"), configFile);
    execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/local-config.ts", "--stack", "local", "--config-file", configFile, "--rpc", rpcUrl, "--deployment", deploymentFile], { cwd: PROJECT_ROOT, env: ws.env, stdio: ["ignore", "inherit", "inherit"] });

    const bundleDir = path.join(PROJECT_ROOT, ".state", "changes", `local-${new Date().toISOString().replace(/[:.]/g, "-")}`);
    log("dsc change local");
    const change = await withEngine(() => makeChange({ ws, chain, bundleDir, agentKey: DEV_KEYS.agents[0], progress: (l) => log(l) }));
    if (change.nothingToChange) {
      log(`nothing to change: all ${change.unchanged} resources of the local stack are as the program says`);
      return;
    }
    change.notes.forEach(log);
    const { tier, regions } = change.manifest.manifest;
    log(`bundle ${bundleDir}: tier ${tier}, regions ${regions.join(", ")} (summary.md)`);
    const owners = await readOwners(chain);
    let signatures = readSignatures(bundleDir);
    for (const key of devSigners(tier, regions)) {
      const r = await signWithKey(signatures, readManifestFile(bundleDir), key, owners);
      signatures = r.file;
      r.notes.forEach((n) => log(`dsc sign: ${n}`));
    }
    writeJson(bundleDir, "signatures", signatures);
    log("dsc up");
    const outcome = await withEngine(() => applyBundle({ ws, chain, rpcUrl, bundleDir, payerKey: DEV_KEYS.deployer, progress: (l) => log(l) }));
    if (outcome.result !== "succeeded") throw new Error(`the update failed after its approval was recorded: ${outcome.error ?? ""}`);
    log(`applied: ${JSON.stringify(outcome.resourceChanges)}; approval recorded in ${outcome.recordTransaction}`);
  } finally {
    await server.close();
  }
}

if (require.main === module) {
  run().then(
    () => process.exit(0),
    (err: Error) => {
      process.stderr.write(`[local-up] ${err.message}\n`);
      process.exit(exitCodeOf(err));
    },
  );
}
