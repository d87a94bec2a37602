import { evaluatePolicies, hasMandatoryViolation, PolicyResult, toPolicyResources } from "./evaluate";
import { policies } from "./pack";
import { stackPolicyConfig } from "./run";
import { stackRecords } from "./testing/program";

async function evaluateStack(stack: "alpha" | "beta" | "gamma" | "local"): Promise<PolicyResult[]> {
  return evaluatePolicies(policies, toPolicyResources(await stackRecords(stack)), stackPolicyConfig(stack));
}

const violationsOf = (results: PolicyResult[]) => results.flatMap((r) => r.violations.map((v) => `${r.policy}: ${v.message}`));

describe("the DSC policy pack on the real program", () => {
  const regional = ["alpha", "beta", "gamma"] as const;
  const results = new Map<string, PolicyResult[]>();

  beforeAll(async () => {
    for (const stack of [...regional, "local" as const]) results.set(stack, await evaluateStack(stack));
  });

  it.each(regional)("passes every policy on the %s stack", (stack) => {
    expect(violationsOf(results.get(stack) ?? [])).toEqual([]);
  });

  it.each(policies.map((p) => p.name))("%s applies to at least one regional stack (no policy passes vacuously)", (name) => {
    const applied = regional.filter((stack) => results.get(stack)?.find((r) => r.policy === name)?.notApplicable === undefined);
    expect(applied.length).toBeGreaterThan(0);
  });

  it("passes the local stack with only advisory findings: one replica per region on one machine", () => {
    const local = results.get("local") ?? [];
    expect(hasMandatoryViolation(local)).toBe(false);
    const advisory = local.filter((r) => r.violations.length > 0);
    expect(advisory.map((r) => [r.policy, r.enforcementLevel])).toEqual([["replication-layer", "advisory"]]);
    expect(advisory[0].violations.map((v) => v.message)).toContainEqual(expect.stringMatching(/runs 1 replicas; the federation needs at least 3/));
  });
});
