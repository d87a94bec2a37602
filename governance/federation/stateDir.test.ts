import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { federationPorts, isAlive, readRunRecord, removeRunRecord, runningFederation, stateDir, writeRunRecord, type RunRecord } from "./stateDir";

let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), "dsc-state-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const record = (pid: number): RunRecord => ({ pid, startedAt: "t", summary: "s", endpoints: { rpc: "r", statusPage: "p", replication: {}, watchers: {} }, tokenFile: "f", children: {} });

test("the state folder is DSC_STATE_DIR when set, else the checkout's .state", () => {
  expect(stateDir("/repo", {})).toBe("/repo/.state");
  expect(stateDir("/repo", { DSC_STATE_DIR: "" })).toBe("/repo/.state");
  expect(stateDir("/repo", { DSC_STATE_DIR: "/tmp/x/../y" })).toBe("/tmp/y");
});

test("a federation runs only while its supervisor's pid is alive", () => {
  expect(runningFederation(dir)).toBeUndefined();
  writeRunRecord(dir, record(4242));
  expect(readRunRecord(dir)?.pid).toBe(4242);
  expect(runningFederation(dir, () => false)).toBeUndefined();
  expect(runningFederation(dir, (pid) => pid === 4242)?.summary).toBe("s");
  removeRunRecord(dir);
  expect(runningFederation(dir, () => true)).toBeUndefined();
});

test("isAlive: this process yes, a pid beyond pid_max no", () => {
  expect(isAlive(process.pid)).toBe(true);
  expect(isAlive(2 ** 30)).toBe(false);
});

test("ports are chosen once and kept", async () => {
  let calls = 0;
  const choose = async (n: number) => (calls++, Array.from({ length: n }, (_, i) => 30000 + i));
  const first = await federationPorts(dir, choose);
  expect(first.regions.beta).toEqual({ api: 30003, peer: 30004, watcher: 30005 });
  expect(first.statusPage).toBe(30009);
  expect(await federationPorts(dir, async () => [1])).toEqual(first);
  expect(calls).toBe(1);
});
