/**
 * Refusals in words a signer acts on. Pure: the facts (manifest, what is on disk now, the chain's verdict and
 * groups) are gathered by the caller; this only compares and words them. Every reason is listed, not the first.
 */
import { explainVerdict, type Verdict } from "../consortium/verdict";
import { REGIONS } from "../consortium/manifest";
import { claimShortfalls, type Classification } from "./classify";
import type { ManifestFile } from "./bundle";

/** What the gate found at the moment of use. */
export interface UseFacts {
  stack: string;
  project: string;
  planDigest: string;
  head: string;
  dirty: string[];
  lockfileDigest: string;
  configDigest: string;
  /** The digests the manifest file must carry for its own fields (recomputed). */
  hashes: { digest: string; safeMessageHash: string };
  deployment: { chainId: number; tierRules: string; consortium: string };
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Reasons that need no chain: the bundle against the checkout, the stack and the plan's own classification. */
export function localReasons(m: ManifestFile, f: UseFacts, needed: Classification): string[] {
  const r: string[] = [];
  const mf = m.manifest;
  if (mf.stack !== f.stack) r.push(`this bundle is for stack ${mf.stack}, not ${f.stack}: use the bundle made for ${f.stack}`);
  if (mf.project !== f.project) r.push(`this bundle is for project ${mf.project}, not ${f.project}`);
  if (m.digest !== f.hashes.digest || m.safeMessageHash !== f.hashes.safeMessageHash) {
    r.push("manifest.json was edited after it was made: its digest does not match its fields; make the change again with 'dsc change'");
  }
  if (mf.planDigest !== f.planDigest) {
    r.push(`plan.json is not the plan that was signed (its digest is ${f.planDigest}, the manifest says ${mf.planDigest}): a plan file must not change by a single byte, whitespace included; make the change again`);
  }
  if (mf.sourceCommit !== f.head) r.push(`the checkout is at commit ${f.head}, the manifest was made at ${mf.sourceCommit}: check out ${mf.sourceCommit} or make the change again`);
  if (f.dirty.length > 0 && f.stack !== "local") {
    r.push(`the checkout has uncommitted changes (${f.dirty.slice(0, 5).join(", ")}${f.dirty.length > 5 ? ", …" : ""}): the gate applies only committed source to stack ${f.stack}`);
  }
  if (mf.lockfileDigest !== f.lockfileDigest) r.push("package-lock.json differs from the one the manifest was made with: restore it or make the change again");
  if (mf.configDigest !== f.configDigest) r.push(`the config of stack ${f.stack} differs from the one the manifest was made with: restore it or make the change again`);
  if (m.chainId !== f.deployment.chainId || !same(m.tierRules, f.deployment.tierRules) || !same(m.consortium, f.deployment.consortium)) {
    r.push(`the bundle is for the consortium on chain ${m.chainId} (TierRules ${m.tierRules}), the deployment file names chain ${f.deployment.chainId} (TierRules ${f.deployment.tierRules})`);
  }
  r.push(...claimShortfalls(mf, needed));
  return r;
}

/** The chain's facts a verdict is worded with. */
export interface GroupFacts {
  tier: string;
  regions: readonly string[];
  rule: { dsps: number; board: number; regionDsp: boolean };
  dsps: { name: string; region: string; safe: string }[];
  board: string[];
  /** Owners whose complete signatures are in the set. */
  signers: string[];
  /** DSP Safes whose own owners have not all signed yet (already worded). */
  incomplete: string[];
}

/** One refusal sentence for a TierRules verdict, naming who has not signed. */
export function explainChainVerdict(v: Verdict, g: GroupFacts): string {
  const signed = (a: string) => g.signers.some((s) => same(s, a));
  const dspName = (d: { name: string; safe: string }) => `${d.name} (${d.safe})`;
  const pending = g.incomplete.length > 0 ? `; ${g.incomplete.join("; ")}` : "";
  switch (v.refusal) {
    case "DspShortfall": {
      const missing = g.dsps.filter((d) => !signed(d.safe)).map(dspName);
      return `${g.tier} needs ${v.need} of ${g.dsps.length} DSPs, has ${v.have}: ${missing.join(", ")} ${missing.length === 1 ? "has" : "have"} not signed${pending}`;
    }
    case "BoardShortfall": {
      const missing = g.board.filter((b) => !signed(b));
      return `${g.tier} needs ${v.need} of ${g.board.length} DAO Board signers, has ${v.have}: ${missing.join(", ")} ${missing.length === 1 ? "has" : "have"} not signed${pending}`;
    }
    case "RegionDspMissing": {
      const region = REGIONS[v.index] ?? String(v.index);
      const dsp = g.dsps.find((d) => d.region === region);
      return `${g.tier} in ${region} needs the signature of ${region}'s DSP, ${dsp ? dspName(dsp) : v.signer}, which has not signed${pending}`;
    }
    default:
      return explainVerdict(v) + pending;
  }
}
