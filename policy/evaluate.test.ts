import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { evaluatePolicies, hasMandatoryViolation, providerUrn, ResourceRecord, toPolicyResources } from "./evaluate";
import { cloudLabelKey } from "./model";

const provider: ResourceRecord = { type: "pulumi:providers:aws", name: "p", urn: "urn:pulumi:s::proj::pulumi:providers:aws::p", props: { region: "us-east-1" } };
const bucket: ResourceRecord = { type: "aws:s3/bucket:Bucket", name: "b", urn: "urn:pulumi:s::proj::aws:s3/bucket:Bucket::b", props: {}, parent: provider.urn, provider: `${provider.urn}::p-id` };

const perResource: ResourceValidationPolicy = {
  name: "per-resource",
  description: "reports every bucket, skips the rest",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== bucket.type) args.notApplicable("not a bucket");
    report(`bucket in ${String(args.provider?.props.region)}`);
  },
};
const stackWide: StackValidationPolicy = {
  name: "stack-wide",
  description: "reports the parent of each resource",
  enforcementLevel: "advisory",
  validateStack: (args, report) => args.resources.forEach((r) => r.parent && report(`${r.name} under ${r.parent.name}`, r.urn)),
};

describe("evaluatePolicies", () => {
  it("resolves providers and parents the way the engine does, and reports with the resource's URN", async () => {
    const results = await evaluatePolicies([perResource, stackWide], toPolicyResources([provider, bucket]));
    expect(results.map((r) => [r.policy, r.enforcementLevel, r.violations])).toEqual([
      ["per-resource", "mandatory", [{ message: "bucket in us-east-1", urn: bucket.urn }]],
      ["stack-wide", "advisory", [{ message: "b under p", urn: bucket.urn }]],
    ]);
    expect(hasMandatoryViolation(results)).toBe(true);
  });

  it("takes enforcement levels from the pack config, and marks a policy that never applied", async () => {
    const results = await evaluatePolicies([perResource, stackWide], toPolicyResources([provider]), { "per-resource": "advisory", "stack-wide": { enforcementLevel: "disabled" } });
    expect(results.map((r) => [r.enforcementLevel, r.notApplicable])).toEqual([["advisory", "no resource of the types it checks"], ["disabled", "disabled by policy config"]]);
    expect(hasMandatoryViolation(results)).toBe(false);
  });

  it("splits provider references at the id, not inside the URN", () => {
    expect(providerUrn(`${provider.urn}::p-id`)).toBe(provider.urn);
    expect(providerUrn(provider.urn)).toBe(provider.urn);
  });
});

describe("cloudLabelKey", () => {
  it("reads which input a type takes its labels in from the SDK", () => {
    expect(["aws:eks/cluster:Cluster", "gcp:container/cluster:Cluster", "gcp:kms/cryptoKey:CryptoKey", "gcp:container/nodePool:NodePool", "azure-native:resources:ResourceGroup", "pulumi:providers:aws"].map(cloudLabelKey))
      .toEqual(["tags", "resourceLabels", "labels", undefined, "tags", undefined]);
  });
});
