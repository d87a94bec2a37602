import { deployFixture, type Fixture } from "./fixture";

let f: Fixture;
beforeAll(async () => {
  f = await deployFixture();
});

test("the Consortium Safe is owned by the three DSP Safes and the Board, threshold 4, with guard and modules", async () => {
  const safe = f.consortiumSafe();
  const owners = (await safe.getOwners()) as string[];
  expect([...owners].sort()).toEqual([...f.deployment.dsps.map((d) => d.safe), ...f.deployment.board].sort());
  expect(await safe.getThreshold()).toBe(4n);
  expect(await safe.isModuleEnabled(f.deployment.contracts.TierModule)).toBe(true);
});
