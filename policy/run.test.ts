import { checkStack, main } from "./run";
import { StackOutcome, stackPassed } from "./report";

function failures(outcome: StackOutcome): string[] {
  if ("error" in outcome) return [outcome.error];
  if ("engine" in outcome) return outcome.engine.code === 0 ? [] : [outcome.engine.output];
  return outcome.results.filter((r) => r.enforcementLevel === "mandatory").flatMap((r) => r.violations.map((v) => `${r.policy}: ${v.message}`));
}

async function captureOutput<T>(run: () => Promise<T>): Promise<{ result: T; output: string }> {
  const lines: string[] = [];
  const log = jest.spyOn(console, "log").mockImplementation((...args: unknown[]) => { lines.push(args.join(" ")); });
  const err = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    return { result: await run(), output: lines.join("\n") };
  } finally {
    log.mockRestore();
    err.mockRestore();
  }
}

describe("npm run policy", () => {
  it("fails beta when its config moves it to a US region: the program refuses it before any policy runs", async () => {
    const { outcome } = await checkStack("beta", ["dsc:azure.location=eastus"]);
    expect(stackPassed(outcome)).toBe(false);
    expect(failures(outcome)).toEqual([expect.stringContaining('"eastus" is not a European Azure location')]);
  });

  it.each([
    ["beta", "dsc:azure.disableLocalAccounts=false", "aks-hardening: azure-native:containerservice:ManagedCluster \"beta-aks\": local accounts are enabled"],
    ["alpha", "dsc:aws.secretsEncryption=false", "eks-hardening: aws:eks/cluster:Cluster \"alpha-eks\": secrets are not envelope-encrypted"],
    ["gamma", "dsc:gcp.privateNodes=false", "gke-hardening: gcp:container/cluster:Cluster \"gamma-gke\": nodes have public IPs"],
  ] as const)("fails %s when %s turns a hardening setting off", async (stack, override, message) => {
    const { outcome } = await checkStack(stack, [override]);
    expect(stackPassed(outcome)).toBe(false);
    expect(failures(outcome)).toContainEqual(expect.stringContaining(message));
  });

  it("prints a report per policy and exits 1 on a mandatory violation", async () => {
    const { result, output } = await captureOutput(() => main(["node", "run.ts", "-s", "beta", "-c", "dsc:azure.azureAdRbac=false", "--no-federation"]));
    expect(result).toBe(1);
    expect(output).toMatch(/^Stack beta: \d+ resources, 16 policies$/m);
    expect(output).toMatch(/^ {2}\[pass\] secret-config \(mandatory\)$/m);
    expect(output).toMatch(/^ {2}\[FAIL\] aks-hardening \(mandatory\) - 1 violation\(s\)$/m);
    expect(output).toMatch(/Entra ID with Azure RBAC is off: set aadProfile.managed true and aadProfile.enableAzureRBAC true. \(azure.azureAdRbac;/);
    expect(output).toMatch(/^ {2}\[pass\] isolation-placement \(mandatory\)$/m);
    expect(output).toMatch(/^ {2}beta: FAIL \(1 mandatory, 0 advisory violations\)$/m);
  });

  it("exits 0 when the three regional stacks and the federation pass", async () => {
    const { result, output } = await captureOutput(() => main(["node", "run.ts"]));
    expect(output).toMatch(/^Stack federation \(alpha\+beta\+gamma\): \d+ resources, 1 policies$/m);
    expect(output).toMatch(/Policy pack summary \(4 of 4 stacks pass\)/);
    expect(result).toBe(0);
  });
});
