/** DSP rotation end to end: the Board swaps DSP-2 (beta) out and DSP-4 in. */
import { Contract } from "ethers";
import { rotationTypedData } from "../../governance/consortium/calls";
import { signatureSet, signProposal, tierRules, verifyApproval } from "../../governance/consortium/approvals";
import { REFUSALS } from "../../governance/consortium/verdict";
import { deployFixture, KEYS, type Fixture, type OwnerName } from "./fixture";
import { revertOf } from "./signatures";

let f: Fixture;
let rotation: Contract;
let rules: Contract;
let snap: string;
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

const BETA = 1;

async function rotateBeta(who: OwnerName[]) {
  const dsp4 = f.owners.dsp4;
  if (dsp4.kind !== "safe") throw new Error("DSP-4 is a Safe");
  const newAgent = f.wallet(KEYS.agent4).address;
  const r = {
    region: BETA,
    oldDsp: f.deployment.dsps[BETA].safe,
    newDsp: dsp4.safe,
    newAgent,
    nonce: (await rotation.nonce()) as bigint,
    expiry: BigInt((await f.now()) + 3600),
  };
  const sigs = await f.sign(rotationTypedData(r, f.deployment.chainId, f.deployment.contracts.BoardRotationModule), who);
  return rotation.rotate(r.region, r.newDsp, r.newAgent, r.expiry, signatureSet(sigs));
}

async function refusalFor(tier: "fleet" | "operational" | "critical", regions: ("alpha" | "beta" | "gamma")[], who: OwnerName[], agentKey = KEYS.agents[0]) {
  const m = f.manifest({ tier, regions });
  const signatures = signatureSet(await f.sign(f.typedData(m), who));
  const proposal = await signProposal(agentKey, f.typedData(m));
  return { m, proposal, signatures, verdict: (await verifyApproval(rules, m, proposal, signatures)).verdict };
}

test("one Board signer cannot rotate a DSP", async () => {
  const refused = await revertOf(rotation, rotateBeta(["board1"]));
  expect([refused.name, REFUSALS[Number(refused.args[0])]]).toEqual(["ApprovalRefused", "BoardShortfall"]);
  expect(await rules.dspOf(BETA)).toBe(f.deployment.dsps[BETA].safe);
});

test("DSP-2 out, DSP-4 in: owners, groups and agents follow; DSP-2's signature stops counting, DSP-4's counts", async () => {
  const dsp2 = f.deployment.dsps[BETA].safe;
  const dsp4 = (f.owners.dsp4 as { safe: string }).safe;
  // A rogue pause does not block the Board's remedy.
  await (await (f.contract("Guardian", f.wallet(KEYS.agents[1])) as Contract).pause("rogue DSP-2")).wait();
  const receipt = await (await rotateBeta(["board1", "board2"])).wait();
  const event = receipt.logs.map((l: never) => rotation.interface.parseLog(l)).find((e: { name: string } | null) => e?.name === "DspRotated");
  expect([event.args.oldDsp, event.args.newDsp]).toEqual([dsp2, dsp4]);

  const owners = (await f.consortiumSafe().getOwners()) as string[];
  expect(owners).toContain(dsp4);
  expect(owners).not.toContain(dsp2);
  expect(await rules.dspOf(BETA)).toBe(dsp4);
  expect(await rules.memberOf(dsp2)).toEqual([3n, 1n]); // Group.Revoked
  const agents = f.contract("AgentRegistry");
  expect(await agents.isAgent(f.wallet(KEYS.agents[1]).address)).toBe(false);
  expect(await agents.agentOfDsp(dsp4)).toBe(f.wallet(KEYS.agent4).address);

  // Unpause (critical, now with DSP-4) so that lower tiers can be recorded again.
  const guardianIface = f.contract("Guardian").interface;
  await f.execSafeTx([{ to: f.deployment.contracts.Guardian, value: "0", data: guardianIface.encodeFunctionData("unpause", []), operation: 0 }], ["dsp1", "dsp3", "dsp4", "board1"]);

  const oldFleet = await refusalFor("fleet", ["alpha", "beta", "gamma"], ["dsp1", "dsp2"]);
  expect([oldFleet.verdict.refusal, oldFleet.verdict.signer]).toEqual(["RevokedSigner", dsp2]);
  expect((await revertOf(rules, rules.record(oldFleet.m, oldFleet.proposal, oldFleet.signatures))).name).toBe("ApprovalRefused");
  const oldBeta = await refusalFor("operational", ["beta"], ["dsp2"]);
  expect(oldBeta.verdict.refusal).toBe("RevokedSigner");
  const oldCritical = await refusalFor("critical", ["alpha", "beta", "gamma"], ["dsp1", "dsp2", "dsp3", "board1"]);
  expect(oldCritical.verdict.refusal).toBe("RevokedSigner");

  const newFleet = await refusalFor("fleet", ["alpha", "beta", "gamma"], ["dsp1", "dsp4"], KEYS.agent4);
  expect(newFleet.verdict.refusal).toBe("None");
  await (await rules.record(newFleet.m, newFleet.proposal, newFleet.signatures)).wait();
  const newBeta = await refusalFor("operational", ["beta"], ["dsp4"]);
  expect(newBeta.verdict.refusal).toBe("None");
  const newCritical = await refusalFor("critical", ["alpha", "beta", "gamma"], ["dsp1", "dsp3", "dsp4", "board2"]);
  expect(newCritical.verdict.refusal).toBe("None");
  const oldAgent = await refusalFor("fleet", ["alpha"], ["dsp1", "dsp4"], KEYS.agents[1]);
  expect(oldAgent.verdict.refusal).toBe("ProposerNotAgent");
});
