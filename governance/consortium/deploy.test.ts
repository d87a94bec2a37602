import { consortiumConfigSchema } from "./deploy";
import { devConsortiumConfig } from "./dev-keys";

test("the local federation's config is valid", () => {
  expect(consortiumConfigSchema.parse(devConsortiumConfig()).dsps.map((d) => d.region)).toEqual(["alpha", "beta", "gamma"]);
});

test("a config without a DSP for a region, or with an impossible threshold, is refused with the path", () => {
  const cfg = devConsortiumConfig();
  const twoAlphas = { ...cfg, dsps: cfg.dsps.map((d, i) => (i === 2 ? { ...d, region: "alpha" as const } : d)) };
  expect(() => consortiumConfigSchema.parse(twoAlphas)).toThrow(/no DSP for region gamma/);
  const badThreshold = { ...cfg, dsps: cfg.dsps.map((d, i) => (i === 1 ? { ...d, threshold: 3 } : d)) };
  const result = consortiumConfigSchema.safeParse(badThreshold);
  expect(result.success).toBe(false);
  expect(result.error!.issues[0]).toMatchObject({ path: ["dsps", 1, "threshold"], message: "threshold 3 exceeds 1 owners" });
  expect(() => consortiumConfigSchema.parse({ ...cfg, board: [] })).toThrow(/at least one signer/);
  expect(() => consortiumConfigSchema.parse({ ...cfg, board: ["0x12"] })).toThrow(/20-byte address/);
});

test("the tier-table digest is optional and, when given, must be 32 bytes of hex", () => {
  const cfg = devConsortiumConfig();
  expect(consortiumConfigSchema.parse(cfg).tierTableDigest).toBeUndefined();
  expect(consortiumConfigSchema.parse({ ...cfg, tierTableDigest: "0x" + "ab".repeat(32) }).tierTableDigest).toBe("0x" + "ab".repeat(32));
  const short = consortiumConfigSchema.safeParse({ ...cfg, tierTableDigest: "0x" + "ab".repeat(20) });
  expect(short.success).toBe(false);
  expect(short.error!.issues[0]).toMatchObject({ path: ["tierTableDigest"], message: expect.stringMatching(/32-byte hex.*tier-table\.json/) });
});

test("the rotation and pause limits have defaults, and a period shorter than the delay is refused", () => {
  const cfg = consortiumConfigSchema.parse(devConsortiumConfig());
  expect([cfg.rotationDelaySeconds, cfg.rotationPeriodSeconds, cfg.pauseCooldownSeconds]).toEqual([2 * 86400, 7 * 86400, 86400]);
  const bad = consortiumConfigSchema.safeParse({ ...devConsortiumConfig(), rotationDelaySeconds: 3600, rotationPeriodSeconds: 60 });
  expect(bad.success).toBe(false);
  expect(bad.error!.issues[0]).toMatchObject({ path: ["rotationPeriodSeconds"], message: "the rotation period must be at least the rotation delay" });
});
