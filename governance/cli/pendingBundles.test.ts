import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ManifestFile, SignaturesFile } from "../gate/bundle";
import { pendingBundles, pendingOf, pendingText, type SignerGroups } from "./pendingBundles";

const a = (n: number) => `0x${String(n).padStart(40, "0")}`;
const groups: SignerGroups = {
  dsps: [
    { name: "DSP-1", region: "alpha", safe: a(1) },
    { name: "DSP-2", region: "beta", safe: a(2) },
    { name: "DSP-3", region: "gamma", safe: a(3) },
  ],
  board: [a(9), a(10)],
  rules: [
    { tier: "critical", dsps: 3, board: 1, regionDsp: false },
    { tier: "fleet", dsps: 2, board: 0, regionDsp: false },
    { tier: "operational", dsps: 0, board: 0, regionDsp: true },
  ],
};
const digest = (n: number) => `0x${String(n).padStart(64, "0")}`;
const manifest = (tier: string, regions: string[], n = 1, expiry = 2_000_000_000) =>
  ({ manifest: { stack: "local", tier, regions, expiry, nonce: "1" }, digest: digest(n) }) as unknown as ManifestFile;
const sigs = (...owners: string[]): SignaturesFile => ({ version: 1, signatures: owners.map((owner) => ({ owner, kind: "safe" as const, parts: [] })) });

test("an operational change in beta lacks beta's DSP until DSP-2 signs", () => {
  expect(pendingOf("d", manifest("operational", ["beta"]), sigs(), groups).missing).toEqual(["beta's DSP, DSP-2"]);
  expect(pendingOf("d", manifest("operational", ["beta"]), sigs(a(1)), groups)).toMatchObject({ signed: ["DSP-1"], missing: ["beta's DSP, DSP-2"] });
  expect(pendingOf("d", manifest("operational", ["beta"]), sigs(a(2)), groups).missing).toEqual([]);
});

test("fleet counts DSPs; critical also needs the Board", () => {
  expect(pendingOf("d", manifest("fleet", ["alpha", "beta", "gamma"]), sigs(a(2)), groups).missing).toEqual(["1 more DSP (has 1 of 2)"]);
  const critical = pendingOf("d", manifest("critical", ["alpha"]), sigs(a(1), a(2), a(3)), groups);
  expect(critical.missing).toEqual(["1 DAO Board signer"]);
  expect(pendingOf("d", manifest("critical", ["alpha"]), sigs(a(1), a(2), a(3), a(10)), groups).signed).toEqual(["DSP-1", "DSP-2", "DSP-3", `Board ${a(10)}`]);
});

test("pending: only bundles neither recorded nor expired; text says what is missing", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "dsc-pending-"));
  try {
    const write = (name: string, m: ManifestFile, s: SignaturesFile) => {
      mkdirSync(path.join(dir, name));
      writeFileSync(path.join(dir, name, "manifest.json"), JSON.stringify(m));
      writeFileSync(path.join(dir, name, "signatures.json"), JSON.stringify(s));
    };
    // readManifestFile validates the full schema: these minimal files are skipped as "not a bundle"
    write("broken", manifest("fleet", ["alpha"], 2), sigs());
    mkdirSync(path.join(dir, "empty"));
    expect(pendingBundles(dir, new Set(), groups, 1_000)).toEqual([]);
    expect(pendingBundles(path.join(dir, "none"), new Set(), groups, 1_000)).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  expect(pendingText([])).toEqual(["  pending bundles: none"]);
  expect(pendingText([pendingOf("/x/local-1", manifest("operational", ["beta"]), sigs(), groups)])[1]).toBe(
    "    local-1: local operational (beta); signed by nobody yet; missing beta's DSP, DSP-2",
  );
});
