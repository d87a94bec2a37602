import { id } from "ethers";
import { manifestTypedData, regionMask, regionNames, toOnChainManifest, typedDataDigest, type ManifestInput } from "./manifest";

const valid: ManifestInput = {
  project: "dsc-federation",
  stack: "beta",
  planDigest: id("plan"),
  sourceCommit: "0123456789abcdef0123456789abcdef01234567",
  lockfileDigest: id("lock"),
  configDigest: id("config"),
  tier: "operational",
  regions: ["beta"],
  expiry: 1_900_000_000,
  nonce: 7,
};

describe("toOnChainManifest", () => {
  test("maps names to the on-chain indexes and masks", () => {
    expect(toOnChainManifest(valid)).toEqual({ ...valid, tier: 2, regions: 2, expiry: 1_900_000_000n, nonce: 7n });
    expect(toOnChainManifest({ ...valid, tier: "critical", regions: ["alpha", "gamma"] })).toMatchObject({ tier: 0, regions: 5 });
  });

  test.each([
    ["planDigest", { planDigest: "0x1234" }, /32-byte hex digest/],
    ["sourceCommit", { sourceCommit: "HEAD" }, /full lowercase git commit id/],
    ["regions", { regions: [] }, /at least one region/],
    ["regions", { regions: ["delta"] }, /regions/],
    ["tier", { tier: "urgent" }, /tier/],
    ["expiry", { expiry: -5 }, /unix time/],
    ["project", { project: "" }, /project name is required/],
  ])("refuses a bad %s with a message naming it", (_field, patch, message) => {
    expect(() => toOnChainManifest({ ...valid, ...patch } as ManifestInput)).toThrow(message);
  });
});

test("region masks round-trip", () => {
  expect(regionMask(["alpha", "beta", "gamma"])).toBe(7);
  expect(regionNames(6)).toEqual(["beta", "gamma"]);
  expect(regionNames(regionMask(["gamma"]))).toEqual(["gamma"]);
});

test("the digest binds every field, the chain and the TierRules address", () => {
  const domain = { chainId: 31337, tierRules: "0x00000000000000000000000000000000000000aa" };
  const m = toOnChainManifest(valid);
  const base = typedDataDigest(manifestTypedData(m, domain));
  const variants = [
    typedDataDigest(manifestTypedData({ ...m, nonce: 8n }, domain)),
    typedDataDigest(manifestTypedData({ ...m, stack: "alpha" }, domain)),
    typedDataDigest(manifestTypedData({ ...m, planDigest: id("other plan") }, domain)),
    typedDataDigest(manifestTypedData(m, { ...domain, chainId: 1 })),
    typedDataDigest(manifestTypedData(m, { ...domain, tierRules: "0x00000000000000000000000000000000000000bb" })),
  ];
  expect(new Set([base, ...variants]).size).toBe(6);
});
