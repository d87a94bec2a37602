import { approvalMismatches, requireGateApproval, APPROVAL_ENV, type ApprovalHandoff, type ProgramFacts } from "./approval";

const handoff: ApprovalHandoff = {
  rpcUrl: "http://127.0.0.1:8545",
  planFile: "/tmp/plan.json",
  manifest: {
    manifest: { project: "dsc-federation", stack: "alpha", planDigest: "0x" + "11".repeat(32), sourceCommit: "a".repeat(40), lockfileDigest: "0x" + "22".repeat(32), configDigest: "0x" + "33".repeat(32), tier: "operational", regions: ["alpha"], expiry: 2_000_000_000, nonce: "1" },
    chainId: 31337,
    tierRules: "0x" + "44".repeat(20),
    consortium: "0x" + "55".repeat(20),
    digest: "0x" + "66".repeat(32),
    safeMessageHash: "0x" + "77".repeat(32),
    tierTableDigest: "0x" + "88".repeat(32),
  },
};
const facts: ProgramFacts = { stack: "alpha", project: "dsc-federation", head: "a".repeat(40), lockfileDigest: "0x" + "22".repeat(32), configDigest: "0x" + "33".repeat(32), chain: { rpcUrl: "http://127.0.0.1:8545", tierRulesAddress: "0x" + "44".repeat(20) } };
const plan = "0x" + "11".repeat(32);

test("an approval that fits this stack, commit, lockfile, config, plan and chain has no mismatch", () => {
  expect(approvalMismatches(handoff, facts, plan)).toEqual([]);
});

test("each difference is named", () => {
  expect(approvalMismatches(handoff, { ...facts, stack: "beta" }, plan)).toEqual(["the approval is for stack alpha, this is beta"]);
  expect(approvalMismatches(handoff, { ...facts, head: "b".repeat(40) }, plan)[0]).toMatch(/for commit a{40}, the checkout is at b{40}/);
  expect(approvalMismatches(handoff, { ...facts, lockfileDigest: "0x00" }, plan)).toEqual(["the approval was made with another package-lock.json"]);
  expect(approvalMismatches(handoff, { ...facts, configDigest: "0x00" }, plan)).toEqual(["the approval was made with another stack config"]);
  expect(approvalMismatches(handoff, facts, "0x00")).toEqual(["the plan being applied is not the approved plan"]);
  expect(approvalMismatches(handoff, { ...facts, chain: { rpcUrl: "http://evil:8545" } }, plan)[0]).toMatch(/checked at http:\/\/127.0.0.1:8545, the stack's chain is http:\/\/evil:8545/);
  expect(approvalMismatches(handoff, { ...facts, chain: { tierRulesAddress: "0x" + "99".repeat(20) } }, plan)[0]).toMatch(/names TierRules/);
});

test("outside a preview, no approval file means a refusal that says to use dsc up", async () => {
  // Not under the engine: pulumi.runtime.isDryRun() is false, as in a real update.
  const saved = process.env[APPROVAL_ENV];
  delete process.env[APPROVAL_ENV];
  try {
    await expect(requireGateApproval()).rejects.toThrow(/plain 'pulumi up' is refused: no gate approval \(DSC_APPROVAL_FILE is not set\); apply changes with 'dsc up/);
    process.env[APPROVAL_ENV] = "/nonexistent/approval.json";
    await expect(requireGateApproval()).rejects.toThrow(/the approval \/nonexistent\/approval.json cannot be read/);
  } finally {
    if (saved === undefined) delete process.env[APPROVAL_ENV];
    else process.env[APPROVAL_ENV] = saved;
  }
});
