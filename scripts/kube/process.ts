/**
 * The processes of a local cluster: started detached (they outlive `npm run kube -- up`), one pid file each.
 * A pid file is trusted only when that pid is alive AND runs our binary on this cluster's files: a pid from an
 * old boot reused by another program is "stale", never signalled.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ClusterLayout, Component } from "./layout";

export type ProcessState =
  | { kind: "running"; pid: number }
  | { kind: "stopped" }
  /** A pid file whose process is gone, or is some other program now. */
  | { kind: "stale"; pid: number; reason: string };

/** The argv of a live, non-zombie process, or undefined. */
export function processArgv(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 3, after the parenthesised command name (which may itself hold spaces or parentheses).
    if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return undefined;
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter((a) => a !== "");
    return argv.length > 0 ? argv : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Memory of a live process in bytes: `rss` counts every resident page, `pss` divides each shared page among
 * the processes mapping it. The three clusters run the same binaries (one cached file each), so their code
 * pages are shared: the sum of RSS overstates what they take together, the sum of PSS does not.
 */
export function processMemory(pid: number): { rss: number; pss: number } | undefined {
  try {
    const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, "m").exec(rollup)?.[1] ?? NaN) * 1024;
    const memory = { rss: field("Rss"), pss: field("Pss") };
    return Number.isNaN(memory.rss) || Number.isNaN(memory.pss) ? undefined : memory;
  } catch {
    return undefined;
  }
}

/** Pure: does `argv` belong to `component` of the cluster whose files are under `clusterDir`? */
export function isClusterProcess(argv: string[], component: Component, clusterDir: string): boolean {
  return path.basename(argv[0] ?? "") === component && argv.slice(1).some((a) => a.includes(clusterDir + path.sep));
}

export function processState(layout: ClusterLayout, component: Component): ProcessState {
  const file = layout.pidFile(component);
  if (!fs.existsSync(file)) return { kind: "stopped" };
  const pid = Number(fs.readFileSync(file, "utf8").trim());
  if (!Number.isInteger(pid) || pid <= 0) return { kind: "stale", pid: 0, reason: `${file} holds no pid` };
  const argv = processArgv(pid);
  if (argv === undefined) return { kind: "stale", pid, reason: `pid ${pid} is not running` };
  if (!isClusterProcess(argv, component, layout.dir)) {
    return { kind: "stale", pid, reason: `pid ${pid} is now another program (${path.basename(argv[0])})` };
  }
  return { kind: "running", pid };
}

/** Starts `binary args…` detached, output appended to the component's log, and records its pid. */
export function startProcess(layout: ClusterLayout, component: Component, binary: string, args: string[], env: NodeJS.ProcessEnv): number {
  fs.mkdirSync(layout.logs, { recursive: true });
  fs.mkdirSync(layout.run, { recursive: true });
  const log = fs.openSync(layout.logFile(component), "a");
  try {
    const child = spawn(binary, args, { detached: true, stdio: ["ignore", log, log], env });
    if (child.pid === undefined) throw new Error(`${component}: could not start ${binary}`);
    child.on("error", () => undefined); // reported through the readiness wait and the log instead
    child.unref();
    fs.writeFileSync(layout.pidFile(component), `${child.pid}\n`);
    return child.pid;
  } finally {
    fs.closeSync(log);
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; true when it had to kill. Removes the pid file. */
export async function stopProcess(layout: ClusterLayout, component: Component, graceMs = 10_000): Promise<boolean> {
  const state = processState(layout, component);
  let killed = false;
  if (state.kind === "running") {
    process.kill(state.pid, "SIGTERM");
    const deadline = Date.now() + graceMs;
    while (processArgv(state.pid) !== undefined && Date.now() < deadline) await sleep(50);
    if (processArgv(state.pid) !== undefined) {
      process.kill(state.pid, "SIGKILL");
      killed = true;
      const killDeadline = Date.now() + 5000;
      while (processArgv(state.pid) !== undefined && Date.now() < killDeadline) await sleep(20);
    }
  }
  fs.rmSync(layout.pidFile(component), { force: true });
  return killed;
}

/** The last lines of a component's log, for an error message. */
export function logTail(layout: ClusterLayout, component: Component, lines = 8): string {
  try {
    const text = fs.readFileSync(layout.logFile(component), "utf8").trimEnd().split("\n");
    return text.slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
