/** TierRules against the real Safe v1.5.0 contracts: each tier's minimum, one fewer, and every bad signature set. */
import { EthSafeSignature, generatePreValidatedSignature, hashSafeMessage } from "@safe-global/protocol-kit";
import type { SafeSignature } from "@safe-global/types-kit";
import { AbiCoder, Contract, ZeroAddress, id } from "ethers";
import { ourArtifact, safeArtifact } from "../../governance/consortium/artifacts";
import { ApprovalRefusedError, recordApproval, signatureSet, signProposal, tierRules, verifyApproval } from "../../governance/consortium/approvals";
import { typedDataDigest, type OnChainManifest } from "../../governance/consortium/manifest";
import { REFUSALS, explainVerdict } from "../../governance/consortium/verdict";
import { deployFixture, KEYS, type Fixture, type OwnerName } from "./fixture";
import { ecdsaSignature, packInOrder, revertOf, safeMessageHashFor, toHighS } from "./signatures";

let f: Fixture;
let rules: Contract;
let snap: string;
beforeAll(async () => {
  f = await deployFixture();
  rules = tierRules(f.deployment.contracts.TierRules, f.wallet(KEYS.outsider));
});
beforeEach(async () => {
  snap = await f.snapshot();
});
afterEach(async () => {
  await f.revert(snap);
});

const CRITICAL_MIN: OwnerName[] = ["dsp1", "dsp2", "dsp3", "board1"];

async function verdictOf(m: OnChainManifest, signatures: string, proposal?: string) {
  const p = proposal ?? (await signProposal(KEYS.agents[0], f.typedData(m)));
  return (await verifyApproval(rules, m, p, signatures)).verdict;
}

/** Asserts the set is refused with `refusal` by the view, and that `record` reverts and records nothing. */
async function expectRefused(m: OnChainManifest, signatures: string, refusal: string, proposal?: string) {
  const p = proposal ?? (await signProposal(KEYS.agents[0], f.typedData(m)));
  const { digest, verdict } = await verifyApproval(rules, m, p, signatures);
  expect(verdict.refusal).toBe(refusal);
  expect(explainVerdict(verdict)).not.toMatch(/^approved/);
  const reverted = await revertOf(rules, rules.record(m, p, signatures));
  expect(reverted.name).toBe("ApprovalRefused");
  expect(REFUSALS[Number(reverted.args[0])]).toBe(refusal);
  expect(await rules.recordedAt(digest)).toBe(0n);
  return verdict;
}

describe("manifest digests and Safe messages", () => {
  test("TierRules, ethers and protocol-kit agree on the manifest digest and the SafeMessage hash", async () => {
    const m = f.manifest();
    const data = f.typedData(m);
    const digest = await rules.manifestDigest(m);
    expect(typedDataDigest(data)).toBe(digest);
    expect(hashSafeMessage(data)).toBe(digest);
    // Safe's own handler contract, asked directly: the hash it would compute for the Consortium Safe.
    const handler = new Contract(f.deployment.safeContracts.fallbackHandler, safeArtifact("fallbackHandler").abi, f.provider);
    const expected = await handler.getMessageHashForSafe(f.deployment.consortium, AbiCoder.defaultAbiCoder().encode(["bytes32"], [digest]));
    expect(await rules.safeMessageHash(digest)).toBe(expected);
    expect(safeMessageHashFor(f.deployment.consortium, f.deployment.chainId, digest)).toBe(expected);
  });

  test("a critical approval TierRules accepts is also a valid EIP-1271 signature of the Consortium Safe", async () => {
    const m = f.manifest();
    const { signatures } = await f.approve(m, CRITICAL_MIN);
    const handler = new Contract(f.deployment.consortium, safeArtifact("fallbackHandler").abi, f.provider);
    const digest = await rules.manifestDigest(m);
    expect(await handler.getFunction("isValidSignature(bytes32,bytes)").staticCall(digest, signatures)).toBe("0x1626ba7e");
  });
});

describe("each tier: the minimum is accepted, one fewer is refused", () => {
  test("critical: 3 DSPs + 1 Board signer is recorded once, with an event", async () => {
    const m = f.manifest({ tier: "critical" });
    const { proposal, signatures } = await f.approve(m, CRITICAL_MIN);
    expect((await verifyApproval(rules, m, proposal, signatures)).verdict.refusal).toBe("None");
    const receipt = await (await rules.record(m, proposal, signatures)).wait();
    const event = receipt.logs.map((l: never) => rules.interface.parseLog(l)).find((e: { name: string } | null) => e?.name === "ManifestRecorded");
    const digest = await rules.manifestDigest(m);
    expect(event.args.digest).toBe(digest);
    expect(event.args.proposer).toBe(f.wallet(KEYS.agents[0]).address);
    expect(await rules.recordedAt(digest)).toBeGreaterThan(0n);
    const again = await verdictOf(m, signatures, proposal);
    expect(again.refusal).toBe("AlreadyRecorded");
    expect((await revertOf(rules, rules.record(m, proposal, signatures))).name).toBe("ApprovalRefused");
  });

  test("critical: 3 DSPs without the Board are refused: Board group fell short", async () => {
    const m = f.manifest({ tier: "critical" });
    const v = await expectRefused(m, (await f.approve(m, ["dsp1", "dsp2", "dsp3"])).signatures, "BoardShortfall");
    expect([v.have, v.need]).toEqual([0, 1]);
    expect(explainVerdict(v)).toBe("DAO Board group fell short: 0 of the 1 Board signers required signed");
  });

  test("critical: 2 DSPs + 2 Board signers (the plain Safe's threshold 4) are refused, by TierRules and by the Brand's EIP-1271", async () => {
    const m = f.manifest({ tier: "critical" });
    const { signatures } = await f.approve(m, ["dsp1", "dsp2", "board1", "board2"]);
    const v = await expectRefused(m, signatures, "DspShortfall");
    expect([v.have, v.need]).toEqual([2, 3]);
    const digest = await rules.manifestDigest(m);
    // The Safe's own check (threshold 4, any owners) would accept this set; the Consortium's handler does not.
    const plain = new Contract(f.deployment.safeContracts.fallbackHandler, safeArtifact("fallbackHandler").abi, f.provider);
    await expect(f.consortiumSafe().getFunction("checkSignatures(address,bytes32,bytes)").staticCall(ZeroAddress, await plain.getMessageHashForSafe(f.deployment.consortium, AbiCoder.defaultAbiCoder().encode(["bytes32"], [digest])), signatures)).resolves.toEqual([]);
    const handler = new Contract(f.deployment.consortium, ourArtifact("ConsortiumFallbackHandler").abi, f.provider);
    const refused = await revertOf(handler, handler.isValidSignature.staticCall(digest, signatures));
    expect([refused.name, REFUSALS[Number(refused.args[0])]]).toEqual(["ApprovalRefused", "DspShortfall"]);
  });

  test("fleet: 2 of 3 DSPs are accepted; 1 is refused", async () => {
    const m = f.manifest({ tier: "fleet" });
    const { proposal, signatures } = await f.approve(m, ["dsp1", "dsp3"]);
    const recorded = await recordApproval(rules, m, proposal, signatures);
    expect(await rules.recordedAt(recorded.digest)).toBeGreaterThan(0n);
    const one = f.manifest({ tier: "fleet" });
    const oneSet = await f.approve(one, ["dsp2"]);
    const v = await expectRefused(one, oneSet.signatures, "DspShortfall");
    expect([v.have, v.need]).toEqual([1, 2]);
    const refused = recordApproval(rules, one, oneSet.proposal, oneSet.signatures);
    await expect(refused).rejects.toThrow(ApprovalRefusedError);
    await expect(refused).rejects.toThrow("approval refused (DspShortfall): DSP group fell short: 1 of the 2 DSP Safes required signed");
  });

  test("operational: alpha's DSP alone is accepted; no signer, or DSP-2 for alpha, is refused", async () => {
    const m = f.manifest({ tier: "operational", regions: ["alpha"], stack: "alpha" });
    const { proposal, signatures } = await f.approve(m, ["dsp1"]);
    expect((await verdictOf(m, signatures, proposal)).refusal).toBe("None");
    await (await rules.record(m, proposal, signatures)).wait();
    const none = f.manifest({ tier: "operational", regions: ["alpha"] });
    const v = await expectRefused(none, "0x", "RegionDspMissing");
    expect(v.signer).toBe(f.deployment.dsps[0].safe);
    const wrong = f.manifest({ tier: "operational", regions: ["alpha"] });
    const w = await expectRefused(wrong, (await f.approve(wrong, ["dsp2"])).signatures, "RegionDspMissing");
    expect(explainVerdict(w)).toContain("region alpha");
  });

  test("operational touching two regions is refused: it is at least fleet", async () => {
    const m = f.manifest({ tier: "operational", regions: ["alpha", "beta"] });
    await expectRefused(m, (await f.approve(m, ["dsp1", "dsp2"])).signatures, "RegionsNeedHigherTier");
  });

  test("emergency is not approvable by signatures (it is the Guardian's pause)", async () => {
    const m = f.manifest({ tier: "emergency" });
    await expectRefused(m, (await f.approve(m, ["dsp1"])).signatures, "TierNotApprovable");
  });

  test("an expired manifest is refused", async () => {
    const m = f.manifest({ tier: "fleet", expiry: (await f.now()) - 1 });
    await expectRefused(m, (await f.approve(m, ["dsp1", "dsp2"])).signatures, "Expired");
  });

  test("a proposal not signed by a current agent is refused", async () => {
    const m = f.manifest({ tier: "fleet" });
    const { signatures } = await f.approve(m, ["dsp1", "dsp2"]);
    await expectRefused(m, signatures, "ProposerNotAgent", await signProposal(KEYS.outsider, f.typedData(m)));
  });
});

describe("bad signature sets are refused with a reason and nothing is recorded", () => {
  let m: OnChainManifest;
  let sigs: SafeSignature[];
  let safeHash: string;
  beforeAll(async () => {
    m = f.manifest({ tier: "critical" });
    sigs = await f.sign(f.typedData(m), [...CRITICAL_MIN, "board2"]);
    safeHash = await rules.safeMessageHash(await rules.manifestDigest(m));
  });
  const sorted = (list: SafeSignature[]) => [...list].sort((a, b) => a.signer.toLowerCase().localeCompare(b.signer.toLowerCase()));
  const byOwner = (name: OwnerName) => {
    const o = f.owners[name];
    const address = o.kind === "safe" ? o.safe : f.wallet(o.key).address;
    return sigs.find((s) => s.signer.toLowerCase() === address.toLowerCase())!;
  };
  const minimum = () => CRITICAL_MIN.map(byOwner);
  const indexIn = (list: SafeSignature[], sig: SafeSignature) => sorted(list).indexOf(sig);

  test("unsorted", async () => {
    const list = sorted(minimum()).reverse();
    const v = await expectRefused(m, packInOrder(list), "NotSorted");
    expect(v.index).toBe(1);
  });

  test("a duplicated signer", async () => {
    const list = sorted([...minimum(), byOwner("board1")]);
    const v = await expectRefused(m, packInOrder(list), "DuplicateSigner");
    expect(v.signer).toBe(byOwner("board1").signer);
  });

  test("a signer that is not an owner", async () => {
    const outsider = ecdsaSignature(KEYS.outsider, safeHash);
    const list = [...minimum(), outsider];
    const v = await expectRefused(m, signatureSet(list), "UnknownSigner");
    expect(v.signer).toBe(outsider.signer);
    expect(v.index).toBe(indexIn(list, outsider));
  });

  const forged = async (safe: string, chainId: number, digest: string) => {
    const board1 = ecdsaSignature(KEYS.board[0], safeMessageHashFor(safe, chainId, digest));
    const list = [...["dsp1", "dsp2", "dsp3"].map((n) => byOwner(n as OwnerName)), board1];
    const v = await expectRefused(m, signatureSet(list), "UnknownSigner");
    expect(v.index).toBe(indexIn(list, board1));
    expect(v.signer).not.toBe(board1.signer);
  };
  test("a signature for another chain id", async () => forged(f.deployment.consortium, 1, await rules.manifestDigest(m)));
  test("a signature for another Safe", async () => forged(f.deployment.dsps[1].safe, f.deployment.chainId, await rules.manifestDigest(m)));
  test("a signature for another manifest digest (EOA)", async () => forged(f.deployment.consortium, f.deployment.chainId, id("other")));

  test("a nested Safe signature for another manifest digest", async () => {
    const other = f.manifest({ tier: "critical" });
    const [dsp2Other] = await f.sign(f.typedData(other), ["dsp2"]);
    const list = [byOwner("dsp1"), dsp2Other, byOwner("dsp3"), byOwner("board1")];
    const v = await expectRefused(m, signatureSet(list), "ContractSignatureInvalid");
    expect(v.signer).toBe(f.deployment.dsps[1].safe);
  });

  test("a truncated or malformed blob", async () => {
    const good = signatureSet(minimum());
    await expectRefused(m, good.slice(0, -20), "Malformed");
    await expectRefused(m, good + "00", "Malformed");
    const badV = packInOrder([ecdsaSignature(KEYS.board[0], safeHash)]).slice(0, -2) + "05";
    await expectRefused(m, badV, "Malformed");
    // A contract signature whose data offset points past the end of the blob.
    const dsp = byOwner("dsp2");
    const pastEnd = "0x" + dsp.signer.slice(2).toLowerCase().padStart(64, "0") + (4096).toString(16).padStart(64, "0") + "00";
    await expectRefused(m, pastEnd, "Malformed");
  });

  test("a high-s ECDSA signature, which the Safe itself would accept", async () => {
    const high = toHighS(byOwner("board1"));
    const list = [byOwner("dsp1"), byOwner("dsp2"), byOwner("dsp3"), high];
    const signatures = signatureSet(list);
    const v = await expectRefused(m, signatures, "HighS");
    expect(v.index).toBe(indexIn(list, high));
    const safe = f.consortiumSafe();
    await expect(safe.getFunction("checkNSignatures(address,bytes32,bytes,uint256)").staticCall(f.wallet(KEYS.outsider).address, safeHash, signatures, 4)).resolves.toEqual([]);
  });

  test("a nested Safe signature below its inner threshold (DSP-1 is 2-of-2, one owner signed)", async () => {
    const oneOwner = { kind: "safe" as const, safe: f.deployment.dsps[0].safe, keys: [KEYS.dsp1[0]] };
    const partial = await f.signer.signMessage(oneOwner, f.typedData(m));
    const list = [partial, byOwner("dsp2"), byOwner("dsp3"), byOwner("board1")];
    const v = await expectRefused(m, signatureSet(list), "ContractSignatureInvalid");
    expect(v.signer).toBe(f.deployment.dsps[0].safe);
    expect(explainVerdict(v)).toContain("threshold");
  });

  test("an approved-hash signature counts only once the owner approved the hash on-chain (Safe semantics)", async () => {
    const board1 = f.wallet(KEYS.board[0]);
    const approved = new EthSafeSignature(board1.address, generatePreValidatedSignature(board1.address).data);
    const list = [byOwner("dsp1"), byOwner("dsp2"), byOwner("dsp3"), approved];
    const v = await expectRefused(m, signatureSet(list), "SafeRejected");
    expect(v.index).toBe(4);
    await (await (f.consortiumSafe(board1) as Contract).approveHash(safeHash)).wait();
    const { proposal } = await f.approve(m, []);
    expect((await verdictOf(m, signatureSet(list), proposal)).refusal).toBe("None");
  });

  test("extra valid signers beyond the rule are verified and accepted", async () => {
    const { proposal } = await f.approve(m, []);
    expect((await verdictOf(m, signatureSet([...sigs]), proposal)).refusal).toBe("None");
  });
});

test("every refusal has an explanation", () => {
  for (const refusal of REFUSALS) {
    expect(explainVerdict({ refusal, index: 1, signer: "0x0000000000000000000000000000000000000001", have: 1, need: 2 }).length).toBeGreaterThan(10);
  }
});
