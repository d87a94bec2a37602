/**
 * The gate on the real engine, the real `local` stack and the real contracts on a loopback chain (Hardhat in
 * process, served on a random 127.0.0.1 port so that the program, run by the CLI in another process, can check
 * the record). The project is a committed copy in a temporary folder, so HEAD and the config never move under
 * the test. One stack is shared by the cases, in order: every engine run costs seconds.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { createHash } from "node:crypto";
import hre from "hardhat";
import { JsonRpcServer } from "hardhat/internal/hardhat-network/jsonrpc/server";
import { BrowserProvider, Wallet, type Eip1193Provider } from "ethers";
import { DEV_KEYS, devConsortiumConfig } from "../../governance/consortium/dev-keys";
import { addressOf } from "../../governance/consortium/approvals";
import { deployConsortium, writeDeploymentFile } from "../../governance/consortium/deploy";
import { applyBundle } from "../../governance/gate/apply";
import { bundlePath, readManifestFile, readSignatures, writeJson } from "../../governance/gate/bundle";
import { Chain, httpEip1193 } from "../../governance/gate/chain";
import { makeChange } from "../../governance/gate/change";
import { readOwners, signWithKey } from "../../governance/gate/signing";
import { loadTierTable } from "../../governance/gate/tierTable";
import { GateRefusal } from "../../governance/gate/verify";
import { copyProject, localStackOf } from "../../governance/gate/testing/localProject";
import type { GateWorkspace } from "../../governance/gate/workspace";
import { requireToolchain } from "./toolchain";

const run = promisify(execFile);
const STEP_MS = 600_000;

let scratch: string;
let project: string;
let server: JsonRpcServer;
let rpcUrl: string;
let chain: Chain;
let ws: GateWorkspace;

/** The stack's resources as its state holds them, and every byte of the rendered output, as one digest. */
async function snapshot(): Promise<string> {
  const h = createHash("sha256");
  const exported = await ws.stack.exportStack();
  h.update(JSON.stringify((exported.deployment as { resources?: unknown[] }).resources ?? []));
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else h.update(p).update(fs.readFileSync(p));
    }
  };
  walk(path.join(project, ".state", "rendered"));
  return h.digest("hex");
}

function renderedFiles(region: string): string[] {
  const dir = path.join(project, ".state", "rendered", region, "1-manifest");
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}

async function sign(bundle: string, keys: string[]): Promise<void> {
  const m = readManifestFile(bundle);
  const owners = await readOwners(chain);
  let file = readSignatures(bundle);
  for (const key of keys) file = (await signWithKey(file, m, key, owners)).file;
  writeJson(bundle, "signatures", file);
}

const change = (name: string) => makeChange({ ws, chain, bundleDir: path.join(scratch, name), agentKey: DEV_KEYS.agents[0] });
const up = (name: string) => applyBundle({ ws, chain, rpcUrl, bundleDir: path.join(scratch, name), payerKey: DEV_KEYS.deployer });

async function refusal(p: Promise<unknown>): Promise<string[]> {
  try {
    await p;
  } catch (err) {
    if (err instanceof GateRefusal) return err.reasons;
    throw err;
  }
  throw new Error("expected a refusal");
}

beforeAll(async () => {
  requireToolchain();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-gate-"));
  project = path.join(scratch, "project");
  copyProject(project);
  const eip1193 = hre.network.provider as unknown as Eip1193Provider;
  server = new JsonRpcServer({ hostname: "127.0.0.1", port: 0, provider: hre.network.provider });
  const { port } = await server.listen();
  rpcUrl = `http://127.0.0.1:${port}`;
  const provider = new BrowserProvider(eip1193, undefined, { polling: false, cacheTimeout: -1 });
  for (const key of [DEV_KEYS.deployer, ...DEV_KEYS.agents]) {
    await eip1193.request({ method: "hardhat_setBalance", params: [addressOf(key), "0x56BC75E2D63100000"] });
  }
  const deployment = await deployConsortium(new Wallet(DEV_KEYS.deployer, provider), { ...devConsortiumConfig(), tierTableDigest: loadTierTable().digest });
  const deploymentFile = path.join(project, ".state", "consortium.json");
  fs.mkdirSync(path.dirname(deploymentFile), { recursive: true });
  writeDeploymentFile(deploymentFile, deployment);
  chain = new Chain(httpEip1193(rpcUrl), deployment);

  ws = await localStackOf(project, scratch, rpcUrl, deploymentFile);
}, STEP_MS);

afterAll(async () => {
  await server?.close();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

describe("the gate on the local stack", () => {
  it("classifies the first deployment critical; 3 DSPs alone are refused with nothing applied; with a Board signer it is applied", async () => {
    const first = await change("first");
    if (first.nothingToChange) throw new Error("a new stack has something to change");
    expect(first.manifest.manifest).toMatchObject({ stack: "local", tier: "critical", regions: ["alpha", "beta", "gamma"] });
    expect(fs.readFileSync(bundlePath(path.join(scratch, "first"), "summaryMd"), "utf8")).toMatch(/tier \*\*critical\*\*/);
    await sign(path.join(scratch, "first"), [...DEV_KEYS.dsp1, ...DEV_KEYS.dsp2, DEV_KEYS.dsp3[0]]);
    const before = await snapshot();
    const reasons = await refusal(up("first"));
    expect(reasons.join("\n")).toMatch(/critical needs 1 of 2 DAO Board signers, has 0/);
    expect(await snapshot()).toBe(before);
    expect(renderedFiles("alpha")).toEqual([]);

    await sign(path.join(scratch, "first"), [DEV_KEYS.board[0]]);
    const outcome = await up("first");
    expect(outcome.result).toBe("succeeded");
    for (const region of ["alpha", "beta", "gamma"]) expect(renderedFiles(region).some((f) => f.startsWith("apps_v1-statefulset-"))).toBe(true);

    // The same bundle a second time: the record is spent.
    const after = await snapshot();
    expect((await refusal(up("first"))).join("\n")).toMatch(/already recorded on-chain/);
    expect(await snapshot()).toBe(after);
  }, 3 * STEP_MS);

  it("refuses a plain `pulumi up` in the program, after a preview that works, and applies nothing", async () => {
    const before = await snapshot();
    const result = await run(ws.pulumiBin, ["up", "-s", "local", "--config-file", ws.configFile, "--yes", "--non-interactive", "--refresh=false"], { cwd: project, env: ws.env }).then(
      () => ({ ok: true, out: "" }),
      (err: { stdout: string; stderr: string }) => ({ ok: false, out: err.stdout + err.stderr }),
    );
    expect(result.ok).toBe(false);
    expect(result.out).toMatch(/plain 'pulumi up' is refused: no gate approval \(DSC_APPROVAL_FILE is not set\).*dsc up/s);
    expect(await snapshot()).toBe(before);
  }, STEP_MS);

  it("an operational change in alpha: refused signed by DSP-2, and for a plan edited after signing; applied signed by DSP-1", async () => {
    // Drift in alpha only: the state says alpha's replication runs 2 replicas; the program wants 1.
    const exported = await ws.stack.exportStack();
    const resources = (exported.deployment as { resources: { urn: string; type: string; inputs: { spec: { replicas: number } }; outputs: { spec: { replicas: number } } }[] }).resources;
    const sts = resources.find((r) => r.type === "kubernetes:apps/v1:StatefulSet" && r.urn.endsWith("::alpha-replication-sts"))!;
    sts.inputs.spec.replicas = 2;
    sts.outputs.spec.replicas = 2;
    await ws.stack.importStack(exported);

    const ops = await change("operational");
    if (ops.nothingToChange) throw new Error("drift in alpha is a change");
    expect(ops.manifest.manifest).toMatchObject({ tier: "operational", regions: ["alpha"] });
    const bundle = path.join(scratch, "operational");
    await sign(bundle, DEV_KEYS.dsp2);
    const before = await snapshot();
    expect((await refusal(up("operational"))).join("\n")).toMatch(/operational in alpha needs the signature of alpha's DSP, DSP-1 \(0x[0-9a-fA-F]{40}\), which has not signed/);
    await sign(bundle, DEV_KEYS.dsp1);
    const plan = bundlePath(bundle, "plan");
    const original = fs.readFileSync(plan);
    fs.writeFileSync(plan, Buffer.concat([original, Buffer.from(" ")]));
    expect((await refusal(up("operational"))).join("\n")).toMatch(/plan.json is not the plan that was signed/);
    expect(await snapshot()).toBe(before);
    fs.writeFileSync(plan, original);

    const outcome = await up("operational");
    expect(outcome).toMatchObject({ result: "succeeded", resourceChanges: expect.objectContaining({ update: 1 }) });
  }, 3 * STEP_MS);

  it("a fleet change (the replication image in every region): refused with 1 of 3 DSPs, applied with 2", async () => {
    fs.writeFileSync(ws.configFile, fs.readFileSync(ws.configFile, "utf8").replace("replication:0.1.0", "replication:0.2.0"));
    const fleet = await change("fleet");
    if (fleet.nothingToChange) throw new Error("a new image is a change");
    expect(fleet.manifest.manifest).toMatchObject({ tier: "fleet", regions: ["alpha", "beta", "gamma"] });
    const bundle = path.join(scratch, "fleet");
    await sign(bundle, DEV_KEYS.dsp2);
    const before = await snapshot();
    expect((await refusal(up("fleet"))).join("\n")).toMatch(/fleet needs 2 of 3 DSPs, has 1/);
    expect(await snapshot()).toBe(before);
    await sign(bundle, [DEV_KEYS.dsp3[0]]);
    expect(await up("fleet")).toMatchObject({ result: "succeeded", resourceChanges: expect.objectContaining({ update: 3 }) });
    expect(fs.readFileSync(path.join(project, ".state", "rendered", "beta", "1-manifest", renderedFiles("beta").find((f) => f.startsWith("apps_v1-statefulset-"))!), "utf8")).toMatch(/replication:0\.2\.0/);
  }, 3 * STEP_MS);

  it("has nothing to change afterwards, and says so", async () => {
    const again = await change("again");
    expect(again.nothingToChange).toBe(true);
  }, STEP_MS);
});
