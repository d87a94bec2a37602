/** Soulbound agents (ERC-721 + ERC-5192) and the Guardian's pause. */
import { Contract, Interface, id } from "ethers";
import { OperationType } from "@safe-global/types-kit";
import { ourArtifact } from "../../governance/consortium/artifacts";
import { signProposal, tierRules, verifyApproval } from "../../governance/consortium/approvals";
import { deployFixture, KEYS, type Fixture } from "./fixture";
import { revertOf } from "./signatures";

let f: Fixture;
let agents: Contract;
let snap: string;
beforeAll(async () => {
  f = await deployFixture();
  agents = f.contract("AgentRegistry");
});
beforeEach(async () => {
  snap = await f.snapshot();
});
afterEach(async () => {
  await f.revert(snap);
});

const agent = (i: number) => f.wallet(KEYS.agents[i]);
const call = (name: "AgentRegistry" | "Guardian", fn: string, args: unknown[]) => ({
  to: f.deployment.contracts[name],
  value: "0",
  data: new Interface(ourArtifact(name).abi).encodeFunctionData(fn, args),
  operation: OperationType.Call,
});

describe("agent registry", () => {
  test("one locked token per DSP, ERC-5192 interface advertised", async () => {
    expect(await agents.supportsInterface("0xb45a3c0e")).toBe(true);
    expect(await agents.supportsInterface("0x80ac58cd")).toBe(true);
    for (const [i, dsp] of f.deployment.dsps.entries()) {
      expect(await agents.agentOfDsp(dsp.safe)).toBe(agent(i).address);
      expect(await agents.dspOfAgent(agent(i).address)).toBe(dsp.safe);
      expect(await agents.locked(i + 1)).toBe(true);
    }
    expect((await revertOf(agents, agents.locked(99))).name).toBe("ERC721NonexistentToken");
  });

  test("transfer and approve revert", async () => {
    const holder = agents.connect(agent(0)) as Contract;
    const to = agent(1).address;
    expect((await revertOf(agents, holder.transferFrom(agent(0).address, to, 1))).name).toBe("Soulbound");
    expect((await revertOf(agents, holder.getFunction("safeTransferFrom(address,address,uint256)")(agent(0).address, to, 1))).name).toBe("Soulbound");
    expect((await revertOf(agents, holder.approve(to, 1))).name).toBe("Soulbound");
    expect((await revertOf(agents, holder.setApprovalForAll(to, true))).name).toBe("Soulbound");
    expect(await agents.ownerOf(1)).toBe(agent(0).address);
  });

  test("only the Consortium Safe mints and burns", async () => {
    const outsider = agents.connect(f.wallet(KEYS.outsider)) as Contract;
    expect((await revertOf(agents, outsider.mint(f.wallet(KEYS.outsider).address, f.deployment.dsps[0].safe))).name).toBe("NotConsortium");
    expect((await revertOf(agents, outsider.burnAgentOf(f.deployment.dsps[0].safe))).name).toBe("NotConsortium");
    const dsp2 = f.deployment.dsps[1].safe;
    await f.execSafeTx([call("AgentRegistry", "burnAgentOf", [dsp2])], ["dsp1", "dsp2", "dsp3", "board1"]);
    expect(await agents.isAgent(agent(1).address)).toBe(false);
    const replacement = f.wallet(KEYS.outsider).address;
    await f.execSafeTx([call("AgentRegistry", "mint", [replacement, dsp2])], ["dsp1", "dsp2", "dsp3", "board2"]);
    expect(await agents.agentOfDsp(dsp2)).toBe(replacement);
  });

  test("a non-agent cannot propose", async () => {
    const m = f.manifest({ tier: "fleet" });
    const digest = await tierRules(f.deployment.contracts.TierRules, f.provider).manifestDigest(m);
    const bad = await signProposal(KEYS.outsider, f.typedData(m));
    expect((await revertOf(agents, agents.proposerOf(digest, bad))).name).toBe("NotAnAgent");
    const good = await signProposal(KEYS.agents[2], f.typedData(m));
    expect(await agents.proposerOf(digest, good)).toEqual([agent(2).address, f.deployment.dsps[2].safe]);
  });
});

describe("Guardian", () => {
  test("a non-agent cannot pause; an agent pauses alone, with its reason and DSP in the event", async () => {
    const guardian = f.contract("Guardian", f.wallet(KEYS.outsider));
    expect((await revertOf(guardian, guardian.pause("drift"))).name).toBe("NotAnAgent");
    const asAgent = guardian.connect(agent(1)) as Contract;
    expect((await revertOf(guardian, asAgent.pause(""))).name).toBe("ReasonRequired");
    const receipt = await (await asAgent.pause("unapproved drift in beta")).wait();
    const event = guardian.interface.parseLog(receipt.logs[0])!;
    expect([event.name, event.args.agent, event.args.dsp, event.args.reason]).toEqual(["Paused", agent(1).address, f.deployment.dsps[1].safe, "unapproved drift in beta"]);
    expect(await guardian.paused()).toBe(true);
    expect((await revertOf(guardian, (guardian.connect(agent(0)) as Contract).pause("again"))).name).toBe("AlreadyPaused");
  });

  test("pause blocks everything but critical; unpause needs critical", async () => {
    const rules = tierRules(f.deployment.contracts.TierRules, f.wallet(KEYS.outsider));
    const guardian = f.contract("Guardian", agent(0));
    await (await guardian.pause("breach")).wait();

    const fleet = f.manifest({ tier: "fleet" });
    const fleetApproval = await f.approve(fleet, ["dsp1", "dsp2", "dsp3", "board1"]);
    expect((await verifyApproval(rules, fleet, fleetApproval.proposal, fleetApproval.signatures)).verdict.refusal).toBe("Paused");
    const op = f.manifest({ tier: "operational", regions: ["alpha"] });
    const opApproval = await f.approve(op, ["dsp1"]);
    expect((await verifyApproval(rules, op, opApproval.proposal, opApproval.signatures)).verdict.refusal).toBe("Paused");
    const module = f.contract("TierModule");
    const post = new Interface(ourArtifact("Announcements").abi).encodeFunctionData("post", [id("news"), "ipfs://news"]);
    expect((await revertOf(module, f.execModuleCall(f.deployment.contracts.Announcements, post, ["dsp1", "dsp2"]))).name).toBe("Paused");

    const critical = f.manifest({ tier: "critical" });
    const criticalApproval = await f.approve(critical, ["dsp1", "dsp2", "dsp3", "board1"]);
    await (await rules.record(critical, criticalApproval.proposal, criticalApproval.signatures)).wait();

    expect((await revertOf(guardian, (guardian.connect(f.wallet(KEYS.outsider)) as Contract).unpause())).name).toBe("NotConsortium");
    const unpauseData = new Interface(ourArtifact("Guardian").abi).encodeFunctionData("unpause", []);
    expect((await revertOf(module, f.execModuleCall(f.deployment.contracts.Guardian, unpauseData, ["dsp1", "dsp2", "dsp3"]))).name).toBe("TargetForbidden");
    const guard = f.contract("ConsortiumGuard");
    const refused = await revertOf(guard, f.execSafeTx([call("Guardian", "unpause", [])], ["dsp1", "dsp2", "board1", "board2"]));
    expect(refused.name).toBe("ApprovalRefused");
    expect(await guardian.paused()).toBe(true);

    await f.execSafeTx([call("Guardian", "unpause", [])], ["dsp1", "dsp2", "dsp3", "board1"]);
    expect(await guardian.paused()).toBe(false);
    expect((await verifyApproval(rules, fleet, fleetApproval.proposal, fleetApproval.signatures)).verdict.refusal).toBe("None");
  });
});
