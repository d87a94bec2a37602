import { diffPaths, leafPaths, operationOf, parseUrn, providerName, readPlan } from "./plan";

const STS_URN = "urn:pulumi:local::dsc-federation::dsc:cluster:LocalCluster$dsc:replication:ReplicationLayer$kubernetes:apps/v1:StatefulSet::alpha-replication";
const PROVIDER = "urn:pulumi:local::dsc-federation::dsc:cluster:LocalCluster$pulumi:providers:kubernetes::alpha-k8s::6b1c1d5e-0000";
const SECRET = (c: string) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: c });

function plan(resourcePlans: Record<string, unknown>): Buffer {
  return Buffer.from(JSON.stringify({ manifest: { time: "2026-12-02T06:00:00Z", magic: "x", version: "v3.274.1" }, resourcePlans }));
}

test("URNs and provider references give type, name and provider name", () => {
  expect(parseUrn(STS_URN)).toEqual({ type: "kubernetes:apps/v1:StatefulSet", name: "alpha-replication" });
  expect(providerName(PROVIDER)).toBe("alpha-k8s");
  expect(providerName(undefined)).toBe("");
  expect(() => parseUrn("alpha")).toThrow(/not a Pulumi URN/);
});

test.each([
  [["same"], "same"],
  [["create"], "create"],
  [["update"], "update"],
  [["create-replacement", "replace", "delete-replaced"], "replace"],
  [["delete"], "delete"],
  [["read"], "read"],
  [["discard"], undefined],
  [[], undefined],
])("engine steps %j are operation %s", (steps, op) => expect(operationOf(steps)).toBe(op));

test("diffPaths names the nested paths that differ; secrets always differ", () => {
  const before = { spec: { replicas: 1, template: { spec: { containers: [{ image: "a", args: ["x"] }] } } } };
  const after = { spec: { replicas: 2, template: { spec: { containers: [{ image: "b", args: ["x"] }] } } } };
  expect(diffPaths(before.spec, after.spec, "spec")).toEqual(["spec.replicas", "spec.template.spec.containers.0.image"]);
  expect(diffPaths({ a: 1 }, { a: 1, b: { c: 2 } }, "x")).toEqual(["x.b.c"]);
  expect(diffPaths(SECRET("one"), SECRET("one"), "stringData")).toEqual(["stringData"]);
  expect(leafPaths({ a: [], b: {} }, "p")).toEqual(["p.a", "p.b"]);
});

test("readPlan turns resource plans into steps with changed paths against the current state", () => {
  const bytes = plan({
    [STS_URN]: {
      goal: { type: "kubernetes:apps/v1:StatefulSet", name: "alpha-replication", custom: true, provider: PROVIDER, inputDiff: { updates: { spec: { replicas: 1, serviceName: "h" } }, adds: { status: { x: 1 } } } },
      steps: ["update"],
    },
    "urn:pulumi:local::dsc-federation::kubernetes:core/v1:ConfigMap::beta-old": { steps: ["delete"] },
  });
  const prior = [{ urn: STS_URN, inputs: { spec: { replicas: 3, serviceName: "h" } }, provider: PROVIDER }];
  const steps = readPlan(bytes, prior);
  expect(steps).toEqual([
    { urn: STS_URN, type: "kubernetes:apps/v1:StatefulSet", name: "alpha-replication", operation: "update", engineSteps: ["update"], paths: ["spec.replicas", "status.x"], provider: "alpha-k8s" },
    { urn: "urn:pulumi:local::dsc-federation::kubernetes:core/v1:ConfigMap::beta-old", type: "kubernetes:core/v1:ConfigMap", name: "beta-old", operation: "delete", engineSteps: ["delete"], paths: [], provider: "" },
  ]);
  // Without the old value, every leaf of the new value counts as changed.
  expect(readPlan(bytes, [])[0].paths).toEqual(["spec.replicas", "spec.serviceName", "status.x"]);
});

test("readPlan refuses bytes that are no engine plan, saying what they must be", () => {
  expect(() => readPlan(Buffer.from("{ not json"), [])).toThrow(/not JSON.*--save-plan/);
  expect(() => readPlan(Buffer.from(JSON.stringify({ resourcePlans: {} })), [])).toThrow(/not an engine update plan: manifest/);
});
