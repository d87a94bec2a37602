/**
 * The drift detector on a real local cluster (scripts/kube: etcd, kube-apiserver, controller-manager, scheduler,
 * kwok) and the consortium on a loopback chain, with the watcher as a process. The "engine" is a server-side apply
 * under the Pulumi provider's field-manager name, made right after an approval is recorded on-chain, as the gate
 * does; `kubectl edit` (a scripted editor) and `kubectl create` of a pod are the intruders.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signatureSet, signProposal } from "../../../governance/consortium/approvals";
import { KEYS } from "../../../contracts/test/fixture";
import { PROJECT_ROOT, startLocalClusters, stopLocalClusters } from "../../../scripts/kube";
import { startTestChain, until, type TestChain } from "./testing/chain";

const KUBECTL = join(PROJECT_ROOT, ".toolchain", "bin", "kubectl");
const ENGINE = "pulumi-kubernetes-3f9a1c2e";
const NS = "dsc-replication-alpha";
const LABELS = { "dsc.federation/region": "alpha", "dsc.federation/dsp": "dsp-1", "dsc.federation/consortium": "dsc", "app.kubernetes.io/name": "replication" };

let root: string;
let kubeconfig: string;
let chain: TestChain;
let watcher: ChildProcess;
let port = 0;
let log = "";

function kubectl(args: string[], input?: string, env: NodeJS.ProcessEnv = {}): string {
  const run = spawnSync(KUBECTL, ["--kubeconfig", kubeconfig, ...args], { input, encoding: "utf8", timeout: 30_000, env: { ...process.env, ...env } });
  if (run.status !== 0) throw new Error(`kubectl ${args.join(" ")}: ${run.stderr}`);
  return run.stdout;
}

/** What the engine applies: the federation namespace and a restricted replication StatefulSet. */
function engineApply(replicas: number): void {
  const objects = [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: NS, labels: LABELS } },
    {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "replication", namespace: NS, labels: LABELS },
      spec: {
        replicas,
        serviceName: "replication-headless",
        selector: { matchLabels: { "app.kubernetes.io/name": "replication" } },
        template: {
          metadata: { labels: LABELS },
          spec: {
            securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
            containers: [{ name: "replication", image: "ghcr.io/dsc-federation/replication:0.1.0", securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } }],
          },
        },
      },
    },
  ];
  kubectl(["apply", "--server-side", "--field-manager", ENGINE, "-f", "-"], objects.map((o) => JSON.stringify(o)).join("\n"));
}

/** The gate's step before it applies: an `operational` approval for alpha, recorded on-chain. */
async function recordApproval(): Promise<void> {
  const m = chain.f.manifest({ tier: "operational", regions: ["alpha"], stack: "alpha" });
  const signatures = signatureSet(await chain.f.sign(chain.f.typedData(m), ["dsp1"]));
  const proposal = await signProposal(KEYS.agents[0], chain.f.typedData(m));
  await (await chain.f.contract("TierRules", chain.f.wallet(KEYS.outsider)).record(m, proposal, signatures)).wait();
}

const status = async () => (await (await fetch(`http://127.0.0.1:${port}/v1/status`)).json()) as { guardian: { state: string; paused?: boolean }; detectors: { drift: { state: string; detail: { explained: number; pending: unknown[] } } } };
const paused = async () => (await chain.f.contract("Guardian").paused()) as boolean;

/** The watcher process, configured as its pod is (flags for what differs per test run, DSC_* for the rest). */
async function startWatcher(): Promise<void> {
  const keyFile = join(root, "agent.key");
  writeFileSync(keyFile, KEYS.agents[0]);
  const d = chain.f.deployment;
  log = "";
  watcher = spawn(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", join(__dirname, "main.ts"), "--region", "alpha", "--listen", "127.0.0.1:0", "--detectors", "drift,consortium", "--kubeconfig", kubeconfig],
    {
      env: {
        PATH: process.env.PATH,
        DSC_CHAIN_RPC_URL: chain.rpcUrl,
        DSC_GUARDIAN_ADDRESS: d.contracts.Guardian,
        DSC_CONSORTIUM_SAFE_ADDRESS: d.consortium,
        DSC_TIER_RULES_ADDRESS: d.contracts.TierRules,
        DSC_AGENT_KEY_FILE: keyFile,
        DSC_STATE_DIR: join(root, "watcher-state"),
        DSC_CONFIRMATIONS: "0",
        DSC_POLL_INTERVAL: "200ms",
        DSC_APPROVAL_WINDOW: "30s",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  watcher.stdout!.on("data", (c: Buffer) => (log += c.toString()));
  watcher.stderr!.on("data", (c: Buffer) => (log += c.toString()));
  port = await until("the watcher to start", () => {
    const line = log.split("\n").find((l) => l.includes('"watcher started"'));
    return line ? (JSON.parse(line) as { port: number }).port : undefined;
  }, 60_000);
}

async function stopWatcher(): Promise<number | null> {
  if (!watcher || watcher.exitCode !== null) return watcher?.exitCode ?? null;
  const exited = new Promise<number | null>((resolve) => watcher.once("exit", resolve));
  watcher.kill("SIGTERM");
  return exited;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "dsc-watcher-kube-"));
  const clusters = await startLocalClusters({ root, regions: ["alpha"] });
  kubeconfig = clusters.alpha.kubeconfig;
  chain = await startTestChain();
  engineApply(1); // what the cluster holds before the watcher's first start: adopted as found
  await startWatcher();
}, 240_000);

afterAll(async () => {
  await stopWatcher();
  await chain?.close();
  if (root) {
    await stopLocalClusters({ root, regions: ["alpha"] });
    rmSync(root, { recursive: true, force: true });
  }
}, 60_000);

test("the engine applying without a recorded approval (pulumi up around the gate) pauses the federation", async () => {
  engineApply(4);
  await until("the pause", async () => ((await paused()) ? true : undefined), 20_000);
  const [event] = await chain.pausedEvents();
  expect(event.reason).toBe("watcher alpha: drift: StatefulSet dsc-replication-alpha/replication: changed by the engine outside the window of any recorded approval for this region");
  await chain.unpause();
}, 60_000);

test("gated applies (approval recorded, then the engine applies) and Kubernetes' own controllers never trip it", async () => {
  for (const replicas of [2, 3]) {
    await recordApproval();
    engineApply(replicas);
    await until("the change to be judged", async () => ((await status()).detectors.drift.detail.explained >= replicas - 1 ? true : undefined));
    expect((await status()).guardian.state).not.toBe("pausing");
  }
  await new Promise((r) => setTimeout(r, 2000)); // controller-manager and kwok keep updating status meanwhile
  const s = await status();
  expect(s.detectors.drift.state).toBe("watching");
  expect(s.detectors.drift.detail.pending).toEqual([]);
  expect(s.guardian.state).toBe("idle");
  expect(await paused()).toBe(false);
}, 60_000);

test("kubectl edit of the replication StatefulSet pauses the federation", async () => {
  // A non-interactive editor: kubectl edit runs it on the object and submits the result (field manager kubectl-edit).
  const editor = join(root, "editor.sh");
  writeFileSync(editor, `#!/bin/sh\nsed -i 's/replicas: 3$/replicas: 5/' "$1"\n`, { mode: 0o755 });
  kubectl(["edit", "statefulset/replication", "-n", NS], undefined, { KUBE_EDITOR: editor, EDITOR: editor });
  await until("the pause", async () => ((await paused()) ? true : undefined), 20_000);
  expect((await chain.pausedEvents())[1].reason).toBe("watcher alpha: drift: StatefulSet dsc-replication-alpha/replication: changed by field manager kubectl-edit, not the engine");
  await until("the status", async () => ((await status()).guardian.state === "paused-by-us" ? true : undefined));
}, 60_000);

test("a pod added to a federation namespace pauses it again after the Board's unpause", async () => {
  await chain.unpause();
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "intruder", namespace: NS },
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
      containers: [{ name: "x", image: "busybox:1.37", securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } }],
    },
  };
  kubectl(["create", "-f", "-"], JSON.stringify(pod));
  await until("the third pause", async () => ((await chain.pausedEvents()).length === 3 ? true : undefined), 20_000);
  const events = await chain.pausedEvents();
  expect(events[2].reason).toBe("watcher alpha: drift: Pod dsc-replication-alpha/intruder: added by field manager kubectl-create, not the engine");
}, 60_000);

test("a restart judges what changed while the watcher was down, and does not pause again for what it handled", async () => {
  expect(await stopWatcher()).toBe(0);
  await chain.unpause();
  await startWatcher();
  await until("ready", async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200 ? true : undefined));
  await new Promise((r) => setTimeout(r, 1500));
  expect(await paused()).toBe(false); // the edit, the pod and the unapproved apply were handled before the restart
  expect(await stopWatcher()).toBe(0);

  kubectl(["label", "statefulset/replication", "-n", NS, "backdoor=1"]);
  await startWatcher();
  await until("the pause for the change made while down", async () => ((await chain.pausedEvents()).length === 4 ? true : undefined), 20_000);
  expect((await chain.pausedEvents())[3].reason).toBe("watcher alpha: drift: StatefulSet dsc-replication-alpha/replication: changed by field manager kubectl-label, not the engine");
}, 90_000);
