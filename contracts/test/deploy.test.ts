/** What deployConsortium leaves on the chain. */
import { deployFixture, KEYS, type Fixture } from "./fixture";

let f: Fixture;
beforeAll(async () => {
  f = await deployFixture();
});

const GUARD_SLOT = "0x4a204f620c8c5ccdca3fd54d003badd85ba500436a431f0cbda4f558c93c34c8";

test("the Consortium Safe is owned by the three DSP Safes and the Board, threshold 4, with guard and modules", async () => {
  const safe = f.consortiumSafe();
  const owners = (await safe.getOwners()) as string[];
  expect([...owners].sort()).toEqual([...f.deployment.dsps.map((d) => d.safe), ...f.deployment.board].sort());
  expect(await safe.getThreshold()).toBe(4n);
  expect(await safe.isModuleEnabled(f.deployment.contracts.TierModule)).toBe(true);
  expect(await safe.isModuleEnabled(f.deployment.contracts.BoardRotationModule)).toBe(true);
  const guard = "0x" + (await f.provider.getStorage(f.deployment.consortium, GUARD_SLOT)).slice(26);
  expect(guard).toBe(f.deployment.contracts.ConsortiumGuard.toLowerCase());
});

test("each DSP Safe has its own owners and threshold; groups and default rules are in TierRules", async () => {
  const rules = f.contract("TierRules");
  for (const [region, dsp] of f.deployment.dsps.entries()) {
    const safe = f.consortiumSafe().attach(dsp.safe) as typeof rules;
    expect([...(await safe.getOwners())].sort()).toEqual([...dsp.owners].sort());
    expect(await safe.getThreshold()).toBe(BigInt(dsp.threshold));
    expect(await rules.dspOf(region)).toBe(dsp.safe);
    expect(await rules.memberOf(dsp.safe)).toEqual([1n, BigInt(region)]);
  }
  expect(await rules.boardSigners()).toEqual(f.deployment.board);
  const rule = async (tier: number) => [...(await rules.ruleOf(tier))];
  expect(await rule(0)).toEqual([3n, 1n, false]); // critical: 3 DSPs + 1 Board
  expect(await rule(1)).toEqual([2n, 0n, false]); // fleet: 2 DSPs
  expect(await rule(2)).toEqual([0n, 0n, true]); // operational: the region's DSP
  expect(await rule(4)).toEqual([0n, 2n, false]); // rotation: both Board signers
});

test("the deployer kept nothing: it is no owner and holds no agent", async () => {
  const deployer = f.wallet(KEYS.deployer).address;
  expect(await f.consortiumSafe().isOwner(deployer)).toBe(false);
  expect(await f.contract("AgentRegistry").isAgent(deployer)).toBe(false);
});

test("the Consortium Safe answers EIP-1271 through our handler; the limits in the contracts are the deployment's", async () => {
  const FALLBACK_HANDLER_SLOT = "0x6c9a6c4a39284e37ed1cf53d337577d14212a4870fb976a4366c693b939918d5";
  const handler = "0x" + (await f.provider.getStorage(f.deployment.consortium, FALLBACK_HANDLER_SLOT)).slice(26);
  expect(handler).toBe(f.deployment.contracts.ConsortiumFallbackHandler.toLowerCase());
  const rotation = f.contract("BoardRotationModule");
  expect([await rotation.delay(), await rotation.period()]).toEqual([BigInt(f.deployment.rotationDelaySeconds), BigInt(f.deployment.rotationPeriodSeconds)]);
  const guardian = f.contract("Guardian");
  expect([await guardian.cooldown(), await guardian.rules()]).toEqual([BigInt(f.deployment.pauseCooldownSeconds), f.deployment.contracts.TierRules]);
  expect(await f.contract("TierRules").guardian()).toBe(f.deployment.contracts.Guardian);
});
