import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { isAlive } from "./stateDir";
import { Supervisor } from "./supervisor";

let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), "dsc-supervisor-"))));
let stopAll: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stopAll?.();
  rmSync(dir, { recursive: true, force: true });
});

const sleeper = (name: string) => ({ name, command: process.execPath, args: ["-e", `console.log("up " + process.env.WHO); setInterval(() => {}, 1000)`], env: { ...process.env, WHO: name } as Record<string, string>, cwd: dir });

async function until<T>(ms: number, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not within ${ms} ms`);
}

test("a process killed with -9 is started again, its exit is logged; stop() ends every process and restarts none", async () => {
  const lines: string[] = [];
  const s = new Supervisor({ logDir: path.join(dir, "logs"), log: (l) => lines.push(l), restartDelayMs: 100 });
  stopAll = () => s.stop(1000);
  s.start(sleeper("a"));
  s.start(sleeper("b"));
  const first = await until(10_000, () => (Object.keys(s.pids()).length === 2 ? s.pids() : undefined));
  const ups = () => readFileSync(s.logFile("a"), "utf8").match(/up a/g)?.length ?? 0;
  await until(30_000, () => (ups() === 1 ? true : undefined));
  process.kill(first.a, "SIGKILL");
  const again = await until(20_000, () => (s.pids().a !== undefined && s.pids().a !== first.a ? s.pids().a : undefined));
  expect(s.restarts("a")).toBe(1);
  expect(s.pids().b).toBe(first.b);
  expect(lines.join("\n")).toMatch(/^a exited \(SIGKILL\); starting it again \(restart 1/);
  await until(30_000, () => (ups() === 2 ? true : undefined));

  await s.stop(2000);
  expect(isAlive(again)).toBe(false);
  expect(isAlive(first.b)).toBe(false);
  await new Promise((r) => setTimeout(r, 300));
  expect(s.pids()).toEqual({});
  expect(s.restarts("b")).toBe(0);
});
