/**
 * The gate's Pulumi side: a LocalWorkspace over this project (its Pulumi.yaml, its program) with the toolchain's
 * CLI (`PulumiCommand.get({ root: .toolchain })`) in the offline environment scripts/pulumi-env.sh sets up, and
 * what a manifest binds read from it: the stack's config as the engine will use it and the current state.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import type { PriorResource } from "./plan";

const run = promisify(execFile);

/** The project root: where Pulumi.yaml and package.json are. */
export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** The passphrase of the `local` stack only (scripts/pulumi-env.sh): it guards nothing real. */
export const LOCAL_PASSPHRASE = "dsc-local-stack";

export interface GateWorkspaceOptions {
  /** Project root (default: this repository). */
  projectRoot?: string;
  /** Where the toolchain is (default: <projectRoot>/.toolchain). */
  toolchainRoot?: string;
  /** Environment for the CLI; unset keys default as in scripts/pulumi-env.sh. */
  env?: Record<string, string | undefined>;
  /** The stack config file the engine uses (`--config-file`); default Pulumi.<stack>.yaml, or for `local` the
   *  run-time copy .state/local/Pulumi.local.yaml when scripts/local-config.ts has written it. */
  configFile?: string;
}

export interface GateWorkspace {
  stack: Stack;
  stackName: string;
  projectRoot: string;
  project: string;
  configFile: string;
  pulumiBin: string;
  env: Record<string, string>;
}

/** The CLI environment: the caller's settings win; otherwise the project's offline defaults. */
export function gateEnv(projectRoot: string, toolchainRoot: string, stackName: string, given: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(given)) if (v !== undefined) env[k] = v;
  // The same state folder as npm start's (scripts/local-up.sh): DSC_STATE_DIR, else <project>/.state.
  const state = path.resolve(env.DSC_STATE_DIR || path.join(projectRoot, ".state"));
  env.PULUMI_BACKEND_URL ??= `file://${path.join(state, "backend")}`;
  env.PULUMI_HOME ??= path.join(state, "pulumi-home");
  if (env.PULUMI_CONFIG_PASSPHRASE === undefined && env.PULUMI_CONFIG_PASSPHRASE_FILE === undefined) {
    if (stackName !== "local") {
      throw new Error(`stack ${stackName}: set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE (only the local stack has a default passphrase)`);
    }
    env.PULUMI_CONFIG_PASSPHRASE = LOCAL_PASSPHRASE;
  }
  env.PULUMI_SKIP_UPDATE_CHECK = "true";
  env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION = "true";
  // tsc type-checks the program in the test command; the engine then only transpiles (minutes saved per run).
  env.PULUMI_NODEJS_TRANSPILE_ONLY ??= "true";
  env.PATH = [path.join(toolchainRoot, "bin"), path.join(toolchainRoot, "language-host"), env.PATH ?? process.env.PATH ?? ""].join(path.delimiter);
  return env;
}

export function defaultConfigFile(projectRoot: string, stackName: string): string {
  const runtime = path.join(projectRoot, ".state", stackName, `Pulumi.${stackName}.yaml`);
  return stackName === "local" && existsSync(runtime) ? runtime : path.join(projectRoot, `Pulumi.${stackName}.yaml`);
}

/** Opens (or, for a stack not made yet, creates with the passphrase provider) a stack of the project. */
export async function openGateWorkspace(stackName: string, opts: GateWorkspaceOptions = {}): Promise<GateWorkspace> {
  const projectRoot = opts.projectRoot ?? PROJECT_ROOT;
  const toolchainRoot = opts.toolchainRoot ?? path.join(projectRoot, ".toolchain");
  const pulumiBin = path.join(toolchainRoot, "bin", "pulumi");
  if (!existsSync(pulumiBin)) throw new Error(`${pulumiBin} not found: build the engine with 'npm run toolchain'`);
  const env = gateEnv(projectRoot, toolchainRoot, stackName, opts.env ?? process.env);
  const pulumiCommand = await PulumiCommand.get({ root: toolchainRoot });
  const stack = await LocalWorkspace.createOrSelectStack({ stackName, workDir: projectRoot }, { pulumiCommand, envVars: env, secretsProvider: "passphrase" });
  const project = (await stack.workspace.projectSettings()).name;
  return { stack, stackName, projectRoot, project, configFile: opts.configFile ?? defaultConfigFile(projectRoot, stackName), pulumiBin, env };
}

/** The stack's config exactly as the engine will use it (decrypted), `key → value string`. */
export async function stackConfig(ws: GateWorkspace): Promise<Record<string, string>> {
  const { stdout } = await run(ws.pulumiBin, ["config", "--json", "--show-secrets", "-s", ws.stackName, "--config-file", ws.configFile], {
    cwd: ws.projectRoot,
    env: ws.env,
    maxBuffer: 64 << 20,
  });
  const json = JSON.parse(stdout) as Record<string, { value?: string }>;
  return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, v.value ?? ""]));
}

/** The stack's resources as its current state has them. */
export async function currentState(ws: GateWorkspace): Promise<PriorResource[]> {
  const exported = await ws.stack.exportStack();
  return ((exported.deployment as { resources?: PriorResource[] } | undefined)?.resources ?? []).map((r) => ({ urn: r.urn, type: r.type, inputs: r.inputs, provider: r.provider }));
}

/** Relays the engine's output to `progress` line by line, without its blank lines and progress dots. */
export function engineOutput(progress: (line: string) => void): (chunk: string) => void {
  return (chunk) => {
    for (const line of chunk.split("\n")) {
      const t = line.trimEnd();
      if (/^\s*$|^\.+$|^@ (previewing|updating)\b/.test(t)) continue;
      progress(t);
    }
  };
}
