/**
 * `dsc change`: preview a stack with a saved plan and write the change bundle for signers. The tier and regions
 * are classified from the plan; the proposing agent signs the manifest; owners sign later (signing.ts).
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { signProposal } from "../consortium/approvals";
import { Wallet } from "ethers";
import { bundlePath, bundleTypedData, manifestHashes, writeJson, type ManifestFile } from "./bundle";
import { ChainError, type Chain } from "./chain";
import { classifyPlan, type Classification } from "./classify";
import { bytesDigest, configDigest, gitState, lockfileDigest } from "./digests";
import { readPlan } from "./plan";
import { summarize, summaryMarkdown } from "./summary";
import { loadTierTable, type LoadedTierTable } from "./tierTable";
import { GateRefusal } from "./verify";
import { currentState, engineOutput, stackConfig, type GateWorkspace } from "./workspace";

export interface ChangeOptions {
  ws: GateWorkspace;
  chain: Chain;
  bundleDir: string;
  /** The proposing agent's key (a DSP's current agent). */
  agentKey: string;
  /** Seconds until the manifest expires (default 7 days). */
  expiresIn?: number;
  table?: LoadedTierTable;
  progress?: (line: string) => void;
}

export type ChangeResult = { nothingToChange: true; unchanged: number } | { nothingToChange: false; manifest: ManifestFile; notes: string[] };

export async function makeChange(o: ChangeOptions): Promise<ChangeResult> {
  const { ws, chain } = o;
  const progress = o.progress ?? (() => {});
  const table = o.table ?? loadTierTable();
  const notes: string[] = [];
  const git = gitState(ws.projectRoot);
  if (git.dirty.length > 0) {
    if (ws.stackName !== "local") {
      throw new GateRefusal([`the checkout has uncommitted changes (${git.dirty.slice(0, 5).join(", ")}): commit them first; only the local stack may be changed from a dirty tree`]);
    }
    notes.push(`local stack: the tree has ${git.dirty.length} uncommitted paths; the manifest binds commit ${git.head.slice(0, 12)} and the config, not those edits`);
  }
  progress(`checking the chain and the tier table (${table.digest.slice(0, 10)}…)`);
  await chain.assertReachable();
  const onChainTable = (await chain.contract("TierRules").tierTableDigest().catch((err: Error) => {
    throw new ChainError(`TierRules.tierTableDigest: ${err.message.split("\n")[0]}`, { cause: err });
  })) as string;
  if (onChainTable.toLowerCase() !== table.digest.toLowerCase()) {
    throw new GateRefusal([`the tier table ${table.file} (digest ${table.digest}) differs from the one set on-chain (${onChainTable}): restore it, or change it with a critical change first`]);
  }

  mkdirSync(o.bundleDir, { recursive: true });
  const planFile = bundlePath(o.bundleDir, "plan");
  progress(`preview -s ${ws.stackName} --save-plan ${path.relative(process.cwd(), planFile) || planFile}`);
  await ws.stack.preview({ plan: path.resolve(planFile), configFile: ws.configFile, onOutput: engineOutput(progress) });
  const planBytes = readFileSync(planFile);
  const [prior, config] = await Promise.all([currentState(ws), stackConfig(ws)]);
  const classification = classifyPlan(readPlan(planBytes, prior), table.table);
  if (classification.tier === undefined) {
    rmSync(planFile);
    return { nothingToChange: true, unchanged: classification.unchanged };
  }
  const file = await writeBundle({
    bundleDir: o.bundleDir,
    chain,
    agentKey: o.agentKey,
    classification,
    tierTableDigest: table.digest,
    fields: {
      project: ws.project,
      stack: ws.stackName,
      planDigest: bytesDigest(planBytes),
      sourceCommit: git.head,
      lockfileDigest: lockfileDigest(ws.projectRoot),
      configDigest: configDigest(config),
      expiry: Math.floor(Date.now() / 1000) + (o.expiresIn ?? 7 * 24 * 3600),
    },
  });
  return { nothingToChange: false, manifest: file, notes };
}

export interface BundleInput {
  bundleDir: string;
  chain: Chain;
  agentKey: string;
  classification: Classification;
  tierTableDigest: string;
  /** The manifest's fields but tier, regions and nonce (those come from the classification and chance). */
  fields: Omit<ManifestFile["manifest"], "tier" | "regions" | "nonce">;
  /** Claim another tier or regions than classified (tests of the gate's own re-classification only). */
  claim?: { tier: ManifestFile["manifest"]["tier"]; regions: ManifestFile["manifest"]["regions"] };
}

/** Writes manifest, proposal, empty signatures and summary beside the plan.json already in `bundleDir`. */
export async function writeBundle(b: BundleInput): Promise<ManifestFile> {
  const d = b.chain.deployment;
  const manifest = {
    ...b.fields,
    tier: b.claim?.tier ?? b.classification.tier!,
    regions: b.claim?.regions ?? b.classification.regions,
    nonce: BigInt("0x" + randomBytes(16).toString("hex")).toString(),
  };
  const partial = { manifest, chainId: d.chainId, tierRules: d.contracts.TierRules, consortium: d.consortium, digest: "", safeMessageHash: "", tierTableDigest: b.tierTableDigest };
  const file: ManifestFile = { ...partial, ...manifestHashes(partial as ManifestFile) };
  writeJson(b.bundleDir, "manifest", file);
  writeJson(b.bundleDir, "proposal", { agent: new Wallet(b.agentKey).address, signature: await signProposal(b.agentKey, bundleTypedData(file)) });
  writeJson(b.bundleDir, "signatures", { version: 1, signatures: [] });
  const summary = summarize(manifest.stack, b.classification);
  writeJson(b.bundleDir, "summaryJson", summary);
  writeFileSync(bundlePath(b.bundleDir, "summaryMd"), summaryMarkdown(summary, { digest: file.digest, safeMessageHash: file.safeMessageHash, expiry: manifest.expiry }));
  return file;
}
