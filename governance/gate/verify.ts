/**
 * Verification at the moment of use, fail closed: the bundle against what is on disk now (plan bytes, commit,
 * lockfile, config, stack), the plan re-classified by the tier table whose digest TierRules holds, and
 * TierRules.verify for the signature set on the chain as it is now. Any chain error refuses.
 */
import { readFileSync } from "node:fs";
import { bytesDigest, configDigest, gitState, lockfileDigest } from "./digests";
import { bundlePath, manifestHashes, onChainManifest, proposalFileSchema, readJson, readManifestFile, readSignatures, type ManifestFile } from "./bundle";
import { ChainError, type Chain } from "./chain";
import { classifyPlan, type Classification } from "./classify";
import { readPlan } from "./plan";
import { explainChainVerdict, localReasons } from "./refusals";
import { assembleSignatureSet, readOwners } from "./signing";
import { toVerdict, type Verdict } from "../consortium/verdict";
import { TIERS, type OnChainManifest } from "../consortium/manifest";
import { loadTierTable, type LoadedTierTable } from "./tierTable";
import { currentState, stackConfig, type GateWorkspace } from "./workspace";

/** The gate refused: every reason, worded for a signer. `chain` when the chain could not be asked. */
export class GateRefusal extends Error {
  constructor(
    readonly reasons: string[],
    readonly kind: "governance" | "chain" = "governance",
  ) {
    super(`refused:\n${reasons.map((r) => `  - ${r}`).join("\n")}`);
    this.name = "GateRefusal";
  }
}

export interface Verification {
  manifestFile: ManifestFile;
  manifest: OnChainManifest;
  proposal: string;
  signatures: string;
  classification: Classification;
  verdict: Verdict;
  planBytes: Buffer;
  reasons: string[];
}

/** Reads what the bundle is checked against, now, from the workspace and the checkout. */
export async function useFacts(bundleDir: string, ws: GateWorkspace, planBytes: Buffer) {
  const m = readManifestFile(bundleDir);
  const git = gitState(ws.projectRoot);
  const [config, prior] = await Promise.all([stackConfig(ws), currentState(ws)]);
  return {
    m,
    prior,
    facts: {
      stack: ws.stackName,
      project: ws.project,
      planDigest: bytesDigest(planBytes),
      head: git.head,
      dirty: git.dirty,
      lockfileDigest: lockfileDigest(ws.projectRoot),
      configDigest: configDigest(config),
      hashes: manifestHashes(m),
    },
  };
}

/** Everything a verification needs, gathered by the caller (the engine's facts) and by this (the chain's). */
export interface VerifyInput {
  bundleDir: string;
  planBytes: Buffer;
  facts: Omit<Parameters<typeof localReasons>[1], "deployment">;
  prior: Parameters<typeof readPlan>[1];
  chain: Chain;
  table?: LoadedTierTable;
}

/** Verifies a bundle; never throws for a refusal (reasons are returned) but for chain errors (ChainError). */
export async function verifyBundle(input: VerifyInput): Promise<Verification> {
  const { bundleDir, planBytes, chain } = input;
  const table = input.table ?? loadTierTable();
  const m = readManifestFile(bundleDir);
  const proposal = readJson(bundleDir, "proposal", proposalFileSchema);
  const sigFile = readSignatures(bundleDir);
  const d = chain.deployment;
  const needed = classifyPlan(readPlan(planBytes, input.prior), table.table);
  const reasons = localReasons(m, { ...input.facts, deployment: { chainId: d.chainId, tierRules: d.contracts.TierRules, consortium: d.consortium } }, needed);
  const manifest = onChainManifest(m);
  try {
    await chain.assertReachable();
    const rules = chain.contract("TierRules");
    const onChainTable = (await rules.tierTableDigest()) as string;
    if (onChainTable.toLowerCase() !== table.digest.toLowerCase()) {
      reasons.push(`the tier table ${table.file} (digest ${table.digest}) is not the one the consortium set on-chain (${onChainTable}): only a critical change may change the rules; restore the file`);
    }
    const owners = await readOwners(chain);
    const set = assembleSignatureSet(sigFile, owners);
    const [, raw] = await rules.getFunction("verify").staticCall(manifest, proposal.signature, set.bytes);
    const verdict = toVerdict(raw);
    if (verdict.refusal !== "None") {
      const rule = await rules.ruleOf(TIERS.indexOf(m.manifest.tier));
      const board = (await rules.boardSigners()) as string[];
      const dsps = await Promise.all([0, 1, 2].map(async (r) => {
        const safe = (await rules.dspOf(r)) as string;
        const known = d.dsps.find((x) => x.safe.toLowerCase() === safe.toLowerCase());
        return { name: known?.name ?? `DSP of ${["alpha", "beta", "gamma"][r]}`, region: ["alpha", "beta", "gamma"][r], safe };
      }));
      reasons.push(explainChainVerdict(verdict, {
        tier: m.manifest.tier,
        regions: m.manifest.regions,
        rule: { dsps: Number(rule.dsps), board: Number(rule.board), regionDsp: Boolean(rule.regionDsp) },
        dsps,
        board,
        signers: set.signers,
        incomplete: set.incomplete,
      }));
    }
    return { manifestFile: m, manifest, proposal: proposal.signature, signatures: set.bytes, classification: needed, verdict, planBytes, reasons };
  } catch (err) {
    if (err instanceof ChainError) throw err;
    throw new ChainError(`the chain could not answer (${(err as Error).message.split("\n")[0]}): refusing, as every unanswered check refuses`, { cause: err });
  }
}

/** Verifies a bundle against a stack of the workspace (the facts read now). */
export async function verifyForStack(bundleDir: string, ws: GateWorkspace, chain: Chain, table?: LoadedTierTable): Promise<Verification> {
  const planBytes = readFileSync(bundlePath(bundleDir, "plan"));
  const { facts, prior } = await useFacts(bundleDir, ws, planBytes);
  return verifyBundle({ bundleDir, planBytes, facts, prior, chain, table });
}
