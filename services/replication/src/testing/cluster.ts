import { ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Region, REGIONS } from "../identity";
import { NodeSecurityFiles, TestSecurity } from "./security";
import { TcpProxy } from "./tcpProxy";

/** The node's entry point: the TypeScript source through ts-node, or a compiled main.js. */
export interface Entry {
  readonly script: string;
  readonly nodeArgs: readonly string[];
}

export const SOURCE_ENTRY: Entry = { script: join(__dirname, "..", "main.ts"), nodeArgs: ["-r", "ts-node/register/transpile-only"] };

/**
 * A loopback port free now, taken below the kernel's ephemeral range (32768 and up): a port that range hands out
 * can be taken by any outgoing connection of the suite (engine, clusters, chain) before the node binds it.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (await canListen(port)) return port;
  }
  throw new Error("no free loopback port found in 20000-31999 after 50 tries");
}

function canListen(port: number): Promise<boolean> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** Polls until check returns a value (not undefined) or the deadline passes; then throws. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ""}`);
}

export interface HttpResult {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** A request to a node's data API; `token` is sent as the bearer credential unless undefined. */
export async function http(port: number, method: string, path: string, body?: unknown, token?: string): Promise<HttpResult> {
  const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { ...init, signal: AbortSignal.timeout(10000) });
  const text = await response.text();
  return { status: response.status, body: text.startsWith("{") ? (JSON.parse(text) as Record<string, unknown>) : { text } };
}

/** One node process; peers are reached through per-direction proxies so tests can partition. */
export class NodeProcess {
  apiPort = 0;
  peerPort = 0;
  child: ChildProcess | undefined;
  peers: Array<{ name: string; url: string }> = [];
  /** More command-line flags for the next start (e.g. limits). */
  extraArgs: string[] = [];
  /** Flags for Node itself on the next start (e.g. `--cpu-prof`). */
  nodeFlags: string[] = [];
  readonly logFile: string;

  /** `token`: the credential of the helpers below (put, get, list, status); they take another, or null for none. */
  constructor(
    readonly region: Region,
    readonly dataDir: string,
    private readonly secretFile: string,
    private readonly security: NodeSecurityFiles,
    public token: string,
    private readonly replica = 0,
    private readonly entry: Entry = SOURCE_ENTRY,
  ) {
    this.logFile = `${dataDir}.log`;
  }

  async allocatePorts(): Promise<void> {
    this.apiPort = await freePort();
    this.peerPort = await freePort();
  }

  async start(): Promise<void> {
    const args = [...this.nodeFlags, ...this.entry.nodeArgs, this.entry.script, "--region", this.region, "--replica", String(this.replica)];
    args.push("--listen", `127.0.0.1:${this.apiPort}`, "--peer-listen", `127.0.0.1:${this.peerPort}`, "--data", this.dataDir, "--secret-file", this.secretFile);
    const { authKeysFile, certFile, keyFile, caFile } = this.security;
    args.push("--auth-keys-file", authKeysFile, "--tls-cert-file", certFile, "--tls-key-file", keyFile, "--tls-ca-file", caFile);
    for (const peer of this.peers) args.push("--peer", `${peer.name}=${peer.url}`);
    args.push(...this.extraArgs);
    const out = openSync(this.logFile, "a");
    const child = spawn(process.execPath, args, { stdio: ["ignore", out, out] });
    this.child = child;
    closeSync(out);
    // Generous: on a shared 2-core machine at load 20, loading the modules alone has taken over 20 s. A node that
    // exited is named in the timeout, with its log.
    await waitFor(`${this.region} to become ready`, async () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${this.region} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${this.log().slice(-2000)}`);
      }
      return (await http(this.apiPort, "GET", "/readyz")).status === 200 ? true : undefined;
    }, 60000);
  }

  /** kill -9: no chance to flush or close anything. */
  async crash(): Promise<void> {
    await this.stop("SIGKILL");
  }

  /** Sends `signal`, then SIGKILL if the process has not exited within `graceMs`. */
  async stop(signal: NodeJS.Signals = "SIGTERM", graceMs = 10000): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), graceMs)))]);
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    this.child = undefined;
    return code;
  }

  log(): string {
    return readFileSync(this.logFile, "utf8");
  }

  put(collection: string, id: string, document: unknown, token: string | null = this.token): Promise<HttpResult> {
    return http(this.apiPort, "PUT", `/v1/collections/${collection}/docs/${id}`, document, token ?? undefined);
  }

  get(collection: string, id: string, token: string | null = this.token): Promise<HttpResult> {
    return http(this.apiPort, "GET", `/v1/collections/${collection}/docs/${id}`, undefined, token ?? undefined);
  }

  delete(collection: string, id: string, token: string | null = this.token): Promise<HttpResult> {
    return http(this.apiPort, "DELETE", `/v1/collections/${collection}/docs/${id}`, undefined, token ?? undefined);
  }

  async list(collection: string, prefix: string, limit: number): Promise<{ items: Array<{ id: string }> }> {
    return (await http(this.apiPort, "GET", `/v1/collections/${collection}/docs?prefix=${prefix}&limit=${limit}`, undefined, this.token)).body as never;
  }

  async status(): Promise<{ digest: string; keys: number; pendingCommit: number; peers: Array<Record<string, unknown>> }> {
    const result = await http(this.apiPort, "GET", "/v1/replication/status", undefined, this.token);
    if (result.status !== 200) throw new Error(`status of ${this.region}: ${result.status} ${JSON.stringify(result.body)}`);
    return result.body as never;
  }

  /** The node's Prometheus text. */
  async metrics(): Promise<string> {
    return String((await http(this.apiPort, "GET", "/metrics", undefined, this.token)).body.text);
  }
}

/**
 * Three regions on loopback, with authentication and peer TLS on as in a cluster; every peer link
 * a (dialer -> target) goes through its own proxy.
 */
export class Cluster {
  readonly root = mkdtempSync(join(tmpdir(), "dsc-replication-"));
  readonly secretFile = join(this.root, "secret");
  private nodesByRegion: Record<Region, NodeProcess> | undefined;
  private securityFiles: TestSecurity | undefined;
  private readonly proxies = new Map<string, TcpProxy>();

  /** direct: peers dial each other without the proxies (for benchmarks: no relay hop, no partitions). */
  constructor(
    private readonly direct = false,
    private readonly entry: Entry = SOURCE_ENTRY,
  ) {
    writeFileSync(this.secretFile, "correct-horse-battery-staple-0123456789\n");
  }

  get nodes(): Record<Region, NodeProcess> {
    if (!this.nodesByRegion) throw new Error("the cluster is not started");
    return this.nodesByRegion;
  }

  /** The federation's CA and token keys (available once started). */
  get security(): TestSecurity {
    if (!this.securityFiles) throw new Error("the cluster is not started");
    return this.securityFiles;
  }

  async start(): Promise<void> {
    const security = await TestSecurity.create(join(this.root, "security"));
    const token = await security.token();
    const nodes: Array<[Region, NodeProcess]> = [];
    for (const region of REGIONS) nodes.push([region, new NodeProcess(region, join(this.root, region), this.secretFile, await security.node(`${region}-0`), token, 0, this.entry)]);
    this.securityFiles = security;
    this.nodesByRegion = Object.fromEntries(nodes) as Record<Region, NodeProcess>;
    for (const node of Object.values(this.nodes)) await node.allocatePorts();
    for (const from of REGIONS) {
      for (const to of REGIONS.filter((r) => r !== from)) {
        if (this.direct) {
          this.nodes[from].peers.push({ name: to, url: `wss://127.0.0.1:${this.nodes[to].peerPort}` });
          continue;
        }
        const proxy = new TcpProxy(this.nodes[to].peerPort);
        await proxy.listen();
        this.proxies.set(`${from}>${to}`, proxy);
        this.nodes[from].peers.push({ name: to, url: `wss://127.0.0.1:${proxy.port}` });
      }
    }
    await Promise.all(Object.values(this.nodes).map((node) => node.start()));
  }

  /** Cuts (or restores) both directions between two regions. */
  partition(a: Region, b: Region, cut = true): void {
    for (const key of [`${a}>${b}`, `${b}>${a}`]) {
      const proxy = this.proxies.get(key);
      if (cut) proxy?.partition();
      else proxy?.heal();
    }
  }

  list(): NodeProcess[] {
    return this.nodesByRegion ? Object.values(this.nodesByRegion) : [];
  }

  /** Waits until every running node reports the same digest and nothing pending. */
  async converged(nodes: NodeProcess[] = this.list(), timeoutMs = 15000): Promise<string> {
    return waitFor(
      `${nodes.map((n) => n.region).join(", ")} to converge`,
      async () => {
        const states = await Promise.all(nodes.map((node) => node.status()));
        const digests = new Set(states.map((s) => s.digest));
        return digests.size === 1 && states.every((s) => s.pendingCommit === 0) ? states[0].digest : undefined;
      },
      timeoutMs,
    );
  }

  async destroy(): Promise<void> {
    await Promise.all(this.list().map((node) => node.stop("SIGKILL")));
    await Promise.all([...this.proxies.values()].map((proxy) => proxy.close()));
    rmSync(this.root, { recursive: true, force: true });
  }
}
