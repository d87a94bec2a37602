import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { clusterLayout } from "./layout";
import { isClusterProcess, processArgv, processMemory, processState, startProcess, stopProcess } from "./process";

describe("the processes of a local cluster", () => {
  let root: string;
  beforeAll(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-kube-proc-"))));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it("a process is the cluster's only when its binary is the component and an argument is under the cluster's folder", () => {
    const dir = "/x/kube/alpha";
    expect(isClusterProcess(["/tc/bin/etcd", "--data-dir=/x/kube/alpha/etcd"], "etcd", dir)).toBe(true);
    expect(isClusterProcess(["/tc/bin/etcd", "--data-dir=/x/kube/alphabet/etcd"], "etcd", dir)).toBe(false);
    expect(isClusterProcess(["/tc/bin/kwok", "--kubeconfig=/x/kube/alpha/kwok.kubeconfig"], "etcd", dir)).toBe(false);
    expect(isClusterProcess([], "etcd", dir)).toBe(false);
  });

  it("reads argv and memory of a live process, nothing of a finished one", async () => {
    expect(processArgv(process.pid)?.[0]).toMatch(/node$/);
    const memory = processMemory(process.pid)!;
    expect(memory.rss).toBeGreaterThan(0);
    expect(memory.pss).toBeLessThanOrEqual(memory.rss);
    const child = spawn("true");
    await new Promise((resolve) => child.on("exit", resolve));
    expect(processArgv(child.pid!)).toBeUndefined();
  });

  it("starts detached with a pid file, reports it running, stops it with SIGTERM and removes the pid file", async () => {
    const layout = clusterLayout(root, "alpha");
    // A stand-in for kwok: node under the component's name, with an argument under the cluster's folder.
    const bin = path.join(root, "bin");
    fs.mkdirSync(bin);
    fs.symlinkSync(process.execPath, path.join(bin, "kwok"));
    const pid = startProcess(layout, "kwok", path.join(bin, "kwok"), ["-e", "setInterval(() => {}, 1000)", `${layout.dir}/marker`], process.env);
    expect(fs.readFileSync(layout.pidFile("kwok"), "utf8").trim()).toBe(String(pid));
    expect(processState(layout, "kwok")).toEqual({ kind: "running", pid });
    expect(await stopProcess(layout, "kwok")).toBe(false);
    expect(processArgv(pid)).toBeUndefined();
    expect(fs.existsSync(layout.pidFile("kwok"))).toBe(false);
    expect(processState(layout, "kwok")).toEqual({ kind: "stopped" });
  });

  it("a pid file of a finished process is stale and is never signalled", async () => {
    const layout = clusterLayout(root, "beta");
    fs.mkdirSync(layout.run, { recursive: true });
    const child = spawn("true");
    await new Promise((resolve) => child.on("exit", resolve));
    fs.writeFileSync(layout.pidFile("etcd"), `${child.pid}\n`);
    expect(processState(layout, "etcd")).toEqual({ kind: "stale", pid: child.pid, reason: `pid ${child.pid} is not running` });
    fs.writeFileSync(layout.pidFile("etcd"), "garbage\n");
    expect(processState(layout, "etcd")).toMatchObject({ kind: "stale", reason: `${layout.pidFile("etcd")} holds no pid` });
    expect(await stopProcess(layout, "etcd")).toBe(false);
    expect(fs.existsSync(layout.pidFile("etcd"))).toBe(false);
  });
});
