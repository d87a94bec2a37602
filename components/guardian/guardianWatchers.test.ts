import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { K8S_LABEL_KEYS } from "../labels";
import { parseArgs } from "../validation";
import { providerName, runWithMocks, single } from "../testing/mockRuntime";
import { GuardianWatchers } from "./guardianWatchers";
import { resolveConfig, settingsFromEnv } from "../../services/watcher/src/config";
import { agentKeyProblem, guardianArgsSchema, watcherConfigData, watcherFileEnv, watcherRbacRules } from "./spec";

const settings = {
  owner: { region: "gamma", dsp: "dsp-3" },
  image: "ghcr.io/dsc-federation/guardian-watcher:0.1.0",
  chain: { rpcUrl: "https://rpc.example.org", guardianAddress: "0x" + "1".repeat(40), consortiumSafeAddress: "0x" + "2".repeat(40), tierRulesAddress: "0x" + "3".repeat(40) },
};
const replication = {
  replicationEndpoint: "http://replication-api.dsc-replication-gamma.svc.cluster.local:8080",
  peerReplicationEndpoints: [
    { name: "alpha", url: "https://replication.alpha.example.org" },
    { name: "beta", url: "https://replication.beta.example.org" },
  ],
};
const KEY = "0x" + "ab".repeat(32);

function build(s: unknown, extra: Partial<ConstructorParameters<typeof GuardianWatchers>[1]> = {}) {
  return runWithMocks(
    () => {
      const provider = new k8s.Provider("gamma-k8s", { kubeconfig: "{}" });
      return { ns: new GuardianWatchers("gamma-guardian", { settings: s, agentKey: pulumi.secret(KEY), ...extra }, { provider }).namespace };
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
      DSC_LISTEN: "0.0.0.0:8080",
      DSC_STATE_DIR: "/var/lib/dsc-watcher",
      DSC_DETECTORS: "drift,consortium",
      DSC_CHAIN_RPC_URL: "https://rpc.example.org",
      DSC_GUARDIAN_ADDRESS: settings.chain.guardianAddress,
      DSC_CONSORTIUM_SAFE_ADDRESS: settings.chain.consortiumSafeAddress,
      DSC_TIER_RULES_ADDRESS: settings.chain.tierRulesAddress,
    });
    const secret = JSON.stringify(single(run.resources, "kubernetes:core/v1:Secret").inputs);
    expect(secret).toContain("1b47061264138c4ac30d75fd1eb44270");
    const deploy = single(run.resources, "kubernetes:apps/v1:Deployment").inputs as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    const c = deploy.spec.template.spec.containers[0];
    expect(c.env).toEqual([{ name: "DSC_AGENT_KEY_FILE", value: "/etc/dsc/agent/agent-key" }]);
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } });
    expect(c.resources.limits).toEqual({ cpu: "500m", memory: "512Mi" });
    expect(c.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "http" });
    expect(c.volumeMounts.map((m: { mountPath: string }) => m.mountPath)).toEqual(["/etc/dsc/agent", "/var/lib/dsc-watcher", "/tmp"]);
  });

  it("wires the replication endpoints and mounts the status token from its own Secret", async () => {
    const wired = await build(settings, { ...replication, replicationToken: pulumi.secret("eyJ.token.sig") });
    const data = single(wired.resources, "kubernetes:core/v1:ConfigMap").inputs.data as Record<string, string>;
    expect(data).toMatchObject({
      DSC_DETECTORS: "drift,replication,consortium",
      DSC_REPLICATION_URL: replication.replicationEndpoint,
      DSC_PEER_REPLICATION_URLS: "alpha=https://replication.alpha.example.org,beta=https://replication.beta.example.org",
    });
    const secrets = wired.resources.filter((r) => r.type === "kubernetes:core/v1:Secret");
    expect(secrets.map((r) => (r.inputs.metadata as { name: string }).name).sort()).toEqual(["guardian-agent-key", "guardian-replication-token"]);
    const c = (single(wired.resources, "kubernetes:apps/v1:Deployment").inputs as any).spec.template.spec.containers[0]; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(c.env).toContainEqual({ name: "DSC_REPLICATION_TOKEN_FILE", value: "/etc/dsc/replication/token" });
    expect(JSON.stringify(data) + JSON.stringify(c.env)).not.toContain("eyJ.token.sig");
  });

  it("refuses a missing chain address, naming the key", async () => {
    await expect(build({ ...settings, chain: { ...settings.chain, guardianAddress: "0x12" } })).rejects.toThrow(/chain\.guardianAddress: must be a 20-byte hex address/);
  });
});

describe("watcher settings", () => {
  it("are exactly what the watcher reads: its config from the ConfigMap and the container env starts it, with or without replication", () => {
    for (const [wiring, token] of [[{ peers: [] }, false], [{ url: replication.replicationEndpoint, peers: replication.peerReplicationEndpoints }, true]] as const) {
      const s = parseArgs("GuardianWatchers", guardianArgsSchema, settings);
      const env = { ...watcherConfigData(s, wiring), ...Object.fromEntries(watcherFileEnv(token).map((e) => [e.name, e.value])) };
      const result = resolveConfig(settingsFromEnv({}, env), true);
      if (!result.ok) throw new Error(result.errors.join("\n"));
      expect(result.config).toMatchObject({ region: "gamma", listen: { host: "0.0.0.0", port: 8080 }, stateDir: "/var/lib/dsc-watcher", agentKeyFile: "/etc/dsc/agent/agent-key" });
      expect(result.config.chain).toMatchObject({ rpcUrl: "https://rpc.example.org", tierRules: settings.chain.tierRulesAddress });
      expect(result.config.replication.tokenFile).toBe(token ? "/etc/dsc/replication/token" : undefined);
      expect(result.config.replication.peers).toHaveLength(wiring.peers.length);
    }
  });
  it("a stack without the TierRules address yields a watcher that refuses to start, saying which setting", () => {
    const s = parseArgs("GuardianWatchers", guardianArgsSchema, { ...settings, chain: { ...settings.chain, tierRulesAddress: undefined } });
    const result = resolveConfig(settingsFromEnv({}, { ...watcherConfigData(s, { peers: [] }), DSC_AGENT_KEY_FILE: "/k" }), true);
    expect(result.ok ? [] : result.errors).toEqual([expect.stringMatching(/^tierRulesAddress: the TierRules address is required \(--tier-rules-address or DSC_TIER_RULES_ADDRESS\)/)]);
  });
  it("grants read-only access and never to Secrets", () => {
    const rules = watcherRbacRules();
    expect(new Set(rules.flatMap((r) => r.verbs as string[]))).toEqual(new Set(["get", "list", "watch"]));
    expect(rules.flatMap((r) => r.resources as string[])).toEqual(expect.arrayContaining(["statefulsets", "pods", "jobs", "cronjobs", "clusterroles"]));
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
