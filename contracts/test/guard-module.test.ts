/** The ConsortiumGuard on the Safe's own transactions, the TierModule for lower tiers, and announcements. */
import { Contract, Interface, ZeroHash, id } from "ethers";
import { OperationType, type MetaTransactionData } from "@safe-global/types-kit";
import { ourArtifact, safeArtifact } from "../../governance/consortium/artifacts";
import { REFUSALS } from "../../governance/consortium/verdict";
import { deployFixture, KEYS, TIER_TABLE_DIGEST, type Fixture, type OwnerName } from "./fixture";
import { revertOf } from "./signatures";

let f: Fixture;
let guard: Contract;
let tierModule: Contract;
let snap: string;
beforeAll(async () => {
  f = await deployFixture();
  guard = f.contract("ConsortiumGuard");
  tierModule = f.contract("TierModule");
});
beforeEach(async () => {
  snap = await f.snapshot();
});
afterEach(async () => {
  await f.revert(snap);
});

const CRITICAL: OwnerName[] = ["dsp1", "dsp2", "dsp3", "board1"];
/** keccak256("guard_manager.guard.address"): where Safe v1.5.0 stores its guard. */
const GUARD_SLOT = "0x4a204f620c8c5ccdca3fd54d003badd85ba500436a431f0cbda4f558c93c34c8";
const safeIface = new Interface(safeArtifact("safeSingleton").abi);
const selfCall = (fn: string, args: unknown[]): MetaTransactionData => ({
  to: f.deployment.consortium,
  value: "0",
  data: safeIface.encodeFunctionData(fn, args),
  operation: OperationType.Call,
});
const guardAddress = async () => "0x" + (await f.provider.getStorage(f.deployment.consortium, GUARD_SLOT)).slice(26);
const encode = (name: "Announcements" | "RegionRegistry" | "TierRules", fn: string, args: unknown[]) =>
  new Interface(ourArtifact(name).abi).encodeFunctionData(fn, args);
const refusalOf = (r: { args: unknown[] }) => REFUSALS[Number(r.args[0])];

describe("ConsortiumGuard", () => {
  test("a delegatecall to a non-allowlisted target is refused, even with critical signatures", async () => {
    const target = f.deployment.contracts.RegionRegistry;
    const tx = { to: target, value: "0", data: encode("RegionRegistry", "setRegionConfig", [0, ZeroHash, id("x")]), operation: OperationType.DelegateCall };
    const refused = await revertOf(guard, f.execSafeTx([tx], CRITICAL));
    expect(refused).toEqual({ name: "DelegateCallRefused", args: [target] });
    expect(await guard.delegateCallAllowed(f.deployment.safeContracts.multiSendCallOnly)).toBe(true);
  });

  test("a set the plain Safe accepts (threshold 4) but that is not critical is refused", async () => {
    const refused = await revertOf(guard, f.execSafeTx([selfCall("setGuard", ["0x0000000000000000000000000000000000000000"])], ["dsp1", "dsp2", "board1", "board2"]));
    expect([refused.name, refusalOf(refused)]).toEqual(["ApprovalRefused", "DspShortfall"]);
    expect((await guardAddress()).toLowerCase()).toBe(f.deployment.contracts.ConsortiumGuard.toLowerCase());
  });

  test("a critical transaction can remove the guard", async () => {
    await f.execSafeTx([selfCall("setGuard", ["0x0000000000000000000000000000000000000000"])], CRITICAL);
    expect(await guardAddress()).toBe("0x0000000000000000000000000000000000000000");
    // Without the guard the Safe's own threshold is all that is left: 2 DSPs + 2 Board now pass.
    await f.execSafeTx([selfCall("changeThreshold", [4])], ["dsp1", "dsp2", "board1", "board2"]);
  });

  test("no transaction can leave a signer group member outside the owners (critical stays reachable)", async () => {
    const owners = (await f.consortiumSafe().getOwners()) as string[];
    const dsp3 = f.deployment.dsps[2].safe;
    const prev = owners[owners.indexOf(dsp3) - 1] ?? "0x0000000000000000000000000000000000000001";
    const refused = await revertOf(new Contract(f.deployment.contracts.TierRules, ourArtifact("TierRules").abi), f.execSafeTx([selfCall("removeOwner", [prev, dsp3, 4])], CRITICAL));
    expect(refused).toEqual({ name: "GroupMemberNotOwner", args: [dsp3] });
  });
});

describe("rules change only by critical", () => {
  const rulesCall = (fn: string, args: unknown[]): MetaTransactionData => ({
    to: f.deployment.contracts.TierRules,
    value: "0",
    data: encode("TierRules", fn, args),
    operation: OperationType.Call,
  });

  test("a critical transaction tightens fleet to 3 DSPs; an unsatisfiable rule is refused; outsiders cannot", async () => {
    const rules = f.contract("TierRules", f.wallet(KEYS.outsider));
    expect((await revertOf(rules, rules.setRule(1, { dsps: 1, board: 0, regionDsp: false }))).name).toBe("NotConsortium");
    await f.execSafeTx([rulesCall("setRule", [1, { dsps: 3, board: 0, regionDsp: false }])], CRITICAL);
    expect([...(await rules.ruleOf(1))]).toEqual([3n, 0n, false]);
    const post = encode("Announcements", "post", [id("two DSPs"), "ipfs://x"]);
    const refused = await revertOf(tierModule, f.execModuleCall(f.deployment.contracts.Announcements, post, ["dsp1", "dsp2"]));
    expect([refused.name, refusalOf(refused), refused.args[3], refused.args[4]]).toEqual(["ApprovalRefused", "DspShortfall", 2n, 3n]);
    const impossible = await revertOf(rules, f.execSafeTx([rulesCall("setRule", [0, { dsps: 4, board: 1, regionDsp: false }])], CRITICAL));
    expect(impossible).toEqual({ name: "RuleUnsatisfiable", args: [0n] });
  });

  test("the tier-table digest changes only by a critical transaction, with an event naming old and new", async () => {
    const rules = f.contract("TierRules", f.wallet(KEYS.outsider));
    expect(f.deployment.tierTableDigest).toBe(TIER_TABLE_DIGEST); // set by deployConsortium from its config
    expect(await rules.tierTableDigest()).toBe(TIER_TABLE_DIGEST);
    const next = id("tier-table v2");
    expect(await revertOf(rules, rules.setTierTableDigest(next))).toEqual({ name: "NotConsortium", args: [f.wallet(KEYS.outsider).address] });
    const fleetOnly = await revertOf(guard, f.execSafeTx([rulesCall("setTierTableDigest", [next])], ["dsp1", "dsp2", "board1", "board2"]));
    expect(refusalOf(fleetOnly)).toBe("DspShortfall");
    const receipt = await f.execSafeTx([rulesCall("setTierTableDigest", [next])], CRITICAL);
    const event = receipt.logs.map((l) => rules.interface.parseLog(l)).find((e) => e?.name === "TierTableDigestSet");
    expect([event!.args.previousDigest, event!.args.newDigest]).toEqual([f.deployment.tierTableDigest, next]);
    expect(await rules.tierTableDigest()).toBe(next);
  });

  test("a critical batch replaces a Board signer in the owners and the groups together", async () => {
    const [board1, board2] = f.deployment.board;
    const newSigner = f.wallet(KEYS.outsider).address;
    const owners = (await f.consortiumSafe().getOwners()) as string[];
    const prev = owners[owners.indexOf(board1) - 1] ?? "0x0000000000000000000000000000000000000001";
    await f.execSafeTx([selfCall("swapOwner", [prev, board1, newSigner]), rulesCall("replaceBoardSigner", [board1, newSigner])], ["dsp1", "dsp2", "dsp3", "board2"]);
    const rules = f.contract("TierRules");
    expect(await rules.boardSigners()).toEqual([newSigner, board2]);
    expect(await rules.memberOf(board1)).toEqual([3n, 0n]); // Group.Revoked
    expect(await f.consortiumSafe().isOwner(newSigner)).toBe(true);
  });
});

describe("TierModule", () => {
  test("a module call cannot change owners, threshold, guard or modules", async () => {
    const safeCalls = [
      ["addOwnerWithThreshold", [f.wallet(KEYS.outsider).address, 1]],
      ["changeThreshold", [1]],
      ["setGuard", ["0x0000000000000000000000000000000000000000"]],
      ["enableModule", [f.wallet(KEYS.outsider).address]],
      ["setModuleGuard", ["0x0000000000000000000000000000000000000000"]],
    ] as const;
    for (const [fn, args] of safeCalls) {
      const refused = await revertOf(tierModule, f.execModuleCall(f.deployment.consortium, safeIface.encodeFunctionData(fn, args), CRITICAL));
      expect(refused).toEqual({ name: "TargetForbidden", args: [f.deployment.consortium] });
    }
    const rule = encode("TierRules", "setRule", [1, { dsps: 1, board: 0, regionDsp: false }]);
    expect(await revertOf(tierModule, f.execModuleCall(f.deployment.contracts.TierRules, rule, CRITICAL))).toEqual({ name: "TargetForbidden", args: [f.deployment.contracts.TierRules] });
    const classifyItself = new Interface(ourArtifact("TierModule").abi).encodeFunctionData("classify", [
      { target: f.deployment.consortium, selector: "0x0d582f13", tier: 1, regionArg: false },
    ]);
    expect((await revertOf(tierModule, f.execSafeTx([{ to: f.deployment.contracts.TierModule, value: "0", data: classifyItself, operation: OperationType.Call }], CRITICAL))).name).toBe("InvalidClassification");
    expect(await f.consortiumSafe().getThreshold()).toBe(4n);
  });

  test("operational: the region's DSP executes a change in its region; another DSP cannot", async () => {
    const registry = f.contract("RegionRegistry");
    await f.execModuleCall(f.deployment.contracts.RegionRegistry, encode("RegionRegistry", "setRegionConfig", [0, ZeroHash, id("alpha-config")]), ["dsp1"]);
    expect(await registry.configDigest(0)).toBe(id("alpha-config"));
    const refused = await revertOf(tierModule, f.execModuleCall(f.deployment.contracts.RegionRegistry, encode("RegionRegistry", "setRegionConfig", [0, id("alpha-config"), id("x")]), ["dsp2"]));
    expect([refused.name, refusalOf(refused)]).toEqual(["ApprovalRefused", "RegionDspMissing"]);
    const badRegion = await revertOf(tierModule, f.execModuleCall(f.deployment.contracts.RegionRegistry, encode("RegionRegistry", "setRegionConfig", [7, ZeroHash, id("x")]), ["dsp1"]));
    expect(badRegion).toEqual({ name: "RegionArgumentInvalid", args: [7n] });
  });

  test("an approval executes once: its replay is refused by digest, even when the call itself would succeed", async () => {
    // Posting the same content twice would fail in Announcements anyway; a fleet rule change to a fresh value would
    // not, so replay a call whose effect is repeatable: a region config set back to the same digest.
    const data = encode("RegionRegistry", "setRegionConfig", [2, ZeroHash, ZeroHash]);
    const receipt = await f.execModuleCall(f.deployment.contracts.RegionRegistry, data, ["dsp3"]);
    const executed = receipt.logs.map((l) => tierModule.interface.parseLog(l)).find((e) => e?.name === "CallExecuted")!;
    expect(await tierModule.executed(executed.args.digest)).toBe(true);
    const tx = await f.provider.getTransaction(receipt.hash);
    const [to, value, callData, nonce, expiry, signatures] = tierModule.interface.decodeFunctionData("execute", tx!.data);
    const replay = await revertOf(tierModule, (tierModule.connect(f.wallet(KEYS.outsider)) as Contract).execute(to, value, callData, nonce, expiry, signatures));
    expect(replay).toEqual({ name: "AlreadyExecuted", args: [executed.args.digest] });
  });
});

describe("announcements", () => {
  test("posted at fleet, refused with one DSP, verifiable by anyone", async () => {
    const announcements = f.contract("Announcements");
    const content = id("DSC federation: beta region upgraded");
    const data = encode("Announcements", "post", [content, "ipfs://bafy-announcement"]);
    const refused = await revertOf(tierModule, f.execModuleCall(f.deployment.contracts.Announcements, data, ["dsp2"]));
    expect([refused.name, refusalOf(refused)]).toEqual(["ApprovalRefused", "DspShortfall"]);
    expect((await announcements.announcement(content))[0]).toBe(false);

    const receipt = await f.execModuleCall(f.deployment.contracts.Announcements, data, ["dsp1", "dsp2"]);
    const event = receipt.logs.map((l) => announcements.interface.parseLog(l)).find((e) => e?.name === "Announced")!;
    expect([event.args.contentHash, event.args.uri]).toEqual([content, "ipfs://bafy-announcement"]);
    const [posted, uri, postedAt] = await announcements.announcement(content);
    expect([posted, uri, postedAt > 0n]).toEqual([true, "ipfs://bafy-announcement", true]);

    const direct = (announcements.connect(f.wallet(KEYS.outsider)) as Contract).post(id("fake"), "ipfs://fake");
    expect((await revertOf(announcements, direct)).name).toBe("NotConsortium");
  });
});
