/** The consortium detector against the real contracts on a loopback chain: breaches pause, accepted paths do not. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Wallet } from "ethers";
import { KEYS } from "../../../contracts/test/fixture";
import { tierRules, verifyApproval } from "../../../governance/consortium/approvals";
import { startTestChain, until, type TestChain } from "./testing/chain";
import type { RunningWatcher } from "./watcher";

let chain: TestChain;
let snap: string;
const running: RunningWatcher[] = [];

beforeAll(async () => {
  chain = await startTestChain();
}, 60_000);
afterAll(async () => {
  await chain?.close();
});
beforeEach(async () => {
  snap = await chain.f.snapshot();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((w) => w.stop()));
  await chain.f.revert(snap);
});

async function watcher(...args: Parameters<TestChain["watcher"]>) {
  const w = await chain.watcher(...args);
  running.push(w.watcher);
  return w;
}
const newOwner = () => Wallet.createRandom().address;
const paused = async () => (await chain.f.contract("Guardian").paused()) as boolean;

test("an owner added through a module that bypasses the guard pauses the federation, with a reason naming region, detector and object", async () => {
  const { watcher: w } = await watcher("alpha");
  const owner = newOwner();
  const receipt = await chain.ownerAddedThroughModule(KEYS.outsider, owner);
  await until("the pause", async () => ((await paused()) ? true : undefined));
  const [event] = await chain.pausedEvents();
  expect(event.agent).toBe(w.agent);
  expect(event.reason).toMatch(new RegExp(`^watcher alpha: consortium: Consortium Safe owners: owner ${owner.toLowerCase()} added through module ${new Wallet(KEYS.outsider).address.toLowerCase()}, which bypasses the guard`));
  expect(event.reason).toContain(receipt.hash);
  const status = await until("the status to show the pause", () => (w.status().guardian.pauseTx ? w.status() : undefined));
  expect(status.guardian).toMatchObject({ state: "paused-by-us", paused: true });
  expect(status.detectors.consortium.lastBreach).toMatchObject({ detector: "consortium", object: "Consortium Safe owners" });
  const metrics = await w.metrics.registry.metrics();
  expect(metrics).toMatch(/dsc_watcher_breaches_total\{detector="consortium"\} 1/);
  expect(metrics).toMatch(/dsc_watcher_pause_attempts_total\{outcome="paused-by-us"\} 1/);

  // Paused: a non-critical change is refused where approvals are checked; the Board's critical unpause (with the
  // remedy: the rogue owner removed) restores it.
  const rules = tierRules(chain.f.deployment.contracts.TierRules, chain.f.provider);
  const operational = async () => {
    const m = chain.f.manifest({ tier: "operational", regions: ["alpha"] });
    const { proposal, signatures } = await chain.f.approve(m, ["dsp1"]);
    return (await verifyApproval(rules, m, proposal, signatures)).verdict.refusal;
  };
  expect(await operational()).toBe("Paused");
  await chain.unpause([owner]);
  expect(await operational()).toBe("None");
});

test("critical Safe transactions and a Board rotation are accepted: no pause", async () => {
  const { watcher: w } = await watcher("beta");
  await chain.safeCall("changeThreshold", [3]);
  await chain.safeCall("changeThreshold", [4]);
  await chain.rotateBeta();
  await until("the watcher to judge the rotation", () => ((w.status().detectors.consortium.detail as { acceptedChanges: number }).acceptedChanges >= 7 ? true : undefined));
  await w.checkNow();
  expect(await paused()).toBe(false);
  expect(w.status().guardian.state).toBe("idle");
  expect(w.status().detectors.consortium.lastBreach).toBeUndefined();
  expect((w.status().detectors.consortium.detail as { rotationModules: string[] }).rotationModules).toEqual([chain.f.deployment.contracts.BoardRotationModule.toLowerCase()]);
});

test("three watchers seeing the same breach send one successful pause between them", async () => {
  const ws = await Promise.all((["alpha", "beta", "gamma"] as const).map((r) => watcher(r, { pollInterval: "50ms" })));
  await chain.ownerAddedThroughModule(KEYS.outsider, newOwner());
  await until("all three to finish", () => (ws.every((w) => ["paused-by-us", "already-paused"].includes(w.watcher.status().guardian.state)) ? true : undefined));
  expect(await chain.pausedEvents()).toHaveLength(1);
  const states = ws.map((w) => w.watcher.status().guardian.state).sort();
  expect(states.filter((s) => s === "paused-by-us")).toHaveLength(1);
  for (const w of ws) expect(w.watcher.status().detectors.consortium.lastBreach?.detector).toBe("consortium");
});

test("a restart resumes from its cursor: an event it handled is not paused for again, one it missed while down is", async () => {
  const { watcher: first, config } = await watcher("gamma");
  const rogue = newOwner();
  await chain.ownerAddedThroughModule(KEYS.outsider, rogue);
  await until("the first pause", () => (first.status().guardian.state === "paused-by-us" ? true : undefined));
  await first.stop();
  running.splice(running.indexOf(first), 1);
  await chain.unpause([rogue]); // the remedy and the unpause in one critical transaction: accepted, not a breach

  const { watcher: second } = await watcher("gamma", {}, config.stateDir);
  await second.checkNow();
  await second.checkNow();
  expect(await paused()).toBe(false);
  expect(second.status().guardian.state).toBe("idle");
  expect(await chain.pausedEvents()).toHaveLength(1);
  await second.stop();
  running.splice(running.indexOf(second), 1);

  // While no watcher runs, the rogue module strikes again; the next start judges it from the cursor.
  await chain.ownerAddedThroughModule(KEYS.outsider, newOwner());
  const { watcher: third } = await watcher("gamma", {}, config.stateDir);
  await until("the pause for the missed event", () => (third.status().guardian.state === "paused-by-us" ? true : undefined));
  expect(await chain.pausedEvents()).toHaveLength(2);
});

test("already paused: the breach is recorded and no transaction is sent", async () => {
  await (await chain.f.contract("Guardian", chain.f.wallet(KEYS.agents[1])).pause("someone else first")).wait();
  const { watcher: w } = await watcher("alpha");
  await chain.ownerAddedThroughModule(KEYS.outsider, newOwner());
  await until("the breach", () => (w.status().guardian.state === "already-paused" ? true : undefined));
  expect(await chain.pausedEvents()).toHaveLength(1);
  expect(w.status().guardian.pauseTx).toBeUndefined();
});

test("a missing agent key is refused at start", async () => {
  await expect(chain.watcher("alpha", { agentKeyFile: undefined })).rejects.toThrow(/agentKeyFile: the agent key file is required/);
});

test("a key that is not an agent retries with backoff, never in a tight loop", async () => {
  const outsiderKey = join(chain.root, "outsider.key");
  writeFileSync(outsiderKey, KEYS.outsider);
  const { watcher: rogue } = await watcher("alpha", { agentKeyFile: outsiderKey });
  await chain.ownerAddedThroughModule(KEYS.agent4, newOwner());
  await until("two failed attempts", () => (rogue.status().guardian.attempts >= 2 ? true : undefined), 10_000);
  await new Promise((r) => setTimeout(r, 1500));
  const s = rogue.status().guardian;
  expect(s.lastError).toBe("NotAnAgent");
  expect(s.attempts).toBeLessThanOrEqual(3); // 1 s, then 2 s: at most three tries in about 3.5 s
  expect(await paused()).toBe(false);
});

test("reorgs: an event not yet buried under the confirmations is not judged; a cursor reorganised away is judged again", async () => {
  const mine = (n: number) => chain.f.eip1193.request({ method: "hardhat_mine", params: [`0x${n.toString(16)}`] });
  const { watcher: w } = await watcher("beta", { confirmations: "2" });
  const fork = await chain.f.snapshot();
  await chain.ownerAddedThroughModule(KEYS.outsider, newOwner());
  await w.checkNow();
  expect(w.status().guardian.state).toBe("idle"); // one block deep: not judged yet
  await chain.f.revert(fork); // the block with the event is gone

  await mine(4);
  await w.checkNow();
  expect(w.status().guardian.state).toBe("idle");
  await chain.f.revert(fork); // the cursor's block is gone too; the new branch carries the event
  await chain.f.snapshot();
  await chain.ownerAddedThroughModule(KEYS.outsider, newOwner());
  await mine(4);
  await w.checkNow();
  await until("the pause after the reorg", () => (w.status().guardian.state === "paused-by-us" ? true : undefined));
  const events = await chain.pausedEvents();
  expect(events).toHaveLength(1);
  expect(events[0].reason).toMatch(/Consortium Safe owners: owner 0x[0-9a-f]{40} added through module/);
});
