import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { K8S_LABEL_KEYS } from "../labels";
import { parseArgs } from "../validation";
import { providerName, runWithMocks, single } from "../testing/mockRuntime";
import { GuardianWatchers } from "./guardianWatchers";
import { agentKeyProblem, guardianArgsSchema, watcherRbacRules } from "./spec";

const settings = {
  owner: { region: "gamma", dsp: "dsp-3" },
  image: "ghcr.io/dsc-federation/guardian-watcher:0.1.0",
  chain: { rpcUrl: "https://rpc.example.org", guardianAddress: "0x" + "1".repeat(40), consortiumSafeAddress: "0x" + "2".repeat(40) },
};
const KEY = "0x" + "ab".repeat(32);

function build(s: unknown) {
  return runWithMocks(
    () => {
      const provider = new k8s.Provider("gamma-k8s", { kubeconfig: "{}" });
      return { ns: new GuardianWatchers("gamma-guardian", { settings: s, agentKey: pulumi.secret(KEY) }, { provider }).namespace };
    },
    { project: "components", stack: "guardian" },
  );
}

describe("GuardianWatchers", () => {
  let run: Awaited<ReturnType<typeof build>>;
  beforeAll(async () => {
    run = await build(settings);
  });

  it("creates its objects through the given provider, labelled, as children of the component", () => {
    const objects = run.resources.filter((r) => r.type.startsWith("kubernetes:"));
    expect(objects.map((r) => r.type.split(":")[2]).sort()).toEqual(["ClusterRole", "ClusterRoleBinding", "ConfigMap", "Deployment", "Namespace", "Secret", "ServiceAccount"]);
    for (const r of objects) {
      expect(providerName(r)).toBe("gamma-k8s");
      expect(r.parent).toMatch(/GuardianWatchers::gamma-guardian$/);
      expect((r.inputs.metadata as { labels: Record<string, string> }).labels[K8S_LABEL_KEYS.region]).toBe("gamma");
    }
  });

  it("configures the chain through a ConfigMap and mounts the agent key from a secret", () => {
    expect(single(run.resources, "kubernetes:core/v1:ConfigMap").inputs.data).toEqual({
      DSC_REGION: "gamma",
      DSC_CHAIN_RPC_URL: "https://rpc.example.org",
      DSC_GUARDIAN_ADDRESS: settings.chain.guardianAddress,
      DSC_CONSORTIUM_SAFE_ADDRESS: settings.chain.consortiumSafeAddress,
    });
    const secret = JSON.stringify(single(run.resources, "kubernetes:core/v1:Secret").inputs);
    expect(secret).toContain("1b47061264138c4ac30d75fd1eb44270");
    const deploy = single(run.resources, "kubernetes:apps/v1:Deployment").inputs as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    const c = deploy.spec.template.spec.containers[0];
    expect(c.env).toEqual([{ name: "DSC_AGENT_KEY_FILE", value: "/etc/dsc/agent/agent-key" }]);
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } });
    expect(c.resources.limits).toEqual({ cpu: "500m", memory: "512Mi" });
  });

  it("refuses a missing chain address, naming the key", async () => {
    await expect(build({ ...settings, chain: { ...settings.chain, guardianAddress: "0x12" } })).rejects.toThrow(/chain\.guardianAddress: must be a 20-byte hex address/);
  });
});

describe("watcher settings", () => {
  it("grants read-only access and never to Secrets", () => {
    const rules = watcherRbacRules();
    expect(new Set(rules.flatMap((r) => r.verbs as string[]))).toEqual(new Set(["get", "list", "watch"]));
    expect(rules.flatMap((r) => r.resources as string[])).not.toContain("secrets");
  });
  it("accepts only 32-byte hex agent keys", () => {
    expect(agentKeyProblem(KEY)).toBeUndefined();
    expect(agentKeyProblem("0x1234")).toMatch(/32-byte hex private key/);
  });
  it("refuses an unpinned watcher image and a non-URL RPC endpoint", () => {
    expect(() => parseArgs("GuardianWatchers", guardianArgsSchema, { ...settings, image: "ghcr.io/x/watcher" })).toThrow(/image: "ghcr\.io\/x\/watcher" has no tag or digest/);
    expect(() => parseArgs("GuardianWatchers", guardianArgsSchema, { ...settings, chain: { ...settings.chain, rpcUrl: "ftp://x" } })).toThrow(/chain\.rpcUrl: must be an http\(s\) or ws\(s\) URL/);
  });
});
