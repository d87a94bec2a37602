/**
 * Verification at the moment of use against the real contracts on Hardhat's in-process chain: the bundle's
 * plan, commit, lockfile, config and stack against the facts, the gate's own re-classification of the plan,
 * the tier-table digest on-chain, and TierRules.verify for the signature set, each refusal in words.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import hre from "hardhat";
import Safe, { buildContractSignature } from "@safe-global/protocol-kit";
import { SigningMethod } from "@safe-global/types-kit";
import { BrowserProvider, Contract, Wallet, id, type Eip1193Provider } from "ethers";
import { addressOf, recordApproval, ApprovalRefusedError } from "../consortium/approvals";
import { ourArtifact } from "../consortium/artifacts";
import { deployConsortium, type Deployment } from "../consortium/deploy";
import { DEV_KEYS, devConsortiumConfig } from "../consortium/dev-keys";
import { bundlePath, bundleTypedData, manifestHashes, readManifestFile, readSignatures, writeJson, type ManifestFile } from "./bundle";
import { Chain, ChainError, countingEip1193, httpEip1193 } from "./chain";
import { writeBundle } from "./change";
import { classifyPlan } from "./classify";
import { bytesDigest } from "./digests";
import { readPlan } from "./plan";
import { importSignatures, readOwners, signWithKey } from "./signing";
import { loadTierTable, parseTierTable } from "./tierTable";
import { verifyBundle } from "./verify";

const STS = "kubernetes:apps/v1:StatefulSet";
const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const table = loadTierTable();
let eip1193: Eip1193Provider;
let deployment: Deployment;
let chain: Chain;
let dir: string;
let snap: string;

/** A plan file in the engine's format: `update` steps of the given paths on region-prefixed resources. */
function planBytes(steps: { region: string; type?: string; paths: Record<string, unknown>; op?: string; name?: string }[]): Buffer {
  const resourcePlans = Object.fromEntries(
    steps.map((s) => {
      const type = s.type ?? STS;
      const name = s.name ?? `${s.region}-replication`;
      const provider = `urn:pulumi:local::dsc-federation::pulumi:providers:kubernetes::${s.region}-k8s::0000`;
      return [`urn:pulumi:local::dsc-federation::${type}::${name}`, { goal: { type, name, custom: true, provider, inputDiff: { updates: s.paths } }, steps: [s.op ?? "update"] }];
    }),
  );
  return Buffer.from(JSON.stringify({ manifest: { time: new Date().toISOString(), magic: "m", version: "v3.274.1" }, resourcePlans }, null, 4));
}
const imageEverywhere = () => planBytes(["alpha", "beta", "gamma"].map((region) => ({ region, paths: { spec: { template: { spec: { containers: [{ image: "ghcr.io/dsc-federation/replication:0.2.0" }] } } } } })));
const uncovered = () => planBytes([{ region: "alpha", type: "kubernetes:core/v1:ConfigMap", paths: { data: { x: "1" } }, op: "create", name: "alpha-extra" }]);

let n = 0;
async function bundle(plan: Buffer, opts: { claim?: ManifestFile["manifest"] extends infer M ? { tier: "critical" | "fleet" | "operational"; regions: ("alpha" | "beta" | "gamma")[] } & Partial<M> : never; expiresIn?: number } = {}): Promise<string> {
  const b = path.join(dir, `bundle-${++n}`);
  fs.mkdirSync(b);
  fs.writeFileSync(bundlePath(b, "plan"), plan);
  const now = Number((await new BrowserProvider(eip1193).getBlock("latest"))!.timestamp);
  await writeBundle({
    bundleDir: b,
    chain,
    agentKey: DEV_KEYS.agents[0],
    classification: classifyPlan(readPlan(plan, []), table.table),
    tierTableDigest: table.digest,
    fields: { project: "dsc-federation", stack: "local", planDigest: bytesDigest(plan), sourceCommit: COMMIT, lockfileDigest: id("lock"), configDigest: id("config"), expiry: now + (opts.expiresIn ?? 3600) },
    claim: opts.claim,
  });
  return b;
}

async function sign(b: string, keys: string[]): Promise<string[]> {
  const owners = await readOwners(chain);
  let file = readSignatures(b);
  const notes: string[] = [];
  for (const key of keys) {
    const r = await signWithKey(file, readManifestFile(b), key, owners);
    file = r.file;
    notes.push(...r.notes);
  }
  writeJson(b, "signatures", file);
  return notes;
}

function facts(b: string, over: Partial<Parameters<typeof verifyBundle>[0]["facts"]> = {}) {
  const m = readManifestFile(b);
  return { stack: "local", project: "dsc-federation", planDigest: bytesDigest(fs.readFileSync(bundlePath(b, "plan"))), head: COMMIT, dirty: [], lockfileDigest: id("lock"), configDigest: id("config"), hashes: manifestHashes(m), ...over };
}

async function verify(b: string, over: Partial<Parameters<typeof verifyBundle>[0]["facts"]> = {}, on: Chain = chain, t = table) {
  return verifyBundle({ bundleDir: b, planBytes: fs.readFileSync(bundlePath(b, "plan")), facts: facts(b, over), prior: [], chain: on, table: t });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-gate-verify-"));
  eip1193 = hre.network.provider as unknown as Eip1193Provider;
  for (const key of [DEV_KEYS.deployer, ...DEV_KEYS.agents]) await eip1193.request({ method: "hardhat_setBalance", params: [addressOf(key), "0x56BC75E2D63100000"] });
  deployment = await deployConsortium(new Wallet(DEV_KEYS.deployer, new BrowserProvider(eip1193, undefined, { polling: false, cacheTimeout: -1 })), { ...devConsortiumConfig(), tierTableDigest: table.digest });
  chain = new Chain(eip1193, deployment);
}, 120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => {
  snap = (await eip1193.request({ method: "evm_snapshot", params: [] })) as string;
});
afterEach(async () => {
  await eip1193.request({ method: "evm_revert", params: [snap] });
});

describe("fleet: the replication image in every region", () => {
  test("accepted with 2 of 3 DSPs (DSP-1's 2-of-2 Safe assembled from both owners)", async () => {
    const b = await bundle(imageEverywhere());
    expect(readManifestFile(b).manifest).toMatchObject({ tier: "fleet", regions: ["alpha", "beta", "gamma"] });
    await sign(b, [...DEV_KEYS.dsp1, ...DEV_KEYS.dsp2]);
    const v = await verify(b);
    expect(v.reasons).toEqual([]);
    expect(v.verdict.refusal).toBe("None");
  });

  test("refused with 1 DSP, naming who has not signed; a DSP Safe short of its own owners is named too", async () => {
    const b = await bundle(imageEverywhere());
    await sign(b, [DEV_KEYS.dsp2[0], DEV_KEYS.dsp1[0]]);
    const [reason] = (await verify(b)).reasons;
    const [dsp1, , dsp3] = deployment.dsps;
    expect(reason).toBe(`fleet needs 2 of 3 DSPs, has 1: DSP-1 (${dsp1.safe}), DSP-3 (${dsp3.safe}) have not signed; DSP-1 (${dsp1.safe}) has 1 of the 2 owner signatures its Safe needs`);
  });

  test("adding the same signature twice changes nothing", async () => {
    const b = await bundle(imageEverywhere());
    await sign(b, DEV_KEYS.dsp2);
    const once = readSignatures(b);
    const notes = await sign(b, DEV_KEYS.dsp2);
    expect(readSignatures(b)).toEqual(once);
    expect(notes[0]).toMatch(/already signed for DSP-2: nothing changed/);
  });
});

describe("critical", () => {
  test("a step no rule covers needs critical: refused with 3 DSPs alone, accepted with a Board signer", async () => {
    const b = await bundle(uncovered());
    expect(readManifestFile(b).manifest.tier).toBe("critical");
    await sign(b, [...DEV_KEYS.dsp1, ...DEV_KEYS.dsp2, DEV_KEYS.dsp3[0]]);
    expect((await verify(b)).reasons).toEqual([`critical needs 1 of 2 DAO Board signers, has 0: ${deployment.board.join(", ")} have not signed`]);
    await sign(b, [DEV_KEYS.board[1]]);
    expect((await verify(b)).reasons).toEqual([]);
  });
});

describe("refused whatever the signatures", () => {
  test("a manifest claiming a lower tier and fewer regions than its plan needs, with valid signatures for the claim", async () => {
    const b = await bundle(imageEverywhere(), { claim: { tier: "operational", regions: ["alpha"] } });
    await sign(b, DEV_KEYS.dsp1);
    const v = await verify(b);
    expect(v.verdict.refusal).toBe("None"); // TierRules only sees the claim
    expect(v.reasons).toEqual([
      expect.stringMatching(/claims tier operational, but its plan needs fleet: alpha-replication \(update, rule workload-image-every-region\)/),
      expect.stringMatching(/claims regions alpha, but its plan also touches beta, gamma/),
    ]);
  });

  test("the plan edited after signing, by one byte or by whitespace only", async () => {
    const b = await bundle(imageEverywhere());
    await sign(b, [...DEV_KEYS.dsp1, ...DEV_KEYS.dsp2]);
    const plan = bundlePath(b, "plan");
    const original = fs.readFileSync(plan);
    for (const edited of [Buffer.from(original.toString().replace("0.2.0", "0.2.1")), Buffer.from(original.toString().replace(/\n {4}/g, "\n   "))]) {
      fs.writeFileSync(plan, edited);
      expect((await verify(b)).reasons).toEqual([expect.stringMatching(/plan.json is not the plan that was signed .*whitespace included/)]);
    }
  });

  test("commit, lockfile or config changed after signing; the bundle of another stack", async () => {
    const b = await bundle(imageEverywhere());
    await sign(b, [...DEV_KEYS.dsp1, ...DEV_KEYS.dsp2]);
    expect((await verify(b, { head: "f".repeat(40) })).reasons).toEqual([expect.stringMatching(/checkout is at commit f{40}, the manifest was made at 0123/)]);
    expect((await verify(b, { lockfileDigest: id("other") })).reasons).toEqual([expect.stringMatching(/package-lock.json differs/)]);
    expect((await verify(b, { configDigest: id("other") })).reasons).toEqual([expect.stringMatching(/config of stack local differs/)]);
    expect((await verify(b, { stack: "beta" })).reasons).toContain("this bundle is for stack local, not beta: use the bundle made for beta");
  });

  test("expired", async () => {
    const b = await bundle(imageEverywhere(), { expiresIn: 60 });
    await sign(b, [...DEV_KEYS.dsp1, ...DEV_KEYS.dsp2]);
    await eip1193.request({ method: "evm_increaseTime", params: [120] });
    await eip1193.request({ method: "evm_mine", params: [] });
    expect((await verify(b)).reasons).toEqual([expect.stringMatching(/expired/)]);
  });

  test("the same bundle a second time: its record is spent", async () => {
    const b = await bundle(imageEverywhere());
    await sign(b, [...DEV_KEYS.dsp1, ...DEV_KEYS.dsp2]);
    const v = await verify(b);
    await recordApproval(chain.contract("TierRules").connect(new Wallet(DEV_KEYS.deployer, chain.provider)) as Contract, v.manifest, v.proposal, v.signatures);
    expect((await verify(b)).reasons).toEqual([expect.stringMatching(/already recorded on-chain/)]);
  });

  test("paused: a fleet change is refused, also when the pause lands between verification and record; critical still passes", async () => {
    const fleet = await bundle(imageEverywhere());
    await sign(fleet, [...DEV_KEYS.dsp1, ...DEV_KEYS.dsp2]);
    const v = await verify(fleet);
    expect(v.reasons).toEqual([]);
    const guardian = new Contract(deployment.contracts.Guardian, ourArtifact("Guardian").abi, new Wallet(DEV_KEYS.agents[1], chain.provider));
    await (await guardian.pause("divergence seen by beta's watcher")).wait();
    const rules = chain.contract("TierRules").connect(new Wallet(DEV_KEYS.deployer, chain.provider)) as Contract;
    await expect(recordApproval(rules, v.manifest, v.proposal, v.signatures)).rejects.toThrow(ApprovalRefusedError);
    expect((await verify(fleet)).reasons).toEqual([expect.stringMatching(/paused by the Guardian/)]);

    const critical = await bundle(uncovered());
    await sign(critical, [...DEV_KEYS.dsp1, ...DEV_KEYS.dsp2, DEV_KEYS.dsp3[0], DEV_KEYS.board[0]]);
    expect((await verify(critical)).reasons).toEqual([]);
  });

  test("a tier table that differs from the digest on-chain", async () => {
    const b = await bundle(imageEverywhere());
    await sign(b, [...DEV_KEYS.dsp1, ...DEV_KEYS.dsp2]);
    const edited = parseTierTable(Buffer.from(fs.readFileSync(table.file, "utf8").replace('"tier": "critical"', '"tier": "fleet"')), table.file);
    expect((await verify(b, {}, chain, edited)).reasons).toEqual([expect.stringMatching(/tier table .* is not the one the consortium set on-chain/)]);
  });

  test("the chain unreachable: a ChainError, never an approval", async () => {
    const b = await bundle(imageEverywhere());
    await expect(verify(b, {}, new Chain(httpEip1193("http://127.0.0.1:9", 2000), deployment))).rejects.toThrow(ChainError);
    const failing = new Chain({ request: async ({ method }) => (method === "eth_chainId" ? "0x7a69" : Promise.reject(new Error("upstream 502"))) }, deployment);
    await expect(verify(b, {}, failing)).rejects.toThrow(/the chain could not answer .*refusing/);
  });
});

test("a signature set made only with protocol-kit's own message API, imported and accepted", async () => {
  const b = await bundle(imageEverywhere());
  const typed = bundleTypedData(readManifestFile(b));
  const nets = chain.contractNetworks;
  // DSP-2 (1-of-1) and DSP-3 (1-of-2) sign as nested Safes, the way protocol-kit documents it.
  const consortiumKit = await Safe.init({ provider: eip1193 as never, signer: DEV_KEYS.board[0], safeAddress: deployment.consortium, contractNetworks: nets });
  let message = consortiumKit.createMessage(typed);
  for (const [safe, key] of [[deployment.dsps[1].safe, DEV_KEYS.dsp2[0]], [deployment.dsps[2].safe, DEV_KEYS.dsp3[0]]] as const) {
    const kit = await Safe.init({ provider: eip1193 as never, signer: key, safeAddress: safe, contractNetworks: nets });
    const inner = await kit.signMessage(kit.createMessage(typed), SigningMethod.SAFE_SIGNATURE, deployment.consortium);
    message.addSignature(await buildContractSignature([inner.getSignature(addressOf(key))!], safe));
  }
  message = await consortiumKit.signMessage(message, SigningMethod.ETH_SIGN_TYPED_DATA_V4);
  const r = await importSignatures(readSignatures(b), readManifestFile(b), { signatures: message.encodedSignatures() }, await readOwners(chain), chain);
  expect(r.notes).toHaveLength(3);
  writeJson(b, "signatures", r.file);
  expect((await verify(b)).reasons).toEqual([]);
  // An imported signature over another manifest is refused at import.
  const other = await bundle(imageEverywhere());
  await expect(importSignatures(readSignatures(other), readManifestFile(other), { signatures: message.encodedSignatures() }, await readOwners(chain), chain)).rejects.toThrow(/does not accept the imported contract signature|recovers to/);
});

test("a verification costs a bounded number of RPC calls", async () => {
  const b = await bundle(imageEverywhere());
  await sign(b, [...DEV_KEYS.dsp1, ...DEV_KEYS.dsp2]);
  const counting = countingEip1193(eip1193);
  expect((await verify(b, {}, new Chain(counting, deployment))).reasons).toEqual([]);
  expect(counting.total()).toBeLessThan(30);
});
