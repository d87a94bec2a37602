/**
 * The local federation's processes, configured from what the `local` stack installed: for each region the
 * replication StatefulSet and the watcher Deployment are read from that region's cluster (with their ConfigMaps
 * and Secrets), turned into local processes (podProcess.ts: the same settings the pods get, in-cluster addresses
 * made loopback), started under the Supervisor with the status page, and waited for until each answers ready.
 */
import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { DEV_KEYS } from "../consortium/dev-keys";
import { mintToken, MAX_TTL_SECONDS, parsePrivateJwk } from "../../services/replication/src/tokens";
import { lowFreePorts } from "../../scripts/kube/ports";
import { planLocalProcess, type LocalProcessPlan, type NamespaceObjects, type PodTemplate } from "./podProcess";
import { federationDir, federationPorts, REGIONS, type FederationPorts } from "./stateDir";
import { Supervisor, type ProcessSpec } from "./supervisor";
import { readFileSync } from "node:fs";

const run = promisify(execFile);

export interface FederationOptions {
  projectRoot: string;
  state: string;
  kubeRoot: string;
  rpcUrl: string;
  deploymentFile: string;
  log: (line: string) => void;
}

export interface RunningFederation {
  supervisor: Supervisor;
  ports: FederationPorts;
  replication: Record<string, string>;
  watchers: Record<string, string>;
  statusPage: string;
  tokenFile: string;
  devKeysDir: string;
  logDir: string;
}

interface KubeList {
  items: Array<{ kind: string; metadata: { name: string }; data?: Record<string, string>; spec?: { template: PodTemplate; volumeClaimTemplates?: Array<{ metadata: { name: string } }> } }>;
}

/** The workloads, ConfigMaps and Secrets of one namespace of a region's cluster. */
async function readNamespace(kubectl: string, kubeconfig: string, namespace: string): Promise<{ objects: NamespaceObjects; workloads: KubeList["items"] }> {
  const { stdout } = await run(kubectl, ["--kubeconfig", kubeconfig, "get", "statefulsets,deployments,configmaps,secrets", "-n", namespace, "-o", "json"], { maxBuffer: 64 << 20 });
  const list = JSON.parse(stdout) as KubeList;
  const objects: NamespaceObjects = { configMaps: {}, secrets: {} };
  const workloads: KubeList["items"] = [];
  for (const item of list.items) {
    if (item.kind === "ConfigMap") objects.configMaps[item.metadata.name] = item.data ?? {};
    else if (item.kind === "Secret") objects.secrets[item.metadata.name] = Object.fromEntries(Object.entries(item.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
    else workloads.push(item);
  }
  return { objects, workloads };
}

function workload(items: KubeList["items"], kind: string, namespace: string): KubeList["items"][number] & { spec: NonNullable<KubeList["items"][number]["spec"]> } {
  const found = items.find((i) => i.kind === kind && i.spec?.template !== undefined);
  if (found === undefined || found.spec === undefined) throw new Error(`no ${kind} in namespace ${namespace}: apply the local stack first (npm start does)`);
  return found as ReturnType<typeof workload>;
}

/** Writes a plan's files (0600) and folders; emptyDir folders start empty, as in a new pod. */
function materialize(plan: LocalProcessPlan): void {
  for (const dir of plan.freshDirs) rmSync(dir, { recursive: true, force: true });
  for (const dir of [...plan.freshDirs, ...plan.keptDirs]) mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const [file, content] of Object.entries(plan.files)) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, content, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
}

/** The environment a child starts from: this one without DSC_* (its own settings come from the stack). */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("DSC_") && !k.startsWith("PULUMI_")) env[k] = v;
  return env;
}

async function waitReady(name: string, url: string, supervisor: Supervisor, deadline: number): Promise<void> {
  let last = "no answer";
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${name} not ready at ${url} (${last}); see ${supervisor.logFile(name)}`);
}

/** Starts the nodes, the watchers and the status page, and returns once each answers ready. */
export async function startFederation(o: FederationOptions): Promise<RunningFederation> {
  const dir = federationDir(o.state);
  const ports = await federationPorts(o.state, lowFreePorts);
  const kubectl = path.join(o.projectRoot, ".toolchain", "bin", "kubectl");
  const node = (script: string, args: string[] = []) => ({ command: process.execPath, args: ["-r", "ts-node/register/transpile-only", path.join(o.projectRoot, script), ...args] });
  const logDir = path.join(dir, "logs");
  const supervisor = new Supervisor({ logDir, log: o.log });
  const specs: ProcessSpec[] = [];
  const replication: Record<string, string> = {};
  const watchers: Record<string, string> = {};
  const readiness: Array<[string, string]> = [];
  const perRegion = await Promise.all(
    REGIONS.map(async (region) => {
      const kubeconfig = path.join(o.kubeRoot, region, "kubeconfig");
      const [rep, guard] = await Promise.all([
        readNamespace(kubectl, kubeconfig, `dsc-replication-${region}`),
        readNamespace(kubectl, kubeconfig, `dsc-guardian-${region}`),
      ]);
      return { region, kubeconfig, rep, guard };
    }),
  );
  for (const { region, kubeconfig, rep, guard } of perRegion) {
    const p = ports.regions[region];
    const sts = workload(rep.workloads, "StatefulSet", `dsc-replication-${region}`);
    const repPlan = planLocalProcess({
      template: sts.spec.template,
      objects: rep.objects,
      dir: path.join(dir, region, "replication"),
      region,
      ports: ports.regions,
      listen: { DSC_API_LISTEN: p.api, DSC_PEER_LISTEN: p.peer },
    });
    const deploy = workload(guard.workloads, "Deployment", `dsc-guardian-${region}`);
    const watchPlan = planLocalProcess({
      template: deploy.spec.template,
      objects: guard.objects,
      dir: path.join(dir, region, "watcher"),
      region,
      ports: ports.regions,
      listen: { DSC_LISTEN: p.watcher },
      // A local process has no service account: it watches its cluster through the cluster's kubeconfig.
      extra: { DSC_KUBECONFIG: kubeconfig },
    });
    materialize(repPlan);
    materialize(watchPlan);
    replication[region] = `http://127.0.0.1:${p.api}`;
    watchers[region] = `http://127.0.0.1:${p.watcher}`;
    specs.push({ name: `replication-${region}`, ...node("services/replication/src/main.ts"), env: { ...baseEnv(), ...repPlan.env }, cwd: o.projectRoot });
    specs.push({ name: `watcher-${region}`, ...node("services/watcher/src/main.ts"), env: { ...baseEnv(), ...watchPlan.env }, cwd: o.projectRoot });
    readiness.push([`replication-${region}`, `${replication[region]}/readyz`], [`watcher-${region}`, `${watchers[region]}/healthz`]);
  }
  // The status page reads with the watchers' status-scoped token (it is never served to the browser).
  const watcherToken = specs.find((s) => s.name === "watcher-alpha")?.env.DSC_REPLICATION_TOKEN_FILE;
  if (watcherToken === undefined) throw new Error("the alpha watcher has no replication token (dsc:watcherReplicationToken): the status page needs one");
  const statusTokenFile = path.join(dir, "status-page.token");
  writeFileSync(statusTokenFile, readFileSync(watcherToken, "utf8"), { mode: 0o600 });
  const statusPage = `http://127.0.0.1:${ports.statusPage}`;
  specs.push({
    name: "status-page",
    ...node("services/status/src/main.ts", [
      "--deployment", o.deploymentFile,
      "--rpc", o.rpcUrl,
      ...REGIONS.flatMap((r) => ["--replication", `${r}=${replication[r]}`]),
      "--token-file", statusTokenFile,
      "--listen", `127.0.0.1:${ports.statusPage}`,
      "--changes", path.join(o.state, "changes"), // where dsc change writes its bundles (the ready summary's)
    ]),
    env: baseEnv(),
    cwd: o.projectRoot,
  });
  readiness.push(["status-page", `${statusPage}/`]);

  // A data API token for the person at the keyboard, and the dev keys as files for `dsc sign --key-file`.
  const trustDir = path.join(o.state, "local", "trust");
  const key = parsePrivateJwk(readFileSync(path.join(trustDir, "token-signing-key.jwk.json"), "utf8"), "token-signing-key.jwk.json");
  const tokenFile = path.join(dir, "local-token.jwt");
  const token = await mintToken(key, { scopes: ["read:*", "write:*", "status"], expiresAt: Math.floor(Date.now() / 1000) + MAX_TTL_SECONDS, subject: "local-user" });
  writeFileSync(tokenFile, token, { mode: 0o600 });
  const devKeysDir = writeDevKeys(path.join(o.state, "local", "keys"));

  for (const spec of specs) supervisor.start(spec);
  o.log(`started ${specs.length} processes (logs in ${logDir}); waiting for each to answer ready`);
  const deadline = Date.now() + 180_000;
  try {
    await Promise.all(readiness.map(([name, url]) => waitReady(name, url, supervisor, deadline).then(() => o.log(`${name} ready`))));
  } catch (err) {
    await supervisor.stop();
    throw err;
  }
  return { supervisor, ports, replication, watchers, statusPage, tokenFile, devKeysDir, logDir };
}

/** Every dev key as `<name>.key` (0600): deployer, board1, board2, dsp1-owner1, …, agent1…3. */
export function writeDevKeys(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const named: Record<string, string> = { deployer: DEV_KEYS.deployer };
  DEV_KEYS.board.forEach((k, i) => (named[`board${i + 1}`] = k));
  DEV_KEYS.dsp1.forEach((k, i) => (named[`dsp1-owner${i + 1}`] = k));
  DEV_KEYS.dsp2.forEach((k, i) => (named[`dsp2-owner${i + 1}`] = k));
  DEV_KEYS.dsp3.forEach((k, i) => (named[`dsp3-owner${i + 1}`] = k));
  DEV_KEYS.agents.forEach((k, i) => (named[`agent${i + 1}`] = k));
  for (const [name, k] of Object.entries(named)) writeFileSync(path.join(dir, `${name}.key`), k + "\n", { mode: 0o600 });
  return dir;
}
