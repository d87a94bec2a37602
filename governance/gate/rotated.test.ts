/**
 * Signatures of a DSP rotated out after signing: a bundle approved by DSP-1 and DSP-2 is accepted; the Board then
 * rotates DSP-2 out (propose, the delay, execute, on the real contracts on Hardhat's in-process chain) and the
 * same bundle is refused by `verifyBundle`, in words that name the revoked signer.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import hre from "hardhat";
import { BrowserProvider, Wallet, id, type Eip1193Provider } from "ethers";
import { ApprovalSigner, addressOf, signatureSet } from "../consortium/approvals";
import { createSafe, deployConsortium, type Deployment } from "../consortium/deploy";
import { DEV_KEYS, devConsortiumConfig } from "../consortium/dev-keys";
import { executeRotation, proposeRotation, rotationToSign } from "../consortium/operations";
import { bundlePath, bundleTypedData, manifestHashes, readManifestFile, readSignatures, writeJson } from "./bundle";
import { Chain } from "./chain";
import { writeBundle } from "./change";
import { classifyPlan } from "./classify";
import { bytesDigest } from "./digests";
import { readPlan } from "./plan";
import { importSignatures, readOwners, signWithKey } from "./signing";
import { loadTierTable } from "./tierTable";
import { verifyBundle } from "./verify";

const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const BETA = 1;
const table = loadTierTable();
let eip1193: Eip1193Provider;
let deployment: Deployment;
let chain: Chain;
let deployer: Wallet;
let dsp4: string;
let dir: string;
let snap: string;

/** The replication image in every region (fleet: 2 of 3 DSPs), in the engine's plan format. */
function fleetPlan(): Buffer {
  const resourcePlans = Object.fromEntries(["alpha", "beta", "gamma"].map((region) => {
    const type = "kubernetes:apps/v1:StatefulSet";
    const provider = `urn:pulumi:local::dsc-federation::pulumi:providers:kubernetes::${region}-k8s::0000`;
    const updates = { spec: { template: { spec: { containers: [{ image: "ghcr.io/dsc-federation/replication:0.2.0" }] } } } };
    return [`urn:pulumi:local::dsc-federation::${type}::${region}-replication`, { goal: { type, name: `${region}-replication`, custom: true, provider, inputDiff: { updates } }, steps: ["update"] }];
  }));
  return Buffer.from(JSON.stringify({ manifest: { time: new Date().toISOString(), magic: "m", version: "v3.274.1" }, resourcePlans }, null, 4));
}

const now = async () => Number((await chain.provider.getBlock("latest"))!.timestamp);

async function fleetBundle(name: string): Promise<string> {
  const b = path.join(dir, name);
  fs.mkdirSync(b);
  const plan = fleetPlan();
  fs.writeFileSync(bundlePath(b, "plan"), plan);
  await writeBundle({
    bundleDir: b, chain, agentKey: DEV_KEYS.agents[0], classification: classifyPlan(readPlan(plan, []), table.table), tierTableDigest: table.digest,
    // Long enough to outlive the rotation's delay: only the rotation may make it fail.
    fields: { project: "dsc-federation", stack: "local", planDigest: bytesDigest(plan), sourceCommit: COMMIT, lockfileDigest: id("lock"), configDigest: id("config"), expiry: (await now()) + deployment.rotationDelaySeconds + 30 * 24 * 3600 },
  });
  return b;
}

async function signWithKeys(b: string, keys: string[]): Promise<void> {
  const owners = await readOwners(chain);
  let file = readSignatures(b);
  for (const key of keys) file = (await signWithKey(file, readManifestFile(b), key, owners)).file;
  writeJson(b, "signatures", file);
}

async function verify(b: string) {
  const planBytes = fs.readFileSync(bundlePath(b, "plan"));
  const facts = { stack: "local", project: "dsc-federation", planDigest: bytesDigest(planBytes), head: COMMIT, dirty: [], lockfileDigest: id("lock"), configDigest: id("config"), hashes: manifestHashes(readManifestFile(b)) };
  return verifyBundle({ bundleDir: b, planBytes, facts, prior: [], chain, table });
}

/** The Board (both signers) rotates beta's DSP-2 out for DSP-4, and the rotation executes after its delay. */
async function rotateDsp2Out(): Promise<void> {
  const expiry = BigInt((await now()) + deployment.rotationDelaySeconds + 3600);
  const { rotation, typedData } = await rotationToSign(deployment, chain.provider, { region: BETA, newDsp: dsp4, newAgent: addressOf(DEV_KEYS.agent4), expiry });
  const signer = new ApprovalSigner(eip1193, deployment.consortium, chain.contractNetworks);
  const sigs = [];
  for (const key of DEV_KEYS.board) sigs.push(await signer.signMessage({ kind: "eoa", key }, typedData));
  await proposeRotation(deployment, deployer, rotation, signatureSet(sigs));
  await eip1193.request({ method: "evm_increaseTime", params: [deployment.rotationDelaySeconds] });
  await eip1193.request({ method: "evm_mine", params: [] });
  await executeRotation(deployment, deployer);
  expect(((await chain.contract("TierRules").dspOf(BETA)) as string).toLowerCase()).toBe(dsp4.toLowerCase());
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-gate-rotated-"));
  eip1193 = hre.network.provider as unknown as Eip1193Provider;
  for (const key of [DEV_KEYS.deployer, ...DEV_KEYS.agents]) await eip1193.request({ method: "hardhat_setBalance", params: [addressOf(key), "0x56BC75E2D63100000"] });
  deployer = new Wallet(DEV_KEYS.deployer, new BrowserProvider(eip1193, undefined, { polling: false, cacheTimeout: -1 }));
  deployment = await deployConsortium(deployer, { ...devConsortiumConfig(), tierTableDigest: table.digest });
  dsp4 = await createSafe(deployer, deployment.safeContracts, DEV_KEYS.dsp4.map(addressOf), 1, 4n);
  chain = new Chain(eip1193, deployment);
}, 120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => {
  snap = (await eip1193.request({ method: "evm_snapshot", params: [] })) as string;
});
afterEach(async () => {
  await eip1193.request({ method: "evm_revert", params: [snap] });
});

test("DSP-2's signatures made with its owner's key no longer count once DSP-2 is rotated out; the refusal names DSP-2's Safe", async () => {
  const b = await fleetBundle("keys");
  await signWithKeys(b, [...DEV_KEYS.dsp1, ...DEV_KEYS.dsp2]);
  expect((await verify(b)).reasons).toEqual([]);

  await rotateDsp2Out();
  const v = await verify(b);
  const dsp2 = deployment.dsps[BETA].safe;
  // Not an owner any more, DSP-2's parts are left out of the set (it counts for nothing) and the reason names it.
  expect(v.verdict).toMatchObject({ refusal: "DspShortfall", have: 1, need: 2 });
  expect(v.reasons).toEqual([expect.stringMatching(new RegExp(`^fleet needs 2 of 3 DSPs, has 1: .*; ${dsp2} signed but is no longer an owner of the Consortium Safe \\(a DSP rotated out`))]);
});

test("DSP-2's contract signature imported from elsewhere is refused once DSP-2 is rotated out, as a revoked signer, by its Safe", async () => {
  const b = await fleetBundle("imported");
  await signWithKeys(b, DEV_KEYS.dsp1);
  // DSP-2 signs as a nested Safe outside this code's key path: a complete EIP-1271 contract signature, imported.
  const signer = new ApprovalSigner(eip1193, deployment.consortium, chain.contractNetworks);
  const dsp2 = deployment.dsps[BETA].safe;
  const contractSig = await signer.signMessage({ kind: "safe", safe: dsp2, keys: DEV_KEYS.dsp2 }, bundleTypedData(readManifestFile(b)));
  const r = await importSignatures(readSignatures(b), readManifestFile(b), { signatures: signatureSet([contractSig]) }, await readOwners(chain), chain);
  writeJson(b, "signatures", r.file);
  expect((await verify(b)).reasons).toEqual([]);

  await rotateDsp2Out();
  const v = await verify(b);
  expect(v.verdict).toMatchObject({ refusal: "RevokedSigner", signer: dsp2 });
  expect(v.reasons).toEqual([expect.stringMatching(new RegExp(`${dsp2}.* was rotated out of the consortium and no longer counts`))]);
});
