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
import { startFederation, type RunningFederation } from "../federation/federation";
import { readySummary } from "../federation/readySummary";
import { removeRunRecord, runningFederation, stateDir, writeRunRecord } from "../federation/stateDir";
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

/** What Ctrl-C (SIGINT) or SIGTERM must stop once the federation's processes run. */
const shutdown: { federation?: RunningFederation; stopping?: Promise<void>; state?: string } = {};

async function stopFederation(): Promise<void> {
  const f = shutdown.federation;
  if (f === undefined) return;
  log("stopping the federation's processes");
  await f.supervisor.stop();
  if (shutdown.state !== undefined) removeRunRecord(shutdown.state);
}

async function run(): Promise<void> {
  const onSignal = (signal: NodeJS.Signals) => {
    if (shutdown.federation !== undefined) {
      shutdown.stopping ??= stopFederation().then(() => process.exit(signal === "SIGINT" ? 130 : 143));
      return;
    }
    if (!engine.running || engine.interrupted) process.exit(130);
    engine.interrupted = true;
    log("interrupted: waiting for the engine to cancel (Ctrl-C again stops at once and may leave its plugins running)");
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const started = Date.now();
  const state = stateDir(PROJECT_ROOT);
  const already = runningFederation(state);
  if (already !== undefined) {
    log(`the federation is already running from ${state} (supervisor pid ${already.pid}, since ${already.startedAt}): not starting it twice`);
    process.stdout.write(already.summary + "\n");
    return;
  }
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
    const deploymentFile = path.join(state, "consortium.json");
    mkdirSync(path.dirname(deploymentFile), { recursive: true });
    writeDeployment(deploymentFile, deployment);
    log(`Consortium Safe ${deployment.consortium}, TierRules ${deployment.contracts.TierRules} (${deploymentFile})`);
    const chain = new Chain(httpEip1193(rpcUrl), deployment);

    const configFile = path.join(state, "local", "Pulumi.local.yaml");
    const ws = await openGateWorkspace("local", { configFile });
    mkdirSync(path.dirname(configFile), { recursive: true });
    copyFileSync(path.join(PROJECT_ROOT, "Pulumi.local.yaml"), configFile);
    execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/local-config.ts", "--stack", "local", "--config-file", configFile, "--rpc", rpcUrl, "--deployment", deploymentFile, "--state-dir", state], { cwd: PROJECT_ROOT, env: ws.env, stdio: ["ignore", "inherit", "inherit"] });

    const bundleDir = path.join(state, "changes", `local-${new Date().toISOString().replace(/[:.]/g, "-")}`);
    log("dsc change local");
    const change = await withEngine(() => makeChange({ ws, chain, bundleDir, agentKey: DEV_KEYS.agents[0], progress: (l) => log(l) }));
    if (change.nothingToChange) {
      log(`nothing to change: all ${change.unchanged} resources of the local stack are as the program says`);
    } else {
      await signAndApply(change, bundleDir, chain, ws, rpcUrl);
    }
    await runFederation({ state, rpcUrl, deploymentFile, configFile, started });
  } finally {
    await server.close();
  }
}

type Change = Awaited<ReturnType<typeof makeChange>> & { nothingToChange: false };

async function signAndApply(change: Change, bundleDir: string, chain: Chain, ws: Awaited<ReturnType<typeof openGateWorkspace>>, rpcUrl: string): Promise<void> {
  {
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
  }
}

/**
 * The federation's processes (nodes, watchers, status page) from what the stack installed, the ready summary, and
 * then this process stays: it serves the chain and supervises the processes until Ctrl-C. DSC_LOCAL_CLUSTERS=render
 * has no clusters to read from, so it ends after the apply.
 */
async function runFederation(o: { state: string; rpcUrl: string; deploymentFile: string; configFile: string; started: number }): Promise<void> {
  const kubeRoot = process.env.DSC_LOCAL_KUBECONFIG_DIR;
  if (kubeRoot === undefined || kubeRoot === "") {
    log("render mode: no clusters, so no federation processes to run");
    return;
  }
  if (engine.interrupted) throw new Error("interrupted");
  log("starting the federation: three replication nodes, three watchers, the status page (configured from the clusters)");
  const f = await startFederation({ projectRoot: PROJECT_ROOT, state: o.state, kubeRoot, rpcUrl: o.rpcUrl, deploymentFile: o.deploymentFile, log });
  shutdown.federation = f;
  shutdown.state = o.state;
  const seconds = (Date.now() - o.started) / 1000;
  const summary = readySummary({
    seconds,
    rpc: o.rpcUrl,
    deploymentFile: o.deploymentFile,
    configFile: o.configFile,
    statusPage: f.statusPage,
    replication: f.replication,
    watchers: f.watchers,
    tokenFile: f.tokenFile,
    devKeysDir: f.devKeysDir,
    stateDir: o.state,
    logDir: f.logDir,
  });
  const record = () =>
    writeRunRecord(o.state, {
      pid: process.pid,
      startedAt: new Date(o.started).toISOString(),
      summary,
      endpoints: { rpc: o.rpcUrl, statusPage: f.statusPage, replication: f.replication, watchers: f.watchers },
      tokenFile: f.tokenFile,
      children: f.supervisor.pids(),
    });
  record();
  process.stdout.write(summary + "\n");
  // Kept up to date as the supervisor restarts processes; the process stays until a signal stops it.
  const timer = setInterval(() => {
    if (shutdown.stopping === undefined) record();
  }, 1000);
  await new Promise<void>(() => undefined).finally(() => clearInterval(timer));
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
