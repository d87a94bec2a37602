/**
 * The API server of a local cluster refuses what it should, and `pulumi up` (real engine, the project's
 * LocalCluster in cluster mode) fails with the server's reason: an object with an invalid field, and a
 * workload whose pod template breaks Pod Security `restricted` in a federation namespace.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import { LocalCluster, localKubeconfigFile } from "../../components/cluster/local";
import { federationK8sLabels } from "../../components/labels";
import { startLocalClusters, stopLocalClusters } from "../../scripts/kube/index";
import { createEngineStack, EngineStack } from "./engineStack";
import { keepProviderTempFiles } from "./kubeEngine";

const owner = { region: "alpha", dsp: "dsp-1" } as const;

/** A federation namespace on alpha's cluster and one Deployment in it, with the pod spec given. */
function program(root: string, name: string, spec: { replicas: number; pod: k8s.types.input.core.v1.PodSpec }) {
  return () => async () => {
    const cluster = new LocalCluster("alpha", { owner, kubeconfigFile: localKubeconfigFile(root, "alpha") });
    const labels = federationK8sLabels(owner);
    const ns = new k8s.core.v1.Namespace(`${name}-ns`, { metadata: { name, labels } }, { provider: cluster.provider });
    new k8s.apps.v1.Deployment(
      `${name}-deploy`,
      {
        metadata: { name, namespace: ns.metadata.name, labels },
        spec: {
          replicas: spec.replicas,
          selector: { matchLabels: { app: name } },
          template: { metadata: { labels: { app: name, ...labels } }, spec: spec.pod },
        },
      },
      { provider: cluster.provider },
    );
  };
}

const hardened: k8s.types.input.core.v1.PodSpec = {
  securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
  containers: [{ name: "app", image: "busybox:1.37", securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } }],
};

describe("refusals of a real API server, seen through pulumi up", () => {
  let root: string;
  const engines: EngineStack[] = [];

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-kube-refusals-"));
    await startLocalClusters({ root, regions: ["alpha"] });
  }, 120_000);

  afterAll(async () => {
    for (const engine of engines) engine.dispose();
    if (root === undefined) return;
    await stopLocalClusters({ root, regions: ["alpha"] });
    fs.rmSync(root, { recursive: true, force: true });
  }, 60_000);

  async function up(name: string, spec: { replicas: number; pod: k8s.types.input.core.v1.PodSpec }) {
    const engine = await createEngineStack("kube-refusals", name, program(root, name, spec));
    engines.push(engine);
    keepProviderTempFiles(engine);
    return engine.stack.up();
  }

  it("a hardened Deployment in a federation namespace is applied and becomes available", async () => {
    const result = await up("fed-ok", { replicas: 1, pod: hardened });
    expect(result.summary.result).toBe("succeeded");
    expect(result.summary.resourceChanges?.create).toBeGreaterThanOrEqual(4);
  }, 180_000);

  it("refuses an invalid field with the server's validation message", async () => {
    await expect(up("fed-invalid", { replicas: -1, pod: hardened })).rejects.toThrow(/spec\.replicas: Invalid value: -1: must be greater than or equal to 0/);
  }, 180_000);

  it("refuses a pod template that breaks restricted, naming the rule and the fix", async () => {
    const rootContainer = { containers: [{ name: "app", image: "busybox:1.37" }] };
    await expect(up("fed-root", { replicas: 1, pod: rootContainer })).rejects.toThrow(
      /violates PodSecurity "restricted" in a federation namespace: runAsNonRoot: set securityContext\.runAsNonRoot=true/,
    );
  }, 180_000);
});
