/**
 * `npm run bench:gate`: for each tier's smallest valid signature set (nested DSP Safes included), the time of one
 * verification at the moment of use and the RPC calls it makes, on Hardhat in process; then `dsc change` against a
 * plain `pulumi preview` of the same `local` stack on the real engine, as a ratio (skipped without .toolchain).
 * Figures from one run on a shared machine compare only with each other: the load average is printed with them.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import hre from "hardhat";
import { JsonRpcServer } from "hardhat/internal/hardhat-network/jsonrpc/server";
import { BrowserProvider, Wallet, id, type Eip1193Provider } from "ethers";
import { addressOf } from "../governance/consortium/approvals";
import { deployConsortium } from "../governance/consortium/deploy";
import { DEV_KEYS, devConsortiumConfig } from "../governance/consortium/dev-keys";
import { bundlePath, manifestHashes, readManifestFile, readSignatures, writeJson } from "../governance/gate/bundle";
import { Chain, countingEip1193, httpEip1193 } from "../governance/gate/chain";
import { makeChange, writeBundle } from "../governance/gate/change";
import { classifyPlan } from "../governance/gate/classify";
import { bytesDigest } from "../governance/gate/digests";
import { readPlan } from "../governance/gate/plan";
import { readOwners, signWithKey } from "../governance/gate/signing";
import { loadTierTable } from "../governance/gate/tierTable";
import { verifyBundle } from "../governance/gate/verify";
import { copyProject, localStackOf } from "../governance/gate/testing/localProject";
import { writeDeployment } from "../governance/cli/deploy";

const ROUNDS = 10;
const table = loadTierTable();
const COMMIT = "0".repeat(40);

function plan(region: string, paths: Record<string, unknown>, type = "kubernetes:apps/v1:StatefulSet", op = "update"): [string, unknown] {
  const name = `${region}-replication`;
  const provider = `urn:pulumi:local::dsc-federation::pulumi:providers:kubernetes::${region}-k8s::0000`;
  return [`urn:pulumi:local::dsc-federation::${type}::${name}`, { goal: { type, name, custom: true, provider, inputDiff: { updates: paths } }, steps: [op] }];
}
const planFile = (entries: [string, unknown][]) => Buffer.from(JSON.stringify({ manifest: { time: "t", version: "v3.274.1" }, resourcePlans: Object.fromEntries(entries) }));
const image = { spec: { template: { spec: { containers: [{ image: "x:2" }] } } } };

const TIERS = [
  { tier: "operational", plan: planFile([plan("alpha", { spec: { replicas: 3 } })]), keys: DEV_KEYS.dsp1, set: "DSP-1 (2-of-2 Safe)" },
  { tier: "fleet", plan: planFile(["alpha", "beta", "gamma"].map((r) => plan(r, image))), keys: [...DEV_KEYS.dsp2, DEV_KEYS.dsp3[0]], set: "DSP-2 + DSP-3 (1-of-1, 1-of-2 Safes)" },
  { tier: "critical", plan: planFile([plan("alpha", { data: {} }, "kubernetes:core/v1:ConfigMap", "create")]), keys: [...DEV_KEYS.dsp1, ...DEV_KEYS.dsp2, DEV_KEYS.dsp3[0], DEV_KEYS.board[0]], set: "3 DSP Safes + 1 Board EOA" },
];

async function main(): Promise<void> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-bench-gate-"));
  const eip1193 = hre.network.provider as unknown as Eip1193Provider;
  for (const key of [DEV_KEYS.deployer, ...DEV_KEYS.agents]) await eip1193.request({ method: "hardhat_setBalance", params: [addressOf(key), "0x56BC75E2D63100000"] });
  const deployment = await deployConsortium(new Wallet(DEV_KEYS.deployer, new BrowserProvider(eip1193, undefined, { polling: false, cacheTimeout: -1 })), { ...devConsortiumConfig(), tierTableDigest: table.digest });
  const chain = new Chain(eip1193, deployment);
  console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}; ${ROUNDS} verifications per tier`);
  console.log("tier         | smallest valid set                   | verify ms (mean) | RPC calls");
  for (const t of TIERS) {
    const b = path.join(scratch, t.tier);
    fs.mkdirSync(b);
    fs.writeFileSync(bundlePath(b, "plan"), t.plan);
    await writeBundle({
      bundleDir: b, chain, agentKey: DEV_KEYS.agents[0], classification: classifyPlan(readPlan(t.plan, []), table.table), tierTableDigest: table.digest,
      fields: { project: "dsc-federation", stack: "local", planDigest: bytesDigest(t.plan), sourceCommit: COMMIT, lockfileDigest: id("l"), configDigest: id("c"), expiry: Math.floor(Date.now() / 1000) + 3600 },
    });
    let sigs = readSignatures(b);
    const owners = await readOwners(chain);
    for (const k of t.keys) sigs = (await signWithKey(sigs, readManifestFile(b), k, owners)).file;
    writeJson(b, "signatures", sigs);
    const facts = { stack: "local", project: "dsc-federation", planDigest: bytesDigest(t.plan), head: COMMIT, dirty: [], lockfileDigest: id("l"), configDigest: id("c"), hashes: manifestHashes(readManifestFile(b)) };
    let calls = 0;
    const start = process.hrtime.bigint();
    for (let i = 0; i < ROUNDS; i++) {
      const counting = countingEip1193(eip1193);
      const v = await verifyBundle({ bundleDir: b, planBytes: t.plan, facts, prior: [], chain: new Chain(counting, deployment), table });
      if (v.reasons.length > 0 || readManifestFile(b).manifest.tier !== t.tier) throw new Error(`${t.tier}: ${v.reasons.join("; ")}`);
      calls = counting.total();
    }
    const ms = Number(process.hrtime.bigint() - start) / 1e6 / ROUNDS;
    console.log(`${t.tier.padEnd(12)} | ${t.set.padEnd(36)} | ${ms.toFixed(1).padStart(16)} | ${String(calls).padStart(9)}`);
  }

  if (!fs.existsSync(path.join(__dirname, "..", ".toolchain", "bin", "pulumi"))) {
    console.log("dsc change vs pulumi preview: skipped (no .toolchain; npm run toolchain)");
    return;
  }
  const server = new JsonRpcServer({ hostname: "127.0.0.1", port: 0, provider: hre.network.provider });
  const rpcUrl = `http://127.0.0.1:${(await server.listen()).port}`;
  try {
    const project = path.join(scratch, "project");
    copyProject(project);
    const deploymentFile = path.join(project, ".state", "consortium.json");
    fs.mkdirSync(path.dirname(deploymentFile), { recursive: true });
    writeDeployment(deploymentFile, deployment);
    const ws = await localStackOf(project, scratch, rpcUrl, deploymentFile);
    const time = async (f: () => Promise<unknown>) => {
      const s = process.hrtime.bigint();
      await f();
      return Number(process.hrtime.bigint() - s) / 1e9;
    };
    const previews: number[] = [];
    const changes: number[] = [];
    for (let i = 0; i < 2; i++) {
      previews.push(await time(() => ws.stack.preview({ configFile: ws.configFile, plan: path.join(scratch, `plain-${i}.json`) })));
      changes.push(await time(() => makeChange({ ws, chain: new Chain(httpEip1193(rpcUrl), deployment), bundleDir: path.join(scratch, `change-${i}`), agentKey: DEV_KEYS.agents[0] })));
    }
    const [p, c] = [Math.min(...previews), Math.min(...changes)];
    console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
    console.log(`pulumi preview --save-plan (local stack, best of 2): ${p.toFixed(1)} s; dsc change: ${c.toFixed(1)} s; ratio ${(c / p).toFixed(2)}`);
  } finally {
    await server.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(err);
    process.exit(1);
  },
);
