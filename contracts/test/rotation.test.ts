/** DSP rotation by the Board, with its checks and balances: delay, one at a time, the DSPs' veto, one Board seat. */
import { Contract, Interface, type ContractTransactionReceipt } from "ethers";
import { OperationType } from "@safe-global/types-kit";
import { ourArtifact, safeArtifact } from "../../governance/consortium/artifacts";
import { addressOf, signatureSet, signProposal, tierRules, verifyApproval } from "../../governance/consortium/approvals";
import { cancelToSign, executeRotation, pendingRotation, proposeRotation, rotationToSign } from "../../governance/consortium/operations";
import { REFUSALS } from "../../governance/consortium/verdict";
import { deployFixture, KEYS, type Fixture, type OwnerName } from "./fixture";
import { revertOf } from "./signatures";

let f: Fixture;
let rotation: Contract;
let rules: Contract;
let snap: string;
const AGENT5 = addressOf(KEYS.agent5);
beforeAll(async () => {
  f = await deployFixture();
  rotation = f.contract("BoardRotationModule", f.wallet(KEYS.outsider));
  rules = tierRules(f.deployment.contracts.TierRules, f.wallet(KEYS.outsider));
});
beforeEach(async () => {
  snap = await f.snapshot();
});
afterEach(async () => {
  await f.revert(snap);
});

const ALPHA = 0;
const BETA = 1;
const GAMMA = 2;
const dsp4 = () => (f.owners.dsp4 as { safe: string }).safe;
const dsp5 = () => (f.owners.dsp5 as { safe: string }).safe;
const outsider = () => f.wallet(KEYS.outsider);
const refusal = (r: { name: string; args: unknown[] }) => [r.name, REFUSALS[Number(r.args[0])]];

/** Proposes rotating `region` to `newDsp`, signed by `who` (DSP-5's owner signs for DSP-5 when listed). */
async function propose(region: number, newDsp: string, newAgent: string, who: OwnerName[]) {
  const expiry = BigInt((await f.now()) + f.deployment.rotationDelaySeconds + 3600);
  const { rotation: r, typedData } = await rotationToSign(f.deployment, f.provider, { region, newDsp, newAgent, expiry });
  return proposeRotation(f.deployment, outsider(), r, signatureSet(await f.sign(typedData, who)));
}

async function afterDelay(): Promise<ContractTransactionReceipt> {
  await f.increaseTime(f.deployment.rotationDelaySeconds);
  return executeRotation(f.deployment, outsider());
}

const critical = (to: string, abiOf: "BoardRotationModule" | "Guardian", fn: string, args: unknown[], who: OwnerName[]) =>
  f.execSafeTx([{ to, value: "0", data: new Interface(ourArtifact(abiOf).abi).encodeFunctionData(fn, args), operation: OperationType.Call }], who);

test("one Board signer cannot propose a rotation", async () => {
  const refused = await revertOf(rotation, propose(BETA, dsp4(), f.wallet(KEYS.agent4).address, ["board1"]));
  expect(refusal(refused)).toEqual(["ApprovalRefused", "BoardShortfall"]);
  expect(await pendingRotation(f.deployment, f.provider)).toBeUndefined();
});

test("a rogue DSP-2 that keeps pausing is rotated out by the Board after a visible delay; owners, groups and agents follow", async () => {
  const dsp2 = f.deployment.dsps[BETA].safe;
  const rogueAgent = f.contract("Guardian", f.wallet(KEYS.agents[1]));
  await (await rogueAgent.pause("rogue DSP-2")).wait();

  const proposed = await propose(BETA, dsp4(), f.wallet(KEYS.agent4).address, ["board1", "board2"]);
  const pending = (await pendingRotation(f.deployment, f.provider))!;
  expect([pending.region, pending.oldDsp, pending.newDsp, pending.coSigned, pending.digest]).toEqual([BETA, dsp2, dsp4(), false, proposed.digest]);
  expect(Number(pending.eta)).toBeGreaterThanOrEqual((await f.now()) + f.deployment.rotationDelaySeconds - 1);
  const early = await revertOf(rotation, executeRotation(f.deployment, outsider()));
  expect(early).toEqual({ name: "TooSoon", args: [pending.eta] });
  expect(await rules.dspOf(BETA)).toBe(dsp2);

  const receipt = await afterDelay();
  const event = receipt.logs.map((l) => rotation.interface.parseLog(l)).find((e) => e?.name === "DspRotated")!;
  expect([event.args.oldDsp, event.args.newDsp]).toEqual([dsp2, dsp4()]);
  const owners = (await f.consortiumSafe().getOwners()) as string[];
  expect(owners).toContain(dsp4());
  expect(owners).not.toContain(dsp2);
  expect(await rules.dspOf(BETA)).toBe(dsp4());
  expect(await rules.memberOf(dsp2)).toEqual([3n, 1n]); // Group.Revoked
  const agents = f.contract("AgentRegistry");
  expect(await agents.isAgent(f.wallet(KEYS.agents[1]).address)).toBe(false);
  expect(await agents.agentOfDsp(dsp4())).toBe(f.wallet(KEYS.agent4).address);
  expect(await rotation.boardSeat()).toBe(dsp4());

  // The critical set now includes DSP-4; it lifts the rogue pause, and the old agent cannot pause again.
  await critical(f.deployment.contracts.Guardian, "Guardian", "unpause", [], ["dsp1", "dsp3", "dsp4", "board1"]);
  expect((await revertOf(rogueAgent, rogueAgent.pause("again"))).name).toBe("NotAnAgent");

  const refusalFor = async (tier: "fleet" | "operational", regions: ("alpha" | "beta" | "gamma")[], who: OwnerName[], agentKey = KEYS.agents[0]) => {
    const m = f.manifest({ tier, regions });
    const sigs = signatureSet(await f.sign(f.typedData(m), who));
    return (await verifyApproval(rules, m, await signProposal(agentKey, f.typedData(m)), sigs)).verdict;
  };
  const oldFleet = await refusalFor("fleet", ["alpha", "beta", "gamma"], ["dsp1", "dsp2"]);
  expect([oldFleet.refusal, oldFleet.signer]).toEqual(["RevokedSigner", dsp2]);
  expect((await refusalFor("operational", ["beta"], ["dsp2"])).refusal).toBe("RevokedSigner");
  expect((await refusalFor("fleet", ["alpha", "beta", "gamma"], ["dsp1", "dsp4"], KEYS.agent4)).refusal).toBe("None");
  expect((await refusalFor("operational", ["beta"], ["dsp4"])).refusal).toBe("None");
  expect((await refusalFor("fleet", ["alpha"], ["dsp1", "dsp4"], KEYS.agents[1])).refusal).toBe("ProposerNotAgent");
});

test("the DSPs of the other regions cancel a pending rotation; one of them, or the DSP rotated out, cannot", async () => {
  const { digest } = await propose(BETA, dsp4(), f.wallet(KEYS.agent4).address, ["board1", "board2"]);
  const cancelWith = async (who: OwnerName[]) => {
    const sigs = signatureSet(await f.sign(cancelToSign(f.deployment, digest), who));
    return rotation.cancel(sigs);
  };
  expect(refusal(await revertOf(rotation, cancelWith(["dsp1"])))).toEqual(["ApprovalRefused", "RegionDspMissing"]);
  expect(refusal(await revertOf(rotation, cancelWith(["dsp2"])))).toEqual(["ApprovalRefused", "RegionDspMissing"]);
  expect(refusal(await revertOf(rotation, cancelWith(["board1", "board2"])))).toEqual(["ApprovalRefused", "RegionDspMissing"]);
  await (await cancelWith(["dsp1", "dsp3"])).wait();
  expect(await pendingRotation(f.deployment, f.provider)).toBeUndefined();
  await f.increaseTime(f.deployment.rotationDelaySeconds);
  expect((await revertOf(rotation, executeRotation(f.deployment, outsider()))).name).toBe("NoPendingRotation");
  expect(await rules.dspOf(BETA)).toBe(f.deployment.dsps[BETA].safe);
});

test("a rotation not executed before its expiry lapses and no longer blocks the next proposal", async () => {
  await propose(BETA, dsp4(), f.wallet(KEYS.agent4).address, ["board1", "board2"]);
  const { expiry } = (await pendingRotation(f.deployment, f.provider))!;
  await f.increaseTime(f.deployment.rotationDelaySeconds + 3601);
  expect(await revertOf(rotation, executeRotation(f.deployment, outsider()))).toEqual({ name: "Expired", args: [expiry] });
  const again = await propose(GAMMA, dsp5(), AGENT5, ["board1", "board2"]);
  expect((await pendingRotation(f.deployment, f.provider))!.digest).toBe(again.digest);
});

test("a critical transaction can cancel a pending rotation too", async () => {
  await propose(GAMMA, dsp4(), f.wallet(KEYS.agent4).address, ["board1", "board2"]);
  await critical(f.deployment.contracts.BoardRotationModule, "BoardRotationModule", "cancel", ["0x"], ["dsp1", "dsp2", "dsp3", "board2"]);
  expect(await pendingRotation(f.deployment, f.provider)).toBeUndefined();
});

test("the Board's takeover: one region at a time, one per period, never a second seat without the other DSPs", async () => {
  const agent4 = f.wallet(KEYS.agent4).address;
  await propose(BETA, dsp4(), agent4, ["board1", "board2"]);
  // Consecutive blocks: a second region cannot even be proposed while one waits.
  expect(await revertOf(rotation, propose(GAMMA, dsp5(), AGENT5, ["board1", "board2"]))).toEqual({ name: "RotationPending", args: [BigInt(BETA)] });
  await afterDelay();
  const lastAt = (await rotation.lastRotationAt()) as bigint;
  const tooSoon = await revertOf(rotation, propose(GAMMA, dsp5(), AGENT5, ["board1", "board2"]));
  expect(tooSoon).toEqual({ name: "TooSoon", args: [lastAt + BigInt(f.deployment.rotationPeriodSeconds)] });

  // A period later the Board alone still cannot take a second seat...
  await f.increaseTime(f.deployment.rotationPeriodSeconds);
  expect(await revertOf(rotation, propose(GAMMA, dsp5(), AGENT5, ["board1", "board2"]))).toEqual({ name: "BoardSeatTaken", args: [BigInt(BETA)] });
  expect(await revertOf(rotation, propose(ALPHA, dsp5(), AGENT5, ["board1", "board2"]))).toEqual({ name: "BoardSeatTaken", args: [BigInt(BETA)] });
  // ...and with its one seat it has neither critical nor fleet: it cannot remove the guard (3 of the Safe's 4
  // signatures), and TierRules refuses its set for critical and for fleet whatever the Safe's threshold.
  const safeIface = new Interface(safeArtifact("safeSingleton").abi);
  const removeGuard = { to: f.deployment.consortium, value: "0", data: safeIface.encodeFunctionData("setGuard", ["0x0000000000000000000000000000000000000000"]), operation: OperationType.Call };
  expect(await revertOf(f.contract("ConsortiumGuard"), f.execSafeTx([removeGuard], ["dsp4", "board1", "board2"]))).toMatchObject({ name: "Error", args: [expect.stringMatching(/^GS02[01]$/)] }); // too few signatures for the threshold
  const m = f.manifest({ tier: "critical" });
  const boardSet = signatureSet(await f.sign(f.typedData(m), ["dsp4", "board1", "board2"]));
  const hash = await rules.safeMessageHash(await rules.manifestDigest(m));
  for (const tier of [0, 1]) {
    const v = await rules.checkApproval("0x0000000000000000000000000000000000000000", hash, boardSet, tier, 7);
    expect(REFUSALS[Number(v.refusal)]).toBe("DspShortfall");
  }
});

test("a dead DSP is still replaceable while the Board holds a seat: the surviving independent DSP co-signs", async () => {
  await propose(BETA, dsp4(), f.wallet(KEYS.agent4).address, ["board1", "board2"]);
  await afterDelay();
  await f.increaseTime(f.deployment.rotationPeriodSeconds);
  // DSP-3 (gamma) is dead; alpha is the one independent DSP left besides it: its co-signature makes DSP-5 no Board seat.
  const proposed = await propose(GAMMA, dsp5(), AGENT5, ["dsp1", "board1", "board2"]);
  expect(proposed.coSigned).toBe(true);
  await afterDelay();
  expect(await rules.dspOf(GAMMA)).toBe(dsp5());
  expect(await rotation.boardSeat()).toBe(dsp4());
  // A critical transaction vouches for DSP-4: the Board holds no seat any more.
  await critical(f.deployment.contracts.BoardRotationModule, "BoardRotationModule", "confirmSeat", [], ["dsp1", "dsp4", "dsp5", "board1"]);
  expect(await rotation.boardSeat()).toBe("0x0000000000000000000000000000000000000000");
});
