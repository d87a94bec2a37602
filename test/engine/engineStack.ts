/**
 * A throw-away stack on the real Pulumi engine for tests: the built CLI (`PulumiCommand.get({ root })`), a file
 * backend and PULUMI_HOME in a fresh temporary folder per stack (never the user's `.state`), a passphrase
 * secrets provider, no update check and no plugin downloads: the provider plugins come from .toolchain/bin.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, PulumiFn, Stack } from "@pulumi/pulumi/automation";
import { requireToolchain } from "./toolchain";

export interface EngineStack {
  stack: Stack;
  /** The temporary folder holding backend, home, plans and anything the program writes. */
  scratch: string;
  /** Deletes the temporary folder. */
  dispose(): void;
}

export const TEST_PASSPHRASE = "engine-test-only";

/** The environment the CLI runs with: everything local to `scratch`, toolchain binaries first on PATH. */
export function engineEnv(toolchainRoot: string, scratch: string): Record<string, string> {
  return {
    PULUMI_BACKEND_URL: `file://${path.join(scratch, "backend")}`,
    PULUMI_HOME: path.join(scratch, "home"),
    PULUMI_CONFIG_PASSPHRASE: TEST_PASSPHRASE,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PATH: `${path.join(toolchainRoot, "bin")}${path.delimiter}${process.env.PATH ?? ""}`,
  };
}

export async function createEngineStack(
  projectName: string,
  stackName: string,
  program: (scratch: string) => PulumiFn,
): Promise<EngineStack> {
  const toolchainRoot = requireToolchain();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-engine-"));
  const envVars = engineEnv(toolchainRoot, scratch);
  for (const dir of ["backend", "home", "project"]) {
    fs.mkdirSync(path.join(scratch, dir));
  }
  const pulumiCommand = await PulumiCommand.get({ root: toolchainRoot });
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
  return { stack, scratch, dispose: () => fs.rmSync(scratch, { recursive: true, force: true }) };
}
