/**
 * `dsc status`'s pending bundles: the change bundles in a folder (`<state>/changes`) whose manifest is not recorded
 * on the chain yet and has not expired, each with its tier, who signed (by the signatures file) and what its tier's
 * rule still lacks. Counting only: `dsc verify` checks that each signature is valid.
 */
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { readManifestFile, readSignatures, type ManifestFile, type SignaturesFile } from "../gate/bundle";

export interface PendingBundle {
  dir: string;
  stack: string;
  tier: string;
  regions: string[];
  signed: string[];
  missing: string[];
}

export interface SignerGroups {
  dsps: Array<{ name: string; region: string; safe: string }>;
  board: string[];
  rules: Array<{ tier: string; dsps: number; board: number; regionDsp: boolean }>;
}

/** What one bundle has and lacks under its tier's rule (pure). */
export function pendingOf(dir: string, m: ManifestFile, sigs: SignaturesFile, g: SignerGroups): PendingBundle {
  const owners = new Set(sigs.signatures.map((s) => s.owner.toLowerCase()));
  const dsps = g.dsps.filter((d) => owners.has(d.safe.toLowerCase()));
  const board = g.board.filter((b) => owners.has(b.toLowerCase()));
  const rule = g.rules.find((r) => r.tier === m.manifest.tier);
  const missing: string[] = [];
  if (rule === undefined) missing.push(`no rule for tier ${m.manifest.tier}`);
  else {
    if (dsps.length < rule.dsps) missing.push(`${rule.dsps - dsps.length} more DSP${rule.dsps - dsps.length > 1 ? "s" : ""} (has ${dsps.length} of ${rule.dsps})`);
    if (board.length < rule.board) missing.push(`${rule.board - board.length} DAO Board signer${rule.board - board.length > 1 ? "s" : ""}`);
    if (rule.regionDsp) {
      for (const region of m.manifest.regions) {
        const d = g.dsps.find((x) => x.region === region);
        if (d !== undefined && !dsps.includes(d)) missing.push(`${region}'s DSP, ${d.name}`);
      }
    }
  }
  return {
    dir,
    stack: m.manifest.stack,
    tier: m.manifest.tier,
    regions: [...m.manifest.regions],
    signed: [...dsps.map((d) => d.name), ...board.map((b) => `Board ${b}`)],
    missing,
  };
}

/** The bundles under `changesDir` not recorded (digest not in `recorded`) and not expired at `nowSeconds`. */
export function pendingBundles(changesDir: string, recorded: ReadonlySet<string>, g: SignerGroups, nowSeconds: number): PendingBundle[] {
  if (!existsSync(changesDir)) return [];
  const out: PendingBundle[] = [];
  for (const name of readdirSync(changesDir).sort()) {
    const dir = path.join(changesDir, name);
    let m: ManifestFile;
    let sigs: SignaturesFile;
    try {
      m = readManifestFile(dir);
      sigs = readSignatures(dir);
    } catch {
      continue; // not a bundle (or a nothing-to-change preview)
    }
    if (recorded.has(m.digest.toLowerCase()) || Number(m.manifest.expiry) <= nowSeconds) continue;
    out.push(pendingOf(dir, m, sigs, g));
  }
  return out;
}

export function pendingText(list: readonly PendingBundle[]): string[] {
  if (list.length === 0) return ["  pending bundles: none"];
  return [
    "  pending bundles:",
    ...list.map((b) => `    ${path.basename(b.dir)}: ${b.stack} ${b.tier} (${b.regions.join(", ")}); signed by ${b.signed.join(", ") || "nobody yet"}; ${b.missing.length === 0 ? "enough signatures: dsc up" : `missing ${b.missing.join(", ")}`}`),
  ];
}
