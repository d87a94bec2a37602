/**
 * The tier table: the rules that say which tier a plan step needs, kept as data (tier-table.json) with this
 * schema. Its digest is the keccak256 of the file's exact bytes; TierRules holds the digest the gate must use.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { keccak256 } from "ethers";
import { z } from "zod";

/** Tiers a plan can need, lowest first (emergency and rotation are not plan tiers). */
export const PLAN_TIERS = ["operational", "fleet", "critical"] as const;
export type PlanTier = (typeof PLAN_TIERS)[number];

/** What a plan step does to its resource, derived from the engine's step list. */
export const OPERATIONS = ["create", "update", "replace", "delete", "read", "import"] as const;
export type Operation = (typeof OPERATIONS)[number];

/** Where the rule's region condition looks: how many regions the whole change touches. */
export const REGION_SCOPES = ["one", "all", "any"] as const;

const rule = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/, "a rule id is lower-case words joined by '-'"),
    description: z.string().min(1, "say in words what the rule covers"),
    tier: z.enum(PLAN_TIERS),
    types: z.array(z.string().min(1)).min(1, "a rule names at least one resource type (a '*' matches any run of characters)"),
    operations: z.array(z.enum(OPERATIONS)).min(1, "a rule names at least one operation"),
    /** Changed property paths ('.'-separated; '*' one segment, '**' any number). Absent: any paths. */
    paths: z.array(z.string().min(1)).min(1).optional(),
    /** "every" (default): every changed path must match one pattern; "some": one matching path is enough. */
    pathMatch: z.enum(["every", "some"]).default("every"),
    regions: z.enum(REGION_SCOPES),
  })
  .strict();
export type TierRule = z.output<typeof rule>;

export const tierTableSchema = z
  .object({
    version: z.literal(1),
    about: z.string(),
    regionOf: z.object({ about: z.string(), pattern: z.string() }).strict(),
    rules: z.array(rule),
  })
  .strict()
  .superRefine((t, ctx) => {
    try {
      new RegExp(t.regionOf.pattern);
    } catch (err) {
      ctx.addIssue({ code: "custom", path: ["regionOf", "pattern"], message: `not a regular expression: ${(err as Error).message}` });
    }
    t.rules.forEach((r, i) => {
      if (t.rules.findIndex((o) => o.id === r.id) !== i) ctx.addIssue({ code: "custom", path: ["rules", i, "id"], message: `rule id ${r.id} is used twice` });
    });
  });
export type TierTable = z.output<typeof tierTableSchema>;

export const TIER_TABLE_FILE = path.join(__dirname, "tier-table.json");

/** A tier table and the digest of the exact bytes it was read from. */
export interface LoadedTierTable {
  table: TierTable;
  digest: string;
  file: string;
}

/** Parses tier-table bytes; throws naming the field when they do not fit the schema. */
export function parseTierTable(bytes: Buffer, file = TIER_TABLE_FILE): LoadedTierTable {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw new Error(`${file}: not JSON (${(err as Error).message})`, { cause: err });
  }
  const result = tierTableSchema.safeParse(json);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  - ${i.path.join(".") || "(top)"}: ${i.message}`);
    throw new Error(`${file}: not a valid tier table:\n${lines.join("\n")}`);
  }
  return { table: result.data, digest: keccak256(bytes), file };
}

/** Reads the repository's tier table (or another file). */
export function loadTierTable(file = TIER_TABLE_FILE): LoadedTierTable {
  return parseTierTable(readFileSync(file), file);
}
