import { REFUSALS, explainVerdict, toVerdict } from "./verdict";

const signer = "0x00000000000000000000000000000000000000aa";

test("decodes the contract's verdict tuple", () => {
  expect(toVerdict([18n, 0n, "0x0000000000000000000000000000000000000000", 2n, 3n])).toEqual({
    refusal: "DspShortfall",
    index: 0,
    signer: "0x0000000000000000000000000000000000000000",
    have: 2,
    need: 3,
  });
});

test("an unknown refusal code says the build and the TypeScript disagree", () => {
  expect(() => toVerdict([BigInt(REFUSALS.length), 0n, signer, 0n, 0n])).toThrow(/unknown refusal code/);
});

test.each([
  [{ refusal: "None" }, /^approved/],
  [{ refusal: "DspShortfall", have: 2, need: 3 }, /DSP group fell short: 2 of the 3/],
  [{ refusal: "BoardShortfall", have: 0, need: 1 }, /DAO Board group fell short: 0 of the 1/],
  [{ refusal: "RegionDspMissing", index: 1 }, /region beta/],
  [{ refusal: "RevokedSigner", index: 2 }, /signature #2: 0x0+aa was rotated out/],
  [{ refusal: "UnknownSigner", index: 0 }, /another message \(other chain, Safe or manifest\)/],
  [{ refusal: "NotSorted", index: 1 }, /sorted by signer address/],
  [{ refusal: "HighS", index: 3 }, /low-s/],
  [{ refusal: "Paused" }, /only a critical approval/],
] as const)("explains %o", (partial, expected) => {
  expect(explainVerdict({ index: 0, signer, have: 0, need: 0, ...partial })).toMatch(expected);
});

test("every refusal has its own explanation", () => {
  const texts = REFUSALS.map((refusal) => explainVerdict({ refusal, index: 1, signer, have: 1, need: 2 }));
  expect(new Set(texts).size).toBe(REFUSALS.length);
});
