/** Test helpers for a watcher process over a real local cluster: kubectl, the engine's and the gate's steps. */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { signatureSet, signProposal } from "../../../../governance/consortium/approvals";
import { KEYS } from "../../../../contracts/test/fixture";
import { PROJECT_ROOT } from "../../../../scripts/kube";
import type { TestChain } from "./chain";
import { until } from "./chain";

const KUBECTL = join(PROJECT_ROOT, ".toolchain", "bin", "kubectl");
/** The Pulumi Kubernetes provider's field-manager name shape (`pulumi-kubernetes-<suffix>`). */
export const ENGINE_MANAGER = "pulumi-kubernetes-3f9a1c2e";
export const NS = "dsc-replication-alpha";
const LABELS = { "dsc.federation/region": "alpha", "dsc.federation/dsp": "dsp-1", "dsc.federation/consortium": "dsc", "app.kubernetes.io/name": "replication" };

export function kubectl(kubeconfig: string, args: string[], input?: string, env: NodeJS.ProcessEnv = {}): string {
  const run = spawnSync(KUBECTL, ["--kubeconfig", kubeconfig, ...args], { input, encoding: "utf8", timeout: 30_000, env: { ...process.env, ...env } });
  if (run.status !== 0) throw new Error(`kubectl ${args.join(" ")}: ${run.stderr}`);
  return run.stdout;
}

/** What the engine applies (server-side, under its field manager): the federation namespace and a restricted StatefulSet. */
export function engineApply(kubeconfig: string, replicas: number): void {
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
  kubectl(kubeconfig, ["apply", "--server-side", "--field-manager", ENGINE_MANAGER, "-f", "-"], objects.map((o) => JSON.stringify(o)).join("\n"));
}

/** The gate's step before it applies: an `operational` approval for alpha, recorded on-chain. */
export async function recordApproval(chain: TestChain): Promise<void> {
  const m = chain.f.manifest({ tier: "operational", regions: ["alpha"], stack: "alpha" });
  const signatures = signatureSet(await chain.f.sign(chain.f.typedData(m), ["dsp1"]));
  const proposal = await signProposal(KEYS.agents[0], chain.f.typedData(m));
  await (await chain.f.contract("TierRules", chain.f.wallet(KEYS.outsider)).record(m, proposal, signatures)).wait();
}

export interface WatcherStatus {
  ready: boolean;
  guardian: { state: string; paused?: boolean };
  detectors: Record<string, { state: string; detail: Record<string, unknown> & { explained?: number; pending?: unknown[] } }>;
}

/** A watcher process (main.ts through ts-node), configured by the environment as its pod is, plus `flags`. */
export class WatcherProcess {
  port = 0;
  output = "";
  private child: ChildProcess | undefined;

  constructor(
    private readonly flags: string[],
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  async start(): Promise<void> {
    this.output = "";
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", join(__dirname, "..", "main.ts"), ...this.flags], { env: { PATH: process.env.PATH, ...this.env }, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout!.on("data", (c: Buffer) => (this.output += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (this.output += c.toString()));
    this.child = child;
    this.port = await until("the watcher to start", () => {
      if (child.exitCode !== null) throw new Error(`the watcher exited with ${child.exitCode}:\n${this.output}`);
      const line = this.output.split("\n").find((l) => l.includes('"watcher started"'));
      return line ? (JSON.parse(line) as { port: number }).port : undefined;
    }, 60_000);
  }

  async status(): Promise<WatcherStatus> {
    return (await (await fetch(`http://127.0.0.1:${this.port}/v1/status`, { signal: AbortSignal.timeout(5000) })).json()) as WatcherStatus;
  }

  async metrics(): Promise<string> {
    return (await fetch(`http://127.0.0.1:${this.port}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  }

  /** SIGTERM; resolves with the exit code. */
  async stop(): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }
}

/** The chain part of a watcher's environment. */
export function chainEnv(chain: TestChain, keyFile: string, stateDir: string): NodeJS.ProcessEnv {
  const d = chain.f.deployment;
  return {
    DSC_CHAIN_RPC_URL: chain.rpcUrl,
    DSC_GUARDIAN_ADDRESS: d.contracts.Guardian,
    DSC_CONSORTIUM_SAFE_ADDRESS: d.consortium,
    DSC_TIER_RULES_ADDRESS: d.contracts.TierRules,
    DSC_AGENT_KEY_FILE: keyFile,
    DSC_STATE_DIR: stateDir,
    DSC_CONFIRMATIONS: "0",
  };
}
