/** Issue 15: each way one rogue member tried to take the consortium, now failing to do harm, plus the honest paths. */
import { Contract, Interface, ZeroAddress, ZeroHash, id } from "ethers";
import { OperationType, type MetaTransactionData } from "@safe-global/types-kit";
import { ourArtifact, safeArtifact, type ContractName } from "../../governance/consortium/artifacts";
import { signatureSet, signProposal, tierRules, verifyApproval } from "../../governance/consortium/approvals";
import { announcementCall, announcementDigest, executeModuleCall, isAnnouncedByBrand, isValidBrandSignature, pause } from "../../governance/consortium/operations";
import { approvalNonce, moduleCallTypedData } from "../../governance/consortium/calls";
import { typedDataDigest } from "../../governance/consortium/manifest";
import type { EIP712TypedData } from "@safe-global/types-kit";
import { REFUSALS } from "../../governance/consortium/verdict";
import { deployFixture, KEYS, type Fixture, type OwnerName } from "./fixture";
import { revertOf } from "./signatures";

let f: Fixture;
let rules: Contract;
let tierModule: Contract;
let snap: string;
beforeAll(async () => {
  f = await deployFixture();
  rules = tierRules(f.deployment.contracts.TierRules, f.wallet(KEYS.outsider));
  tierModule = f.contract("TierModule", f.wallet(KEYS.outsider));
});
beforeEach(async () => {
  snap = await f.snapshot();
});
afterEach(async () => {
  await f.revert(snap);
});

const CRITICAL: OwnerName[] = ["dsp1", "dsp2", "dsp3", "board1"];
const encode = (name: ContractName, fn: string, args: unknown[]) => new Interface(ourArtifact(name).abi).encodeFunctionData(fn, args);
const call = (to: string, data: string): MetaTransactionData => ({ to, value: "0", data, operation: OperationType.Call });
const safeCall = (fn: string, args: unknown[]) => call(f.deployment.consortium, new Interface(safeArtifact("safeSingleton").abi).encodeFunctionData(fn, args));
const prevOwner = async (owner: string) => {
  const owners = (await f.consortiumSafe().getOwners()) as string[];
  return owners[owners.indexOf(owner) - 1] ?? "0x0000000000000000000000000000000000000001";
};

describe("approvals of different tiers and regions cannot void each other", () => {
  const both = async () => {
    const post = encode("Announcements", "post", [id("news"), "ipfs://news"]);
    const fleet = await f.approveModuleCall(f.deployment.contracts.Announcements, post, ["dsp1", "dsp2"]);
    const config = encode("RegionRegistry", "setRegionConfig", [2, ZeroHash, id("gamma-1")]);
    const operational = await f.approveModuleCall(f.deployment.contracts.RegionRegistry, config, ["dsp3"]);
    return { fleet, operational };
  };
  const run = (a: { call: Parameters<typeof executeModuleCall>[2]; signatures: string }) => executeModuleCall(f.deployment, f.wallet(KEYS.outsider), a.call, a.signatures);

  test("DSP-3's operational call first, then DSP-1 + DSP-2's fleet approval signed earlier: both execute", async () => {
    const { fleet, operational } = await both();
    await run(operational);
    await run(fleet);
    expect(await f.contract("RegionRegistry").configDigest(2)).toBe(id("gamma-1"));
    expect((await f.contract("Announcements").announcement(id("news")))[0]).toBe(true);
  });

  test("the other order works as well", async () => {
    const { fleet, operational } = await both();
    await run(fleet);
    await run(operational);
    expect(await f.contract("RegionRegistry").configDigest(2)).toBe(id("gamma-1"));
  });

  test("where order matters (one region's config), a change built on an older config fails instead of undoing a newer one", async () => {
    const first = await f.approveModuleCall(f.deployment.contracts.RegionRegistry, encode("RegionRegistry", "setRegionConfig", [0, ZeroHash, id("a1")]), ["dsp1"]);
    const second = await f.approveModuleCall(f.deployment.contracts.RegionRegistry, encode("RegionRegistry", "setRegionConfig", [0, id("a1"), id("a2")]), ["dsp1"]);
    const registry = f.contract("RegionRegistry");
    const outOfOrder = await revertOf(tierModule, run(second));
    expect(outOfOrder).toEqual({ name: "ExecutionFailed", args: [f.deployment.contracts.RegionRegistry] });
    await run(first);
    await run(second);
    expect(await registry.configDigest(0)).toBe(id("a2"));
    const stale = await registry.getFunction("setRegionConfig").staticCall(0, id("a1"), id("a3"), { from: f.deployment.consortium }).catch((e: { data: string }) => registry.interface.parseError(e.data)!);
    expect([stale.name, ...stale.args]).toEqual(["StaleRegionConfig", 0n, id("a2"), id("a1")]);
  });
});

describe("no path around the invariants", () => {
  test("no governance contract can be classified below critical (TierRules.replaceDsp, Guardian, agents, guard, handler, modules)", async () => {
    const c = f.deployment.contracts;
    const targets: [string, string][] = [
      [c.TierRules, encode("TierRules", "replaceDsp", [2, ZeroAddress]).slice(0, 10)],
      [c.Guardian, encode("Guardian", "unpause", []).slice(0, 10)],
      [c.AgentRegistry, encode("AgentRegistry", "mint", [ZeroAddress, ZeroAddress]).slice(0, 10)],
      [c.ConsortiumGuard, encode("ConsortiumGuard", "setDelegateCallAllowed", [ZeroAddress, true]).slice(0, 10)],
      [c.ConsortiumFallbackHandler, "0x1626ba7e"],
      [c.BoardRotationModule, encode("BoardRotationModule", "confirmSeat", []).slice(0, 10)],
      [c.TierModule, encode("TierModule", "classify", [{ target: ZeroAddress, selector: "0x00000000", tier: 0, regionArg: false }]).slice(0, 10)],
    ];
    for (const [target, selector] of targets) {
      const classify = encode("TierModule", "classify", [{ target, selector, tier: 1, regionArg: false }]);
      const refused = await revertOf(tierModule, f.execSafeTx([call(c.TierModule, classify)], CRITICAL));
      expect(refused).toEqual({ name: "InvalidClassification", args: [target, selector] });
    }
  });

  test("a target that becomes governance later (here: enabled as a module) is refused at execution, though classified", async () => {
    await f.execSafeTx([safeCall("enableModule", [f.deployment.contracts.Announcements])], CRITICAL);
    const post = encode("Announcements", "post", [id("x"), "ipfs://x"]);
    expect(await revertOf(tierModule, f.execModuleCall(f.deployment.contracts.Announcements, post, ["dsp1", "dsp2"]))).toEqual({ name: "TargetForbidden", args: [f.deployment.contracts.Announcements] });
  });

  test("a transaction that leaves an owner outside the groups is refused (the owners are exactly the groups)", async () => {
    const refused = await revertOf(rules, f.execSafeTx([safeCall("addOwnerWithThreshold", [f.wallet(KEYS.outsider).address, 4])], CRITICAL));
    expect(refused).toEqual({ name: "OwnerNotGroupMember", args: [6n, 5n] });
  });

  test("checkApproval refuses tiers without a signature rule, even for an empty set", async () => {
    const refusalOf = async (tier: number, regions: number) => REFUSALS[Number((await rules.checkApproval(ZeroAddress, id("h"), "0x", tier, regions)).refusal)];
    expect(await refusalOf(3, 7)).toBe("TierNotApprovable"); // emergency
    expect(await refusalOf(5, 0)).toBe("RegionsInvalid"); // veto over no region
    expect(await refusalOf(2, 0)).toBe("RegionsInvalid"); // operational over no region
  });
});

describe("the Brand's EIP-1271 signature follows the rules", () => {
  test("a critical set is the Brand's signature; 2 DSPs + 2 Board, or a fleet, are not", async () => {
    // An off-chain order in some exchange's EIP-712 domain, as a third party would ask the Brand to sign it.
    const order: EIP712TypedData = {
      domain: { name: "Some Exchange", version: "1", chainId: f.deployment.chainId, verifyingContract: f.wallet(KEYS.outsider).address },
      types: { Order: [{ name: "amount", type: "uint256" }] },
      primaryType: "Order",
      message: { amount: "1000000" },
    };
    const hash = typedDataDigest(order);
    const sign = async (who: OwnerName[]) => signatureSet(await f.sign(order, who));
    expect(await isValidBrandSignature(f.deployment, f.provider, hash, await sign(CRITICAL))).toBe(true);
    expect(await isValidBrandSignature(f.deployment, f.provider, hash, await sign(["dsp1", "dsp2", "board1", "board2"]))).toBe(false);
    expect(await isValidBrandSignature(f.deployment, f.provider, hash, await sign(["dsp1", "dsp2"]))).toBe(false);
    expect(await isValidBrandSignature(f.deployment, f.provider, hash, "0x")).toBe(false);
  });

  test("an announcement posted at fleet is verifiable by any EIP-1271 client, by its digest only", async () => {
    const content = id("DSC federation: beta upgraded");
    expect(await isAnnouncedByBrand(f.deployment, f.provider, content)).toBe(false);
    const post = announcementCall(f.deployment, content, "ipfs://bafy", approvalNonce(), BigInt((await f.now()) + 3600));
    const signatures = signatureSet(await f.sign(moduleCallTypedData(post, f.deployment.chainId, f.deployment.contracts.TierModule), ["dsp1", "dsp3"]));
    await executeModuleCall(f.deployment, f.wallet(KEYS.outsider), post, signatures);
    expect(await isAnnouncedByBrand(f.deployment, f.provider, content)).toBe(true);
    expect(await f.contract("Announcements").announcementDigest(content)).toBe(announcementDigest(f.deployment, content));
    // The raw content hash (which a fleet could choose to be a permit's hash) is not the Brand's signature.
    expect(await isValidBrandSignature(f.deployment, f.provider, content, "0x")).toBe(false);
  });

  test("a message signed on-chain with SignMessageLib (a critical delegatecall) is valid with an empty signature", async () => {
    const hash = id("terms of service v2");
    const lib = new Interface(safeArtifact("signMessageLib").abi);
    const tx = { to: f.deployment.safeContracts.signMessageLib, value: "0", data: lib.encodeFunctionData("signMessage", [hash]), operation: OperationType.DelegateCall };
    await f.execSafeTx([tx], CRITICAL);
    expect(await isValidBrandSignature(f.deployment, f.provider, hash, "0x")).toBe(true);
  });

  test("the handler answers only for the Consortium Safe", async () => {
    const handler = f.contract("ConsortiumFallbackHandler");
    expect((await revertOf(handler, handler.isValidSignature(id("x"), "0x"))).name).toBe("NotConsortium");
  });
});

describe("agents follow their DSP", () => {
  test("a DSP revoked by a direct critical batch that does not burn its token: its agent can no longer propose or pause", async () => {
    const dsp2 = f.deployment.dsps[1].safe;
    const dsp4 = (f.owners.dsp4 as { safe: string }).safe;
    await f.execSafeTx(
      [
        safeCall("swapOwner", [await prevOwner(dsp2), dsp2, dsp4]),
        call(f.deployment.contracts.TierRules, encode("TierRules", "replaceDsp", [1, dsp4])),
        call(f.deployment.contracts.AgentRegistry, encode("AgentRegistry", "mint", [f.wallet(KEYS.agent4).address, dsp4])),
      ],
      CRITICAL,
    );
    const oldAgent = KEYS.agents[1];
    expect(await f.contract("AgentRegistry").isAgent(f.wallet(oldAgent).address)).toBe(true); // token still there...
    expect(await rules.isCurrentAgent(f.wallet(oldAgent).address)).toBe(false); // ...but no power
    const guardian = f.contract("Guardian");
    expect((await revertOf(guardian, pause(f.deployment, f.wallet(oldAgent), "still here"))).name).toBe("NotAnAgent");
    const m = f.manifest({ tier: "operational", regions: ["alpha"] });
    const sigs = signatureSet(await f.sign(f.typedData(m), ["dsp1"]));
    const v = (await verifyApproval(rules, m, await signProposal(oldAgent, f.typedData(m)), sigs)).verdict;
    expect([v.refusal, v.signer]).toEqual(["ProposerDspRevoked", dsp2]);
    expect((await verifyApproval(rules, m, await signProposal(KEYS.agent4, f.typedData(m)), sigs)).verdict.refusal).toBe("None");
  });

  test("pause cooldown: after a critical unpause the pausing DSP waits; another agent still stops a real breach at once", async () => {
    const guardian = f.contract("Guardian");
    const unpause = () => f.execSafeTx([call(f.deployment.contracts.Guardian, encode("Guardian", "unpause", []))], CRITICAL);
    await pause(f.deployment, f.wallet(KEYS.agents[1]), "griefing");
    const receipt = await unpause();
    const cooldown = receipt.logs.map((l) => { try { return guardian.interface.parseLog(l); } catch { return null; } }).find((e) => e?.name === "PauseCooldown")!;
    expect(cooldown.args.dsp).toBe(f.deployment.dsps[1].safe);
    const again = await revertOf(guardian, pause(f.deployment, f.wallet(KEYS.agents[1]), "griefing again"));
    expect(again).toEqual({ name: "InCooldown", args: [f.deployment.dsps[1].safe, cooldown.args.until] });
    await pause(f.deployment, f.wallet(KEYS.agents[0]), "real breach in alpha");
    expect(await guardian.paused()).toBe(true);
    expect(await guardian.pausedBy()).toBe(f.deployment.dsps[0].safe);
    await unpause();
    await f.increaseTime(f.deployment.pauseCooldownSeconds);
    await pause(f.deployment, f.wallet(KEYS.agents[1]), "after the cooldown");
    expect(await guardian.paused()).toBe(true);
  });
});
