import * as path from "path";
import { providerName } from "../components/testing/mockRuntime";
import { PROJECT_ROOT } from "./program";
import { MockedStackRun, runMockedStack } from "./testing/runMockedStack";

const REGIONS = ["alpha", "beta", "gamma"] as const;
const peersOf = (run: MockedStackRun, region: string): string => {
  const sts = run.resources.find((r) => r.type === "kubernetes:apps/v1:StatefulSet" && r.name === `${region}-replication-sts`);
  const env = (sts?.inputs as { spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } } }).spec.template.spec.containers[0].env;
  return env.find((e) => e.name === "DSC_PEERS")?.value ?? "";
};

describe("local stack (Pulumi.local.yaml) under the mock runtime", () => {
  let run: MockedStackRun;
  beforeAll(async () => {
    run = await runMockedStack("local");
  });

  it("creates no cloud resource and no stack reference", () => {
    const types = new Set(run.resources.map((r) => r.type.split(":")[0]));
    expect([...types].sort()).toEqual(["dsc", "kubernetes", "pulumi"]);
    expect(run.resources.filter((r) => r.type.startsWith("pulumi:") && r.type !== "pulumi:pulumi:Stack" && r.type !== "pulumi:providers:kubernetes")).toEqual([]);
  });

  it("renders each region into its own directory under the project root, never with a kubeconfig", () => {
    const providers = run.resources.filter((r) => r.type === "pulumi:providers:kubernetes");
    expect(providers.map((p) => [p.name, p.inputs.renderYamlToDirectory, p.inputs.kubeconfig])).toEqual(
      REGIONS.map((r) => [`${r}-k8s`, path.join(PROJECT_ROOT, ".state", "rendered", r), undefined]),
    );
  });

  it("installs replication and watchers for all three regions, each through its own region's provider", () => {
    for (const region of REGIONS) {
      const mine = run.resources.filter((r) => r.type.startsWith("kubernetes:") && r.name.startsWith(`${region}-`));
      expect(mine.length).toBeGreaterThanOrEqual(15);
      expect(new Set(mine.map(providerName))).toEqual(new Set([`${region}-k8s`]));
    }
    const workloads = run.resources.filter((r) => r.type.startsWith("kubernetes:"));
    expect(workloads.every((r) => REGIONS.some((region) => r.name.startsWith(`${region}-`)))).toBe(true);
  });

  it("wires every region's peers directly to the other two regions' in-cluster endpoints", () => {
    for (const region of REGIONS) {
      const peers = peersOf(run, region).split(",");
      const others = REGIONS.filter((r) => r !== region);
      expect(peers).toEqual([
        `${region}-0=wss://replication-0.replication-headless.dsc-replication-${region}.svc.cluster.local:7070`,
        ...others.map((o) => `${o}=wss://replication-peer.dsc-replication-${o}.svc.cluster.local:7070`),
      ]);
    }
    expect(Object.keys(run.outputs.regions as object)).toEqual([...REGIONS]);
  });

  it("points each region's watcher at its own replication node only, with the status token in its own Secret", () => {
    const outputs = run.outputs.regions as Record<string, { replicationEndpoint: string }>;
    for (const region of REGIONS) {
      const config = run.resources.find((r) => r.type === "kubernetes:core/v1:ConfigMap" && r.name === `${region}-guardian-config`);
      const data = config?.inputs.data as Record<string, string>;
      expect([data.DSC_REPLICATION_URL, data.DSC_PEER_REPLICATION_URLS]).toEqual([outputs[region].replicationEndpoint, undefined]);
      expect(data.DSC_REPLICATION_URL).toContain(`dsc-replication-${region}.svc`);
      expect(run.resources.filter((r) => r.name === `${region}-guardian-replication-token`).map((r) => r.type)).toEqual(["kubernetes:core/v1:Secret"]);
    }
  });

  it("takes a different render root from config", async () => {
    const other = await runMockedStack("local", { config: { "dsc:local": JSON.stringify({ renderRoot: "/tmp/dsc-render", regions: { alpha: { dsp: "dsp-1" }, beta: { dsp: "dsp-2" }, gamma: { dsp: "dsp-3" } } }) } });
    const dirs = other.resources.filter((r) => r.type === "pulumi:providers:kubernetes").map((p) => p.inputs.renderYamlToDirectory);
    expect(dirs).toEqual(REGIONS.map((r) => path.resolve("/tmp/dsc-render", r)));
  });

  it("gives one region its own replication resources when dsc:local sets them, the others keep dsc:replication's", async () => {
    const resources = { cpuRequest: "300m", cpuLimit: "2", memoryRequest: "384Mi", memoryLimit: "2Gi" };
    const regions = { alpha: { dsp: "dsp-1" }, beta: { dsp: "dsp-2", replicationResources: resources }, gamma: { dsp: "dsp-3" } };
    const other = await runMockedStack("local", { config: { "dsc:local": JSON.stringify({ regions }) } });
    const limits = (r: MockedStackRun, region: string) => {
      const sts = r.resources.find((x) => x.type === "kubernetes:apps/v1:StatefulSet" && x.name === `${region}-replication-sts`);
      return (sts?.inputs as { spec: { template: { spec: { containers: { resources: { limits: Record<string, string> } }[] } } } }).spec.template.spec.containers[0].resources.limits;
    };
    expect(limits(other, "beta")).toEqual({ cpu: "2", memory: "2Gi" });
    expect(limits(other, "alpha")).toEqual(limits(run, "alpha"));
    expect(limits(other, "gamma")).toEqual(limits(run, "gamma"));
    expect(limits(run, "beta")).toEqual(limits(run, "alpha"));
    await expect(runMockedStack("local", { config: { "dsc:local": JSON.stringify({ regions: { ...regions, beta: { dsp: "dsp-2", replicationResources: { cpuLimit: "lots" } } } }) } })).rejects.toThrow(/dsc:local\.regions\.beta\.replicationResources\.cpuLimit/);
  });

  it("needs every region's agent key", async () => {
    await expect(runMockedStack("local", { config: { "dsc:watcherAgentKeys": JSON.stringify({ alpha: "0x" + "1".repeat(64) }) } })).rejects.toThrow(
      /dsc:watcherAgentKeys\.beta: missing[\s\S]*dsc:watcherAgentKeys\.gamma: missing/,
    );
  });
});
