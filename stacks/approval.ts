/**
 * The program's own refusal of an update the gate did not approve (interface I4). In a real update (not a
 * preview) of any stack, before anything is registered, the program requires the approval `dsc up` hands it
 * in DSC_APPROVAL_FILE, and checks it itself: this stack and project, the checkout's commit, the lockfile, the
 * config the engine passed, the plan file being applied, and a record of the manifest digest on-chain in
 * TierRules (the chain of the stack's own dsc:chain settings). So a plain `pulumi up` cannot slip past the gate.
 * `pulumi preview` is unchanged.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Interface, ZeroHash, keccak256 } from "ethers";
import { configDigest, lockfileDigest } from "../governance/gate/digests";
import { manifestTypedData, toOnChainManifest, typedDataDigest } from "../governance/consortium/manifest";
import type { ManifestFile } from "../governance/gate/bundle";

/** The environment variable `dsc up` sets to the approval file's path. */
export const APPROVAL_ENV = "DSC_APPROVAL_FILE";

/** What `dsc up` hands the program: the recorded manifest, the plan copy it applies, the chain to check. */
export interface ApprovalHandoff {
  manifest: ManifestFile;
  planFile: string;
  rpcUrl: string;
}

/** The facts the program sees itself, against which an approval is checked. */
export interface ProgramFacts {
  stack: string;
  project: string;
  head: string;
  lockfileDigest: string;
  configDigest: string;
  /** dsc:chain from the stack config, when set. */
  chain?: { rpcUrl?: string; tierRulesAddress?: string };
}

const USE_GATE = "apply changes with 'dsc up <bundle> --stack <stack>' after 'dsc change' and the owners' signatures (governance/README.md)";

/** Why an approval does not fit what the program sees (pure; empty when it fits). */
export function approvalMismatches(h: ApprovalHandoff, f: ProgramFacts, planDigest: string): string[] {
  const m = h.manifest.manifest;
  const r: string[] = [];
  if (m.stack !== f.stack) r.push(`the approval is for stack ${m.stack}, this is ${f.stack}`);
  if (m.project !== f.project) r.push(`the approval is for project ${m.project}, this is ${f.project}`);
  if (m.sourceCommit !== f.head) r.push(`the approval is for commit ${m.sourceCommit}, the checkout is at ${f.head}`);
  if (m.lockfileDigest !== f.lockfileDigest) r.push("the approval was made with another package-lock.json");
  if (m.configDigest !== f.configDigest) r.push("the approval was made with another stack config");
  if (m.planDigest !== planDigest) r.push("the plan being applied is not the approved plan");
  if (f.chain?.rpcUrl !== undefined && f.chain.rpcUrl !== h.rpcUrl) r.push(`the approval is checked at ${h.rpcUrl}, the stack's chain is ${f.chain.rpcUrl}`);
  if (f.chain?.tierRulesAddress !== undefined && f.chain.tierRulesAddress.toLowerCase() !== h.manifest.tierRules.toLowerCase()) {
    r.push(`the approval names TierRules ${h.manifest.tierRules}, the stack's is ${f.chain.tierRulesAddress}`);
  }
  return r;
}

async function rpc(url: string, method: string, params: unknown[]): Promise<string> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as { result?: string; error?: { message: string } };
  if (body.result === undefined) throw new Error(body.error?.message ?? `HTTP ${res.status}`);
  return body.result;
}

/** Whether TierRules at the manifest's address on the chain at `rpcUrl` has recorded the manifest's digest. */
export async function isRecorded(h: ApprovalHandoff): Promise<boolean> {
  const m = h.manifest;
  const chainId = Number(await rpc(h.rpcUrl, "eth_chainId", []));
  if (chainId !== m.chainId) throw new Error(`the chain at ${h.rpcUrl} is chain ${chainId}, the approval is for chain ${m.chainId}`);
  const digest = typedDataDigest(manifestTypedData(toOnChainManifest({ ...m.manifest, nonce: BigInt(m.manifest.nonce) }), { chainId: m.chainId, tierRules: m.tierRules }));
  const iface = new Interface(["function recordedAt(bytes32) view returns (uint256)"]);
  const result = await rpc(h.rpcUrl, "eth_call", [{ to: m.tierRules, data: iface.encodeFunctionData("recordedAt", [digest]) }, "latest"]);
  return result !== "0x" && result !== ZeroHash;
}

function programFacts(root: string): ProgramFacts {
  const all = pulumi.runtime.allConfig();
  const chainJson = all[`dsc:chain`];
  let chain: ProgramFacts["chain"];
  try {
    chain = chainJson ? (JSON.parse(chainJson) as ProgramFacts["chain"]) : undefined;
  } catch {
    chain = undefined;
  }
  return {
    stack: pulumi.getStack(),
    project: pulumi.getProject(),
    head: execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, encoding: "utf8" }).trim(),
    lockfileDigest: lockfileDigest(root),
    configDigest: configDigest(all),
    chain,
  };
}

/** Throws, before the program registers anything, unless this real update carries a recorded gate approval. */
export async function requireGateApproval(root = path.resolve(__dirname, "..")): Promise<void> {
  if (pulumi.runtime.isDryRun()) return;
  const file = process.env[APPROVAL_ENV];
  const refuse = (why: string) => new Error(`plain 'pulumi up' is refused: ${why}; ${USE_GATE}`);
  if (!file) throw refuse(`no gate approval (${APPROVAL_ENV} is not set)`);
  let handoff: ApprovalHandoff;
  let planDigest: string;
  try {
    handoff = JSON.parse(readFileSync(file, "utf8")) as ApprovalHandoff;
    planDigest = keccak256(readFileSync(handoff.planFile));
  } catch (err) {
    throw refuse(`the approval ${file} cannot be read (${(err as Error).message})`);
  }
  const problems = approvalMismatches(handoff, programFacts(root), planDigest);
  if (problems.length > 0) throw refuse(problems.join("; "));
  let recorded: boolean;
  try {
    recorded = await isRecorded(handoff);
  } catch (err) {
    throw refuse(`the approval's record cannot be checked on-chain (${(err as Error).message})`);
  }
  if (!recorded) throw refuse(`manifest ${handoff.manifest.digest} is not recorded in TierRules ${handoff.manifest.tierRules}`);
}
