/**
 * One local cluster (one region): start, stop, status. Start is idempotent: processes already running for this
 * cluster are kept; a stale pid file is said and replaced; a port taken by another program stops the start with
 * the port and what to do. Data, credentials and ports stay on disk, so a restart keeps every object.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ApiEndpoint, apiRequest, probeHealthz, serverSideApply, statusMessage } from "./api";
import { bootstrapObjects, nodeName } from "./bootstrap";
import { ensureClusterPki, readPair } from "./certs";
import { ClusterRuntime, apiServerUrl, componentArgs, componentEnv } from "./flags";
import { contextName, writeKubeconfigs } from "./kubeconfig";
import { COMPONENTS, ClusterLayout, Component, clusterLayout } from "./layout";
import { LOOPBACK, PortName, PortPlan, clusterPorts, portIsFree, readPortPlan } from "./ports";
import { ProcessState, logTail, processMemory, processState, startProcess, stopProcess } from "./process";
import { admissionConfiguration, auditPolicy } from "./serverConfig";

/** Where the toolchain put the binaries and kwok's stages (scripts/toolchain.sh). */
export interface Toolchain {
  bin: string;
  kwokStages: string;
}

export function projectToolchain(projectRoot: string): Toolchain {
  return { bin: path.join(projectRoot, ".toolchain", "bin"), kwokStages: path.join(projectRoot, ".toolchain", "kwok", "stages.yaml") };
}

export interface ClusterInfo {
  region: string;
  /** `https://127.0.0.1:<port>` */
  server: string;
  /** The admin kubeconfig: `<root>/<region>/kubeconfig`. */
  kubeconfig: string;
  context: string;
  /** Components that were already running and were kept. */
  reused: Component[];
  /** What start found and did about it (stale pid files), for the user. */
  notes: string[];
}

/** Which ports each component listens on (checked free before it starts). */
export const COMPONENT_PORTS: Record<Component, PortName[]> = {
  etcd: ["etcd", "etcdPeer"],
  "kube-apiserver": ["apiserver"],
  "kube-controller-manager": ["controllerManager"],
  "kube-scheduler": ["scheduler"],
  kwok: ["kwok"],
};

/** Bounded waits (ms). The first start of three clusters on two busy cores is the slow case. */
export const WAITS = { apiserver: 90_000, component: 45_000, node: 45_000 };

export async function startCluster(root: string, region: string, toolchain: Toolchain): Promise<ClusterInfo> {
  const layout = clusterLayout(root, region);
  requireBinaries(toolchain);
  fs.mkdirSync(layout.dir, { recursive: true, mode: 0o700 });
  fs.mkdirSync(layout.config, { recursive: true });
  await ensureClusterPki(layout);
  const ports = await clusterPorts(layout.portsFile);
  const server = apiServerUrl(ports);
  writeKubeconfigs(layout, server);
  fs.writeFileSync(path.join(layout.config, "admission.yaml"), admissionConfiguration());
  fs.writeFileSync(path.join(layout.config, "audit-policy.yaml"), auditPolicy());
  const rt: ClusterRuntime = { layout, ports, advertiseAddress: machineAddress(), kwokStages: toolchain.kwokStages };
  const api = adminEndpoint(layout, server);
  const info: ClusterInfo = { region, server, kubeconfig: layout.kubeconfig, context: contextName(region), reused: [], notes: [] };

  // etcd and the API server first (the API server retries etcd until it answers), the rest once it is ready.
  const [storage, controllers] = [COMPONENTS.slice(0, 2), COMPONENTS.slice(2)];
  for (const component of storage) await ensureRunning(rt, component, toolchain, info);
  await waitFor(`${region}: kube-apiserver ready at ${server}`, WAITS.apiserver, rt, ["etcd", "kube-apiserver"], async () => {
    const res = await apiRequest(api, "GET", "/readyz", undefined, 2000);
    return res.status === 200;
  });
  for (const obj of bootstrapObjects(region)) await serverSideApply(api, obj);
  for (const component of controllers) await ensureRunning(rt, component, toolchain, info);
  await Promise.all([
    waitFor(`${region}: kube-controller-manager healthy`, WAITS.component, rt, ["kube-controller-manager"], () => probeHealthz(ports.controllerManager)),
    waitFor(`${region}: kube-scheduler healthy`, WAITS.component, rt, ["kube-scheduler"], () => probeHealthz(ports.scheduler)),
    waitFor(`${region}: node ${nodeName(region)} Ready (kwok)`, WAITS.node, rt, ["kwok"], () => nodeReady(api, nodeName(region))),
    // Made by the controller-manager's service-account controller: its controllers run, and Pods in `default`
    // can be admitted (they are refused until their namespace has it).
    waitFor(`${region}: ServiceAccount default/default made`, WAITS.component, rt, ["kube-controller-manager"], async () => {
      return (await apiRequest(api, "GET", "/api/v1/namespaces/default/serviceaccounts/default", undefined, 2000)).status === 200;
    }),
  ]);
  return info;
}

/** Stops the cluster's processes, newest first; objects stay in etcd's data folder. */
export async function stopCluster(root: string, region: string): Promise<{ stopped: Component[]; killed: Component[] }> {
  const layout = clusterLayout(root, region);
  const stopped: Component[] = [];
  const killed: Component[] = [];
  for (const component of [...COMPONENTS].reverse()) {
    if (processState(layout, component).kind === "running") stopped.push(component);
    if (await stopProcess(layout, component)) killed.push(component);
  }
  return { stopped, killed };
}

export interface ClusterStatus {
  region: string;
  /** Whether the cluster was ever started under this root (it has ports and credentials). */
  exists: boolean;
  server?: string;
  kubeconfig: string;
  context: string;
  components: Record<Component, ProcessState>;
  /** Memory of each running component, bytes (process.ts says what RSS and PSS count). */
  memory: Partial<Record<Component, { rss: number; pss: number }>>;
  /** The API server answered /readyz with 200 just now. */
  apiReady: boolean;
}

export async function clusterStatus(root: string, region: string): Promise<ClusterStatus> {
  const layout = clusterLayout(root, region);
  const components = Object.fromEntries(COMPONENTS.map((c) => [c, processState(layout, c)])) as Record<Component, ProcessState>;
  const exists = fs.existsSync(layout.portsFile) && fs.existsSync(layout.pkiFile("ca.crt"));
  const memory: ClusterStatus["memory"] = {};
  for (const [component, state] of Object.entries(components) as [Component, ProcessState][]) {
    const m = state.kind === "running" ? processMemory(state.pid) : undefined;
    if (m !== undefined) memory[component] = m;
  }
  const base = { region, exists, kubeconfig: layout.kubeconfig, context: contextName(region), components, memory };
  if (!exists) return { ...base, apiReady: false };
  const server = apiServerUrl(readPortPlan(layout.portsFile));
  let apiReady = false;
  if (components["kube-apiserver"].kind === "running") {
    apiReady = await apiRequest(adminEndpoint(layout, server), "GET", "/readyz", undefined, 2000)
      .then((r) => r.status === 200)
      .catch(() => false);
  }
  return { ...base, server, apiReady };
}

export function adminEndpoint(layout: ClusterLayout, server: string): ApiEndpoint {
  return { server, caPem: fs.readFileSync(layout.pkiFile("ca.crt"), "utf8"), client: readPair(layout, "admin") };
}

function requireBinaries(toolchain: Toolchain): void {
  const missing = [...COMPONENTS.map((c) => path.join(toolchain.bin, c)), toolchain.kwokStages].filter((f) => !fs.existsSync(f));
  if (missing.length > 0) {
    throw new Error(`local clusters: ${missing.join(", ")} not found. Run \`npm run toolchain\` (scripts/toolchain.sh builds them from Go modules), then try again.`);
  }
}

async function ensureRunning(rt: ClusterRuntime, component: Component, toolchain: Toolchain, info: ClusterInfo): Promise<void> {
  const { layout, ports } = rt;
  const state = processState(layout, component);
  if (state.kind === "running") {
    info.reused.push(component);
    return;
  }
  if (state.kind === "stale") info.notes.push(`${component}: stale pid file (${state.reason}); started anew`);
  for (const name of COMPONENT_PORTS[component]) {
    if (!(await portIsFree(ports[name]))) throw portTakenError(layout, component, name, ports);
  }
  startProcess(layout, component, path.join(toolchain.bin, component), componentArgs(component, rt), componentEnv(component, process.env));
}

/** Pure wording: which port, of what, and the two ways out. */
export function portTakenError(layout: ClusterLayout, component: Component, name: PortName, ports: PortPlan): Error {
  return new Error(
    `${layout.region}: cannot start ${component}: port ${LOOPBACK}:${ports[name]} (${name}, from ${layout.portsFile}) is in use by ` +
      `a process that is not this cluster's. Stop that process, or delete ${layout.portsFile} and start again to choose new ports ` +
      `(the kubeconfig is rewritten with the new address).`,
  );
}

/**
 * Polls `ready` every 250 ms until it is true or `timeoutMs` passes. Fails at once, with the log's last lines,
 * when a process it depends on has exited.
 */
async function waitFor(what: string, timeoutMs: number, rt: ClusterRuntime, watched: Component[], ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: string | undefined;
  for (;;) {
    for (const component of watched) {
      if (processState(rt.layout, component).kind !== "running") {
        throw new Error(`${what}: ${component} exited. Last lines of ${rt.layout.logFile(component)}:\n${logTail(rt.layout, component)}`);
      }
    }
    try {
      if (await ready()) return;
      lastError = undefined;
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (Date.now() > deadline) {
      const logs = watched.map((c) => `--- ${rt.layout.logFile(c)}\n${logTail(rt.layout, c)}`).join("\n");
      throw new Error(`${what}: not reached in ${timeoutMs / 1000} s${lastError !== undefined ? ` (last error: ${lastError})` : ""}.\n${logs}`);
    }
    await sleep(250);
  }
}

async function nodeReady(api: ApiEndpoint, name: string): Promise<boolean> {
  const res = await apiRequest(api, "GET", `/api/v1/nodes/${name}`, undefined, 2000);
  if (res.status !== 200) throw new Error(`GET node ${name}: HTTP ${res.status}: ${statusMessage(res.body)}`);
  const node = JSON.parse(res.body) as { status?: { conditions?: { type: string; status: string }[] } };
  return (node.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

/** The machine's first non-loopback IPv4 address (see ClusterRuntime.advertiseAddress). */
export function machineAddress(interfaces = os.networkInterfaces()): string {
  for (const addrs of Object.values(interfaces)) {
    const v4 = (addrs ?? []).find((a) => a.family === "IPv4" && !a.internal);
    if (v4) return v4.address;
  }
  throw new Error(
    "local clusters: this machine has no non-loopback IPv4 address; the API server must advertise one in the " +
      "`kubernetes` Service (it still listens on 127.0.0.1 only). Bring up a network interface and start again.",
  );
}
