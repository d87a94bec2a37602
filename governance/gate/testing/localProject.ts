/**
 * For tests and benchmarks of the gate on the real engine: a committed copy of the working tree in a temporary
 * folder (so HEAD and the config never move under them), with the `local` stack's run-time config written by
 * scripts/local-config.ts against a consortium on a loopback chain. Never used by the product itself.
 */
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { openGateWorkspace, PROJECT_ROOT, type GateWorkspace } from "../workspace";

/** Copies the working tree's files (tracked and new, not ignored) to `to` and commits them in a fresh repository. */
export function copyProject(to: string): void {
  const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: PROJECT_ROOT, encoding: "utf8" }).split("\0").filter(Boolean);
  for (const f of files) {
    if (!fs.existsSync(path.join(PROJECT_ROOT, f))) continue;
    fs.mkdirSync(path.dirname(path.join(to, f)), { recursive: true });
    fs.copyFileSync(path.join(PROJECT_ROOT, f), path.join(to, f));
  }
  fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(to, "node_modules"));
  fs.symlinkSync(path.join(PROJECT_ROOT, ".toolchain"), path.join(to, ".toolchain"));
  const git = (...args: string[]) => execFileSync("git", args, { cwd: to, stdio: "ignore" });
  git("init", "-q");
  git("add", "-A");
  git("-c", "user.name=gate-test", "-c", "user.email=gate@test", "commit", "-q", "-m", "copy");
}

/** The copy's `local` stack with a backend under `scratch` and its run-time config for the chain at `rpcUrl`. */
export async function localStackOf(project: string, scratch: string, rpcUrl: string, deploymentFile: string): Promise<GateWorkspace> {
  fs.mkdirSync(path.join(scratch, "backend"), { recursive: true });
  const env = { ...process.env, PULUMI_BACKEND_URL: `file://${path.join(scratch, "backend")}`, PULUMI_HOME: path.join(scratch, "home") };
  const configFile = path.join(project, ".state", "local", "Pulumi.local.yaml");
  const ws = await openGateWorkspace("local", { projectRoot: project, env, configFile });
  fs.mkdirSync(path.dirname(configFile), { recursive: true });
  fs.copyFileSync(path.join(project, "Pulumi.local.yaml"), configFile);
  await promisify(execFile)(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/local-config.ts", "--stack", "local", "--config-file", configFile, "--rpc", rpcUrl, "--deployment", deploymentFile], { cwd: project, env: ws.env });
  return ws;
}
