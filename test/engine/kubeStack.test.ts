/**
 * The project's real program, `local` stack, on the real engine and three real API servers (scripts/kube, kwok
 * playing the kubelets): a saved plan applied, every region's replication layer and watchers Running on its
 * kwok node, a second up with nothing to do, and drift made with `kubectl edit` found by refresh and shown by
 * preview. The stack's config is what `npm start` gives it: Pulumi.local.yaml, the run-time settings of
 * scripts/local-config.ts, and dsc:localKubeconfigDir pointing at the clusters.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ConfigMap, LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { parse } from "yaml";
import { DEV_KEYS } from "../../governance/consortium/dev-keys";
import { configSetAllArgs, ensureLocalTrust } from "../../scripts/local-config";
import { apiRequest } from "../../scripts/kube/api";
import { nodeName } from "../../scripts/kube/bootstrap";
import { adminEndpoint } from "../../scripts/kube/cluster";
import { ClusterInfo, startLocalClusters, stopLocalClusters } from "../../scripts/kube/index";
import { clusterLayout } from "../../scripts/kube/layout";
import { federationProgram } from "../../stacks/program";
import { createEngineStack, EngineStack } from "./engineStack";
import { keepProviderTempFiles } from "./kubeEngine";
import { PROJECT_ROOT } from "./toolchain";

const REGIONS = ["alpha", "beta", "gamma"] as const;
const KUBECTL = path.join(PROJECT_ROOT, ".toolchain", "bin", "kubectl");

/**
 * Pulumi.local.yaml's keys (objects as JSON, as the engine hands them over), then the run-time settings
 * exactly as scripts/local-config.ts gives them to `pulumi config set-all --path`, then the clusters' folder.
 */
async function setLocalStackConfig(stack: Stack, kubeconfigDir: string, scratch: string): Promise<void> {
  const file = parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.local.yaml"), "utf8")) as { config: Record<string, unknown> };
  const committed: ConfigMap = { "dsc:localKubeconfigDir": { value: kubeconfigDir } };
  for (const [key, value] of Object.entries(file.config)) committed[key] = { value: typeof value === "string" ? value : JSON.stringify(value) };
  await stack.setAllConfig(committed);
  const trust = await ensureLocalTrust(path.join(scratch, "trust"));
  const args = configSetAllArgs({ agentKeys: DEV_KEYS.agents, peerSecret: "e".repeat(64), rpcUrl: "http://127.0.0.1:8545", trust });
  const runtime: ConfigMap = {};
  for (let i = 0; i < args.length; i++) {
    if (args[i] !== "--secret" && args[i] !== "--plaintext") continue;
    const [key, ...rest] = args[i + 1].split("=");
    runtime[key] = { value: rest.join("="), secret: args[i] === "--secret" };
  }
  await stack.setAllConfig(runtime, true);
}

interface PodView {
  metadata: { name: string };
  spec: { nodeName?: string };
  status: { phase?: string };
}

describe("the local stack on three real API servers", () => {
  let root: string;
  let clusters: Record<string, ClusterInfo>;
  let engine: EngineStack | undefined;

  const pods = async (region: string, namespace: string): Promise<PodView[]> => {
    const res = await apiRequest(adminEndpoint(clusterLayout(root, region), clusters[region].server), "GET", `/api/v1/namespaces/${namespace}/pods`);
    expect(res.status).toBe(200);
    return (JSON.parse(res.body) as { items: PodView[] }).items;
  };

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-kube-stack-"));
    clusters = await startLocalClusters({ root, regions: REGIONS });
    engine = await createEngineStack("dsc-federation", "local", () => async () => federationProgram());
    keepProviderTempFiles(engine);
    await setLocalStackConfig(engine.stack, root, engine.scratch);
  }, 180_000);

  afterAll(async () => {
    engine?.dispose();
    if (root === undefined) return;
    await stopLocalClusters({ root, regions: REGIONS });
    fs.rmSync(root, { recursive: true, force: true });
  }, 60_000);

  it("applies a saved plan to every region: replication layer and watchers Running on kwok; a second up changes nothing", async () => {
    const { stack, scratch } = engine!;
    const planFile = path.join(scratch, "plan.json");
    const preview = await stack.preview({ plan: planFile });
    const planned = preview.changeSummary.create ?? 0;
    expect(planned).toBeGreaterThan(REGIONS.length * 5);

    const up = await stack.up({ plan: planFile });
    expect(up.summary.result).toBe("succeeded");
    expect(up.summary.resourceChanges?.create).toBe(planned);
    for (const region of REGIONS) {
      for (const namespace of [`dsc-replication-${region}`, `dsc-guardian-${region}`]) {
        const running = await pods(region, namespace);
        expect(running.length).toBeGreaterThan(0);
        for (const pod of running) {
          expect({ pod: pod.metadata.name, phase: pod.status.phase, node: pod.spec.nodeName }).toEqual({ pod: pod.metadata.name, phase: "Running", node: nodeName(region) });
        }
      }
    }

    const again = await stack.up();
    expect(Object.keys(again.summary.resourceChanges ?? {})).toEqual(["same"]);
  }, 420_000);

  it("finds a change made with kubectl edit on refresh; preview shows the update that undoes it, up makes it", async () => {
    const { stack } = engine!;
    const namespace = "dsc-guardian-beta";
    const list = spawnSync(KUBECTL, ["--kubeconfig", clusters.beta.kubeconfig, "-n", namespace, "get", "deployments", "-o", "name"], { encoding: "utf8", timeout: 20_000 });
    const deployment = list.stdout.trim().split("\n")[0];
    expect(deployment).toMatch(/^deployment\.apps\//);
    // A real `kubectl edit`, its editor a sed that raises the replica count.
    const edit = spawnSync(KUBECTL, ["--kubeconfig", clusters.beta.kubeconfig, "-n", namespace, "edit", deployment], {
      encoding: "utf8",
      timeout: 30_000,
      env: { ...process.env, KUBE_EDITOR: "sed -i -e 's/^  replicas: 1$/  replicas: 3/'" },
    });
    expect(edit.stderr).toBe("");
    expect(edit.stdout).toContain("edited");

    const refresh = await stack.refresh();
    expect(refresh.summary.resourceChanges?.update ?? 0).toBeGreaterThanOrEqual(1);
    // kubectl-edit now owns .spec.replicas; server-side apply refuses to take a field from another manager
    // unless told to. The program owns these objects, so the provider is told to (its switch is this env var).
    (stack.workspace as LocalWorkspace).envVars.PULUMI_K8S_ENABLE_PATCH_FORCE = "true";
    const preview = await stack.preview({ diff: true });
    expect(preview.changeSummary.update).toBe(1);
    expect(preview.stdout).toMatch(/replicas\s*:\s*3\s*=>\s*1/);
    const up = await stack.up();
    expect(up.summary.resourceChanges?.update).toBe(1);
    const live = spawnSync(KUBECTL, ["--kubeconfig", clusters.beta.kubeconfig, "-n", namespace, "get", deployment, "-o", "jsonpath={.spec.replicas}"], { encoding: "utf8", timeout: 20_000 });
    expect(live.stdout).toBe("1");
  }, 300_000);
});
