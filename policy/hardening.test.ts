import { PolicyPackConfig } from "@pulumi/policy";
import { readStackConfigFile } from "../stacks/testing/stackFile";
import { evaluatePolicies, PolicyResult, toPolicyResources } from "./evaluate";
import { HardeningConfig, isExcepted, stackOfUrn, standingProblems } from "./hardening";
import { applyOverride, parseOverride } from "./overrides";
import { policies } from "./pack";
import { programRecords, StackName } from "./program";
import { stackPolicyConfig } from "./run";

const ROOT = `${__dirname}/..`;

/** The stack's config with `specs` (`dsc:aws.secretsEncryption=false`) applied, as `npm run policy -c` does. */
function overridden(stack: StackName, specs: string[]): Record<string, string> {
  let config = readStackConfigFile(ROOT, stack).config;
  for (const spec of specs) config = applyOverride(config, parseOverride(spec));
  const keys = new Set(specs.map((s) => parseOverride(s).key));
  return Object.fromEntries([...keys].map((k) => [k, config[k]]));
}

const mandatoryViolations = (results: PolicyResult[]) =>
  results.filter((r) => r.enforcementLevel === "mandatory").flatMap((r) => r.violations.map((v) => `${r.policy}: ${v.message}`));

/** Each hardening switch a stack file can turn off, the policy that must refuse it, and the config that does it. */
const SWITCHES: [StackName, string, string, string[]][] = [
  ["alpha", "eks-hardening", "aws.privateEndpointAccess", ["dsc:aws.privateEndpointAccess=false"]],
  ["alpha", "eks-hardening", "aws.secretsEncryption", ["dsc:aws.secretsEncryption=false"]],
  ["alpha", "eks-hardening", "aws.networkPolicyEnforcement", ["dsc:aws.networkPolicyEnforcement=false"]],
  ["alpha", "eks-hardening", "aws.controlPlaneLogTypes", ['dsc:aws.controlPlaneLogTypes=["api","audit","authenticator"]']],
  ["beta", "aks-hardening", "azure.privateCluster", ["dsc:azure.privateCluster=false", 'dsc:azure.authorizedIpRanges=["203.0.113.0/24"]']],
  ["beta", "aks-hardening", "azure.azureAdRbac", ["dsc:azure.azureAdRbac=false"]],
  ["beta", "aks-hardening", "azure.disableLocalAccounts", ["dsc:azure.disableLocalAccounts=false"]],
  ["beta", "aks-hardening", "azure.monitoring", ["dsc:azure.monitoring=false"]],
  ["gamma", "gke-hardening", "gcp.privateNodes", ["dsc:gcp.privateNodes=false"]],
  ["gamma", "gke-hardening", "gcp.workloadIdentity", ["dsc:gcp.workloadIdentity=false"]],
  ["gamma", "gke-hardening", "gcp.shieldedNodes", ["dsc:gcp.shieldedNodes=false"]],
  ["gamma", "gke-hardening", "gcp.secretsEncryption", ["dsc:gcp.secretsEncryption=false"]],
];

describe("a hardening switch turned off in a stack file", () => {
  it.each(SWITCHES)("%s: %s refuses %s unless the pack's exception list names the stack and the switch", async (stack, policy, switchName, specs) => {
    const resources = toPolicyResources(await programRecords(stack, { config: overridden(stack, specs) }));
    const config = stackPolicyConfig(stack);
    const refused = mandatoryViolations(await evaluatePolicies(policies, resources, config));
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((v) => v.startsWith(`${policy}: `) && v.includes(`(${switchName};`))).toBe(true);

    const exception = { stack, switch: switchName, reason: "accepted by the consortium for a test of the exception list" };
    const excepted: PolicyPackConfig = { ...config, [policy]: { exceptions: [exception] } };
    expect(mandatoryViolations(await evaluatePolicies(policies, resources, excepted))).toEqual([]);

    // An exception for another stack, or without a real reason, accepts nothing.
    for (const wrong of [{ ...exception, stack: "local" }, { ...exception, reason: "because" }]) {
      expect(mandatoryViolations(await evaluatePolicies(policies, resources, { ...config, [policy]: { exceptions: [wrong] } }))).toEqual(refused);
    }
  });
});

describe("the exception list", () => {
  const urn = "urn:pulumi:beta::dsc-federation::dsc:cluster:AzureCluster$azure-native:containerservice:ManagedCluster::beta-aks";
  const config: HardeningConfig = { exceptions: [{ stack: "beta", switch: "azure.monitoring", reason: "Log Analytics is replaced by the DSP's own SIEM" }] };

  it("reads the stack from the resource's URN", () => {
    expect(stackOfUrn(urn)).toBe("beta");
  });

  it("accepts only the switch and stack it names", () => {
    expect(isExcepted(config, "beta", "azure.monitoring")).toBe(true);
    expect(isExcepted(config, "beta", "azure.privateCluster")).toBe(false);
    expect(isExcepted(config, "alpha", "azure.monitoring")).toBe(false);
  });

  it("words a standing finding with its switch and where an exception would go", () => {
    const problems = standingProblems("aks-hardening", [{ switch: "azure.privateCluster", problem: "public." }, { switch: "azure.monitoring", problem: "no insights." }], config, urn);
    expect(problems).toEqual([
      'public. (azure.privateCluster; only an entry {stack: "beta", switch: "azure.privateCluster", reason} under aks-hardening.exceptions in policy/config/beta.json, a critical change, accepts it)',
    ]);
  });
});
