/**
 * A throw-away stack on the real Pulumi engine for tests: the built CLI (`PulumiCommand.get({ root })`), a file
 * backend and PULUMI_HOME in a fresh temporary folder per stack (never the user's `.state`), a passphrase
 * secrets provider, no update check and no plugin downloads: the provider plugins come from .toolchain/bin.
 * The program is either inline (served by the Automation API, `--client`) or a project folder that the CLI
 * runs itself through the Node.js language host built by the toolchain.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, PulumiFn, Stack } from "@pulumi/pulumi/automation";
import { languageHostDir, requireToolchain } from "./toolchain";

export interface EngineStack {
  stack: Stack;
  /** The temporary folder holding backend, home, plans and anything the program writes. */
  scratch: string;
  /** Deletes the temporary folder. */
  dispose(): void;
}

export const TEST_PASSPHRASE = "engine-test-only";

/** The environment the CLI runs with: everything local to `scratch`, toolchain binaries and language host first on PATH. */
export function engineEnv(toolchainRoot: string, scratch: string): Record<string, string> {
  const toolchainPath = [path.join(toolchainRoot, "bin"), languageHostDir(toolchainRoot)].join(path.delimiter);
  return {
    PULUMI_BACKEND_URL: `file://${path.join(scratch, "backend")}`,
    PULUMI_HOME: path.join(scratch, "home"),
    PULUMI_CONFIG_PASSPHRASE: TEST_PASSPHRASE,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PATH: `${toolchainPath}${path.delimiter}${process.env.PATH ?? ""}`,
  };
}

interface Scratch {
  scratch: string;
  envVars: Record<string, string>;
  pulumiCommand: PulumiCommand;
}

async function prepareScratch(): Promise<Scratch> {
  const toolchainRoot = requireToolchain();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-engine-"));
  for (const dir of ["backend", "home", "project"]) {
    fs.mkdirSync(path.join(scratch, dir));
  }
  const pulumiCommand = await PulumiCommand.get({ root: toolchainRoot });
  return { scratch, envVars: engineEnv(toolchainRoot, scratch), pulumiCommand };
}

function engineStack(stack: Stack, scratch: string): EngineStack {
  return { stack, scratch, dispose: () => fs.rmSync(scratch, { recursive: true, force: true }) };
}

export async function createEngineStack(
  projectName: string,
  stackName: string,
  program: (scratch: string) => PulumiFn,
): Promise<EngineStack> {
  const { scratch, envVars, pulumiCommand } = await prepareScratch();
  const stack = await LocalWorkspace.createStack(
    { projectName, stackName, program: program(scratch) },
    {
      pulumiCommand,
      envVars,
      workDir: path.join(scratch, "project"),
      secretsProvider: "passphrase",
      projectSettings: { name: projectName, runtime: "nodejs", backend: { url: envVars.PULUMI_BACKEND_URL } },
    },
  );
  return engineStack(stack, scratch);
}

/**
 * A stack of a project folder `<scratch>/project` that `writeProject` fills (Pulumi.yaml and the program):
 * the CLI starts `pulumi-language-nodejs`, which runs the program with node, as `pulumi up` in a shell does.
 */
export async function createProjectStack(
  stackName: string,
  writeProject: (projectDir: string, scratch: string) => void,
): Promise<EngineStack> {
  const { scratch, envVars, pulumiCommand } = await prepareScratch();
  const workDir = path.join(scratch, "project");
  writeProject(workDir, scratch);
  const stack = await LocalWorkspace.createStack(
    { stackName, workDir },
    { pulumiCommand, envVars, secretsProvider: "passphrase" },
  );
  return engineStack(stack, scratch);
}
