/**
 * Where the local federation keeps its files: everything under one state folder (`.state/` of the checkout, or
 * `DSC_STATE_DIR`), the running federation's record (`federation/run.json`: the supervisor's pid and what the ready
 * summary printed) so a second `npm start` finds it, and the loopback ports chosen once and kept.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { RegionPorts } from "./podProcess";

export const REGIONS = ["alpha", "beta", "gamma"] as const;

export function stateDir(projectRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  const given = env.DSC_STATE_DIR;
  return given !== undefined && given !== "" ? path.resolve(given) : path.join(projectRoot, ".state");
}

export interface FederationPorts {
  regions: Record<string, RegionPorts>;
  statusPage: number;
}

export interface RunRecord {
  pid: number;
  startedAt: string;
  summary: string;
  endpoints: { rpc: string; statusPage: string; replication: Record<string, string>; watchers: Record<string, string> };
  tokenFile: string;
  /** Pids of the processes the supervisor runs now, by name. */
  children: Record<string, number>;
}

export const federationDir = (state: string) => path.join(state, "federation");
const runFile = (state: string) => path.join(federationDir(state), "run.json");

export function readRunRecord(state: string): RunRecord | undefined {
  try {
    return JSON.parse(readFileSync(runFile(state), "utf8")) as RunRecord;
  } catch {
    return undefined;
  }
}

export function writeRunRecord(state: string, record: RunRecord): void {
  mkdirSync(federationDir(state), { recursive: true });
  writeFileSync(runFile(state), JSON.stringify(record, null, 2) + "\n");
}

export function removeRunRecord(state: string): void {
  rmSync(runFile(state), { force: true });
}

/** True when a process with that pid exists (signal 0 probes without touching it). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The federation running from this state folder, if any: a record whose supervisor is alive. */
export function runningFederation(state: string, alive: (pid: number) => boolean = isAlive): RunRecord | undefined {
  const record = readRunRecord(state);
  return record !== undefined && alive(record.pid) ? record : undefined;
}

/** The ports of `ports.json`, or `choose(n)` fresh ones written there (the same addresses on every start). */
export async function federationPorts(state: string, choose: (n: number) => Promise<number[]>): Promise<FederationPorts> {
  const file = path.join(federationDir(state), "ports.json");
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as FederationPorts;
  const p = await choose(REGIONS.length * 3 + 1);
  const ports: FederationPorts = {
    regions: Object.fromEntries(REGIONS.map((r, i) => [r, { api: p[i * 3], peer: p[i * 3 + 1], watcher: p[i * 3 + 2] }])),
    statusPage: p[REGIONS.length * 3],
  };
  mkdirSync(federationDir(state), { recursive: true });
  writeFileSync(file, JSON.stringify(ports, null, 2) + "\n");
  return ports;
}
