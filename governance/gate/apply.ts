/**
 * `dsc up`: verify; copy the plan to a private file and hash the copy; record the approval on-chain (once: a
 * replay, or a Guardian pause that lands after verification, fails here); hand the program the approval
 * (stacks/approval.ts refuses a real update without one); apply exactly that copy with `up --plan`; write the
 * outcome into the bundle. A refusal at any step before the record applies nothing.
 */
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Wallet } from "ethers";
import type { LocalWorkspace } from "@pulumi/pulumi/automation";
import { ApprovalRefusedError, recordApproval } from "../consortium/approvals";
import { explainVerdict } from "../consortium/verdict";
import { bytesDigest } from "./digests";
import { bundlePath, writeJson } from "./bundle";
import { ChainError, type Chain } from "./chain";
import { APPROVAL_ENV, type ApprovalHandoff } from "../../stacks/approval";
import type { LoadedTierTable } from "./tierTable";
import { GateRefusal, verifyForStack } from "./verify";
import { engineOutput, type GateWorkspace } from "./workspace";

export interface ApplyOptions {
  ws: GateWorkspace;
  chain: Chain;
  /** The JSON-RPC URL the program checks the record at (the stack's dsc:chain.rpcUrl). */
  rpcUrl: string;
  bundleDir: string;
  /** Pays the gas of the record transaction; any funded key (recording needs no authority of its own). */
  payerKey: string;
  table?: LoadedTierTable;
  progress?: (line: string) => void;
}

export interface Outcome {
  result: "succeeded" | "failed";
  digest: string;
  recordTransaction: string;
  planCopyDigest: string;
  resourceChanges?: Record<string, number>;
  error?: string;
  finishedAt: string;
}

export async function applyBundle(o: ApplyOptions): Promise<Outcome> {
  const progress = o.progress ?? (() => {});
  progress("verifying the bundle against the checkout, the stack and the chain");
  const v = await verifyForStack(o.bundleDir, o.ws, o.chain, o.table);
  if (v.reasons.length > 0) throw new GateRefusal(v.reasons);

  // The engine reads the plan from a file nobody else can write, hashed after the copy.
  const privateDir = mkdtempSync(path.join(tmpdir(), "dsc-approved-"));
  chmodSync(privateDir, 0o700);
  try {
    const planCopy = path.join(privateDir, "plan.json");
    copyFileSync(bundlePath(o.bundleDir, "plan"), planCopy);
    chmodSync(planCopy, 0o400);
    const planCopyDigest = bytesDigest(readFileSync(planCopy));
    if (planCopyDigest !== v.manifest.planDigest) throw new GateRefusal([`the plan changed while it was being copied (digest ${planCopyDigest}): make sure nothing writes the bundle during 'dsc up'`]);

    progress(`recording the approval on-chain (tier ${v.manifestFile.manifest.tier}, digest ${v.manifestFile.digest.slice(0, 10)}…)`);
    const payer = new Wallet(o.payerKey, o.chain.provider);
    let record: { digest: string; transactionHash: string };
    try {
      record = await recordApproval(o.chain.contract("TierRules").connect(payer) as never, v.manifest, v.proposal, v.signatures);
    } catch (err) {
      if (err instanceof ApprovalRefusedError) throw new GateRefusal([`refused when recording: ${explainVerdict(err.verdict)}`]);
      throw new ChainError(`recording the approval failed (${(err as Error).message.split("\n")[0]}); nothing was applied: run 'dsc up' again`, { cause: err });
    }

    const handoff: ApprovalHandoff = { manifest: v.manifestFile, planFile: planCopy, rpcUrl: o.rpcUrl };
    const approvalFile = path.join(privateDir, "approval.json");
    writeFileSync(approvalFile, JSON.stringify(handoff), { mode: 0o400 });
    progress(`up -s ${o.ws.stackName} --plan <private copy>`);
    const workspace = o.ws.stack.workspace as LocalWorkspace;
    workspace.envVars[APPROVAL_ENV] = approvalFile;
    let outcome: Outcome;
    try {
      const up = await o.ws.stack.up({ plan: planCopy, configFile: o.ws.configFile, onOutput: engineOutput(progress) });
      outcome = { result: "succeeded", digest: record.digest, recordTransaction: record.transactionHash, planCopyDigest, resourceChanges: up.summary.resourceChanges, finishedAt: new Date().toISOString() };
    } catch (err) {
      outcome = { result: "failed", digest: record.digest, recordTransaction: record.transactionHash, planCopyDigest, error: (err as Error).message.slice(-4000), finishedAt: new Date().toISOString() };
    } finally {
      delete workspace.envVars[APPROVAL_ENV];
    }
    writeJson(o.bundleDir, "outcome", outcome);
    return outcome;
  } finally {
    rmSync(privateDir, { recursive: true, force: true });
  }
}
