/**
 * Runs the local federation's processes (replication nodes, watchers, the status page): each with its own log file,
 * restarted after a crash (a `kill -9` of a node is followed by a new one on the same data, as a kubelet would),
 * and all stopped at once by stop(): SIGTERM, then SIGKILL after a grace period. Exits are reported, never hidden.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, openSync, closeSync } from "node:fs";
import path from "node:path";

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
}

export interface SupervisorOptions {
  logDir: string;
  log: (line: string) => void;
  /** Delay before a crashed process is started again. */
  restartDelayMs?: number;
  onChange?: () => void;
}

interface Entry {
  spec: ProcessSpec;
  child?: ChildProcess;
  restarts: number;
  timer?: NodeJS.Timeout;
}

export class Supervisor {
  private readonly entries = new Map<string, Entry>();
  private stopping = false;

  constructor(private readonly opts: SupervisorOptions) {
    mkdirSync(opts.logDir, { recursive: true });
  }

  logFile(name: string): string {
    return path.join(this.opts.logDir, `${name}.log`);
  }

  start(spec: ProcessSpec): void {
    const entry: Entry = { spec, restarts: 0 };
    this.entries.set(spec.name, entry);
    this.launch(entry);
  }

  private launch(entry: Entry): void {
    if (this.stopping) return;
    let fd: number;
    try {
      fd = openSync(this.logFile(entry.spec.name), "a");
    } catch (err) {
      this.opts.log(`${entry.spec.name}: cannot open its log (${(err as Error).message}); not started`);
      return;
    }
    const child = spawn(entry.spec.command, entry.spec.args, { cwd: entry.spec.cwd, env: entry.spec.env, stdio: ["ignore", fd, fd] });
    closeSync(fd);
    entry.child = child;
    this.opts.onChange?.();
    child.on("exit", (code, signal) => {
      if (entry.child !== child) return;
      entry.child = undefined;
      this.opts.onChange?.();
      if (this.stopping) return;
      entry.restarts += 1;
      this.opts.log(`${entry.spec.name} exited (${signal ?? `code ${code}`}); starting it again (restart ${entry.restarts}, log ${this.logFile(entry.spec.name)})`);
      entry.timer = setTimeout(() => this.launch(entry), this.opts.restartDelayMs ?? 1000);
    });
  }

  /** Pids of the processes running now, by name. */
  pids(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, e] of this.entries) if (e.child?.pid !== undefined) out[name] = e.child.pid;
    return out;
  }

  restarts(name: string): number {
    return this.entries.get(name)?.restarts ?? 0;
  }

  /** Stops every process: SIGTERM, SIGKILL for those still running after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    this.stopping = true;
    const running: ChildProcess[] = [];
    for (const e of this.entries.values()) {
      if (e.timer) clearTimeout(e.timer);
      if (e.child && e.child.exitCode === null && e.child.signalCode === null) running.push(e.child);
    }
    await Promise.all(
      running.map(
        (child) =>
          new Promise<void>((resolve) => {
            const kill = setTimeout(() => child.kill("SIGKILL"), graceMs);
            child.once("exit", () => {
              clearTimeout(kill);
              resolve();
            });
            child.kill("SIGTERM");
          }),
      ),
    );
  }
}
