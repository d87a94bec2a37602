import fc from "fast-check";
import { classifyPlan, claimShortfalls, NO_RULE, pathMatches, regionOfStep, typeMatches } from "./classify";
import type { PlanStep } from "./plan";
import { loadTierTable, parseTierTable } from "./tierTable";

const { table } = loadTierTable();
const STS = "kubernetes:apps/v1:StatefulSet";
const DEPLOY = "kubernetes:apps/v1:Deployment";

/** A step of the local stack: `<region>-...` resources through the region's `<region>-k8s` provider. */
function step(region: string, type: string, operation: PlanStep["operation"], paths: string[] = [], name = `${region}-replication`): PlanStep {
  return { urn: `urn:pulumi:local::dsc-federation::${type}::${name}-${type}`, type, name, operation, engineSteps: [String(operation)], paths, provider: `${region}-k8s` };
}
const image = (region: string, type = STS) => step(region, type, "update", ["spec.template.spec.containers.0.image"]);

describe("classifyPlan", () => {
  test("a node pool's size bounds in one region is operational in that region", () => {
    const c = classifyPlan([step("beta", "azure-native:containerservice:AgentPool", "update", ["maxCount", "minCount"], "beta-user")], table);
    expect(c).toMatchObject({ tier: "operational", regions: ["beta"] });
    expect(c.steps[0]).toMatchObject({ rule: "node-pool-size-bounds", region: "beta", tier: "operational" });
  });

  test("the replica count in one region is operational; in every region fleet; in two regions critical", () => {
    const replicas = (r: string) => step(r, STS, "update", ["spec.replicas"]);
    expect(classifyPlan([replicas("alpha")], table)).toMatchObject({ tier: "operational", regions: ["alpha"] });
    expect(classifyPlan(["alpha", "beta", "gamma"].map(replicas), table)).toMatchObject({ tier: "fleet", regions: ["alpha", "beta", "gamma"] });
    const two = classifyPlan([replicas("alpha"), replicas("gamma")], table);
    expect(two).toMatchObject({ tier: "critical", regions: ["alpha", "gamma"] });
    expect(two.steps.map((s) => s.rule)).toEqual([NO_RULE, NO_RULE]);
    expect(two.steps[0].reason).toMatch(/no rule covers update of spec.replicas on kubernetes:apps\/v1:StatefulSet in a change touching 2 regions/);
  });

  test("the replication and watcher images in every region are fleet; in one region critical", () => {
    const fleet = classifyPlan(["alpha", "beta", "gamma"].flatMap((r) => [image(r), image(r, DEPLOY)]), table);
    expect(fleet.tier).toBe("fleet");
    expect(new Set(fleet.steps.map((s) => s.rule))).toEqual(new Set(["workload-image-every-region"]));
    expect(classifyPlan([image("alpha")], table)).toMatchObject({ tier: "critical", regions: ["alpha"] });
  });

  test("the Kubernetes version is critical even beside paths an operational rule covers", () => {
    const c = classifyPlan([step("alpha", "aws:eks/nodeGroup:NodeGroup", "update", ["scalingConfig.maxSize", "version"], "alpha-general")], table);
    expect(c.steps[0]).toMatchObject({ tier: "critical", rule: "kubernetes-version" });
  });

  test("deleting or replacing a stateful resource is critical", () => {
    for (const op of ["delete", "replace"] as const) {
      expect(classifyPlan([step("gamma", STS, op)], table).steps[0]).toMatchObject({ tier: "critical", rule: "stateful-delete-or-replace" });
    }
  });

  test("a step no rule covers makes the whole change critical (fail closed)", () => {
    const c = classifyPlan([step("alpha", STS, "update", ["spec.replicas"]), step("alpha", "kubernetes:core/v1:ConfigMap", "create", [], "alpha-extra")], table);
    expect(c.tier).toBe("critical");
    expect(c.steps.map((s) => [s.rule, s.tier])).toEqual([
      ["replication-replicas-one-region", "operational"],
      [NO_RULE, "critical"],
    ]);
  });

  test("an operational path mixed with an uncovered one is not covered by the operational rule", () => {
    const c = classifyPlan([step("alpha", STS, "update", ["spec.replicas", "spec.template.spec.containers.0.args.0"])], table);
    expect(c.steps[0]).toMatchObject({ rule: NO_RULE, tier: "critical" });
  });

  test("an update whose changed paths are unknown (none listed) is not covered by a path rule", () => {
    expect(classifyPlan([step("alpha", STS, "update", [])], table).steps[0].rule).toBe(NO_RULE);
  });

  test("engine steps the gate does not know are critical", () => {
    const c = classifyPlan([{ ...step("alpha", STS, undefined), engineSteps: ["discard"] }], table);
    expect(c.steps[0]).toMatchObject({ tier: "critical", operation: "unknown (discard)" });
    expect(c.steps[0].reason).toMatch(/engine steps \[discard\]/);
  });

  test("a critical step that belongs to no region makes the change touch every region", () => {
    const c = classifyPlan([step("alpha", STS, "update", ["spec.replicas"]), { ...step("x", "pulumi:pulumi:Stack", "create", [], "dsc-federation-local"), provider: "" }], table);
    expect(c).toMatchObject({ tier: "critical", regions: ["alpha", "beta", "gamma"] });
  });

  test("steps that change nothing are counted, not classified; a plan of only those needs no tier", () => {
    expect(classifyPlan([step("alpha", STS, "same"), step("beta", STS, "same")], table)).toEqual({ tier: undefined, regions: [], steps: [], unchanged: 2 });
  });

  test("a peer stack read needs nothing beyond operational and belongs to no region", () => {
    const read = { ...step("x", "pulumi:pulumi:StackReference", "read", [], "organization/dsc-federation/beta"), provider: "" };
    const c = classifyPlan([read, step("alpha", STS, "update", ["spec.replicas"])], table);
    expect(c).toMatchObject({ tier: "operational", regions: ["alpha"] });
  });

  test("whatever else a change holds, one uncovered step makes it critical (property)", () => {
    const ops = ["create", "update", "replace", "delete", "read", "same"] as const;
    const arbStep = fc.record({
      region: fc.constantFrom("alpha", "beta", "gamma"),
      type: fc.constantFrom(STS, DEPLOY, "aws:eks/nodeGroup:NodeGroup", "pulumi:pulumi:StackReference"),
      op: fc.constantFrom(...ops),
      paths: fc.subarray(["spec.replicas", "spec.template.spec.containers.0.image", "maxCount", "version"]),
    });
    fc.assert(
      fc.property(fc.array(arbStep, { maxLength: 6 }), fc.constantFrom("alpha", "beta", "gamma"), (steps, region) => {
        const plan = [...steps.map((s) => step(s.region, s.type, s.op, s.paths)), step(region, "kubernetes:core/v1:ConfigMap", "create", [], `${region}-new`)];
        const c = classifyPlan(plan, table);
        return c.tier === "critical" && c.steps.some((s) => s.rule === NO_RULE) && c.regions.includes(region as "alpha");
      }),
    );
  });
});

describe("claimShortfalls", () => {
  const needed = classifyPlan(["alpha", "beta", "gamma"].map((r) => image(r)), table);
  test("a claim at or above the plan's tier and regions passes", () => {
    expect(claimShortfalls({ tier: "fleet", regions: ["alpha", "beta", "gamma"] }, needed)).toEqual([]);
    expect(claimShortfalls({ tier: "critical", regions: ["alpha", "beta", "gamma"] }, needed)).toEqual([]);
  });
  test("a lower tier or fewer regions is refused with what the plan needs", () => {
    const [tier] = claimShortfalls({ tier: "operational", regions: ["alpha", "beta", "gamma"] }, needed);
    expect(tier).toMatch(/claims tier operational, but its plan needs fleet: alpha-replication \(update, rule workload-image-every-region\)/);
    const [regions] = claimShortfalls({ tier: "fleet", regions: ["alpha"] }, needed);
    expect(regions).toMatch(/also touches beta, gamma/);
    expect(claimShortfalls({ tier: "emergency", regions: [] }, needed)).toHaveLength(2);
  });
});

describe("matching", () => {
  test.each([
    ["spec.replicas", "spec.replicas", true],
    ["spec.*", "spec.replicas", true],
    ["spec.*", "spec.template.spec", false],
    ["spec.**", "spec.template.spec", true],
    ["spec.template.spec.containers.*.resources.**", "spec.template.spec.containers.0.resources.limits.cpu", true],
    ["spec.template.spec.containers.*.resources.**", "spec.template.spec.containers.0.image", false],
    ["spec.replicas", "spec.replicasX", false],
  ])("path %s against %s is %s", (pattern, path, expected) => expect(pathMatches(pattern, path)).toBe(expected));

  test("type patterns: '*' any run of characters, everything else literal", () => {
    expect(typeMatches("kubernetes:*", STS)).toBe(true);
    expect(typeMatches("kubernetes:apps/v1:StatefulSet", STS)).toBe(true);
    expect(typeMatches("kubernetes:apps/v1:Stateful", STS)).toBe(false);
    expect(typeMatches("kubernetes:apps.v1:StatefulSet", STS)).toBe(false);
  });

  test("a step's region comes from its provider, then from its name", () => {
    expect(regionOfStep({ provider: "gamma-k8s", name: "whatever" }, table)).toBe("gamma");
    expect(regionOfStep({ provider: "", name: "beta" }, table)).toBe("beta");
    expect(regionOfStep({ provider: "default_4_34_2", name: "alphabet" }, table)).toBeNull();
  });
});

describe("the tier table", () => {
  test("the committed table parses and its digest is over its exact bytes", () => {
    const loaded = loadTierTable();
    expect(loaded.digest).toMatch(/^0x[0-9a-f]{64}$/);
    const reformatted = parseTierTable(Buffer.from(JSON.stringify(loaded.table)));
    expect(reformatted.table).toEqual(loaded.table);
    expect(reformatted.digest).not.toBe(loaded.digest);
  });

  test("a malformed table is refused naming the field", () => {
    const bad = { ...table, rules: [{ ...table.rules[0], tier: "urgent" }, table.rules[0]] };
    expect(() => parseTierTable(Buffer.from(JSON.stringify(bad)))).toThrow(/rules\.0\.tier/);
    const dup = { ...table, rules: [table.rules[0], table.rules[0]] };
    expect(() => parseTierTable(Buffer.from(JSON.stringify(dup)))).toThrow(/rules\.1\.id: rule id stateful-delete-or-replace is used twice/);
    expect(() => parseTierTable(Buffer.from("{"))).toThrow(/not JSON/);
    expect(() => parseTierTable(Buffer.from(JSON.stringify({ ...table, regionOf: { about: "", pattern: "(" } })))).toThrow(/regionOf\.pattern: not a regular expression/);
  });
});
