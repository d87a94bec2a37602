/**
 * Tier classification of a plan's steps by the tier table. Pure. Each changing step is decided by the first rule
 * that matches it, or by no rule, which makes it critical (fail closed). The change needs the highest tier of its
 * steps; its regions are those its steps touch (all of them when any critical step cannot be placed).
 */
import { REGIONS, type RegionName } from "../consortium/manifest";
import type { PlanStep } from "./plan";
import { PLAN_TIERS, type PlanTier, type TierRule, type TierTable } from "./tierTable";

/** The rule id shown for a step no rule covers. */
export const NO_RULE = "no-rule";

export interface ClassifiedStep {
  urn: string;
  type: string;
  name: string;
  operation: string;
  paths: string[];
  region: RegionName | null;
  tier: PlanTier;
  /** The id of the deciding rule, or NO_RULE. */
  rule: string;
  /** Why: the rule's description, or what no rule covered. */
  reason: string;
}

export interface Classification {
  /** Undefined when no step changes anything. */
  tier: PlanTier | undefined;
  regions: RegionName[];
  steps: ClassifiedStep[];
  /** Steps that change nothing (the engine's `same`), counted but not classified. */
  unchanged: number;
}

/** A glob over '.'-separated segments: '*' is one segment, '**' any number (also none). */
export function pathMatches(pattern: string, path: string): boolean {
  const match = (p: string[], s: string[]): boolean => {
    if (p.length === 0) return s.length === 0;
    if (p[0] === "**") return match(p.slice(1), s) || (s.length > 0 && match(p, s.slice(1)));
    return s.length > 0 && (p[0] === "*" || p[0] === s[0]) && match(p.slice(1), s.slice(1));
  };
  return match(pattern.split("."), path.split("."));
}

/** A resource-type pattern where '*' matches any run of characters. */
export function typeMatches(pattern: string, type: string): boolean {
  const re = new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, "\\$&")).join(".*")}$`);
  return re.test(type);
}

/** The region a step belongs to: from its provider's name, else from its own name. */
export function regionOfStep(step: Pick<PlanStep, "provider" | "name">, table: TierTable): RegionName | null {
  const re = new RegExp(table.regionOf.pattern);
  for (const candidate of [step.provider, step.name]) {
    const m = candidate ? re.exec(candidate) : null;
    const region = m?.[1] as RegionName | undefined;
    if (region && (REGIONS as readonly string[]).includes(region)) return region;
  }
  return null;
}

function scopeHolds(scope: TierRule["regions"], changeRegions: number): boolean {
  if (scope === "one") return changeRegions === 1;
  if (scope === "all") return changeRegions === REGIONS.length;
  return true;
}

function ruleMatches(rule: TierRule, step: PlanStep, changeRegions: number): boolean {
  if (!rule.types.some((t) => typeMatches(t, step.type))) return false;
  if (!rule.operations.includes(step.operation as TierRule["operations"][number])) return false;
  if (!scopeHolds(rule.regions, changeRegions)) return false;
  if (rule.paths === undefined) return true;
  const covered = (p: string) => rule.paths!.some((pattern) => pathMatches(pattern, p));
  return rule.pathMatch === "some" ? step.paths.some(covered) : step.paths.length > 0 && step.paths.every(covered);
}

function uncoveredReason(step: PlanStep, changeRegions: number): string {
  if (step.operation === undefined) return `no rule covers the engine steps [${step.engineSteps.join(", ")}]`;
  const paths = step.paths.length > 0 ? ` of ${step.paths.join(", ")}` : "";
  const where = changeRegions > 1 ? ` in a change touching ${changeRegions} regions` : "";
  return `no rule covers ${step.operation}${paths} on ${step.type}${where}`;
}

export function tierRank(tier: PlanTier): number {
  return PLAN_TIERS.indexOf(tier);
}

/** Classifies a plan's steps with a tier table. */
export function classifyPlan(steps: readonly PlanStep[], table: TierTable): Classification {
  const changing = steps.filter((s) => s.operation !== "same");
  const placed = changing.map((s) => ({ step: s, region: regionOfStep(s, table) }));
  const touched = REGIONS.filter((r) => placed.some((p) => p.region === r));
  const classified = placed.map(({ step, region }): ClassifiedStep => {
    const rule = table.rules.find((r) => ruleMatches(r, step, touched.length));
    const base = { urn: step.urn, type: step.type, name: step.name, operation: step.operation ?? `unknown (${step.engineSteps.join(", ")})`, paths: step.paths, region };
    return rule
      ? { ...base, tier: rule.tier, rule: rule.id, reason: rule.description }
      : { ...base, tier: "critical", rule: NO_RULE, reason: uncoveredReason(step, touched.length) };
  });
  if (classified.length === 0) return { tier: undefined, regions: [], steps: [], unchanged: steps.length };
  const tier = classified.reduce<PlanTier>((t, s) => (tierRank(s.tier) > tierRank(t) ? s.tier : t), "operational");
  const unplacedCritical = classified.some((s) => s.tier === "critical" && s.region === null);
  const regions = unplacedCritical || touched.length === 0 ? [...REGIONS] : touched;
  return { tier, regions, steps: classified, unchanged: steps.length - changing.length };
}

/** Why a manifest's claimed tier and regions fall short of what its plan needs (empty when they do not). */
export function claimShortfalls(claim: { tier: string; regions: readonly string[] }, needed: Classification): string[] {
  if (needed.tier === undefined) return [];
  const problems: string[] = [];
  const claimed = (PLAN_TIERS as readonly string[]).indexOf(claim.tier);
  if (claimed < tierRank(needed.tier)) {
    const decisive = needed.steps.filter((s) => s.tier === needed.tier).slice(0, 3);
    const why = decisive.map((s) => `${s.name} (${s.operation}, rule ${s.rule})`).join("; ");
    problems.push(`the manifest claims tier ${claim.tier}, but its plan needs ${needed.tier}: ${why}; make the change again with 'dsc change' and collect ${needed.tier} signatures`);
  }
  const missing = needed.regions.filter((r) => !claim.regions.includes(r));
  if (missing.length > 0) {
    problems.push(`the manifest claims regions ${claim.regions.join(", ")}, but its plan also touches ${missing.join(", ")}; make the change again with 'dsc change'`);
  }
  return problems;
}
