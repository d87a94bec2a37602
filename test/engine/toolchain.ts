/** Where the engine tests find the Pulumi toolchain built by scripts/toolchain.sh, and what they say without it. */
import * as fs from "node:fs";
import * as path from "node:path";

/** Binaries the engine tests run: the CLI, and the provider the test program uses. */
export const REQUIRED_BINARIES = ["pulumi", "pulumi-resource-kubernetes"] as const;

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** The message a test run shows when binaries are missing: what is missing and the one command that fixes it. */
export function missingToolchainMessage(binDir: string, missing: readonly string[]): string {
  return (
    `The Pulumi engine is not built: ${missing.join(", ")} not found in ${binDir}. ` +
    "Run `npm run toolchain` (scripts/toolchain.sh builds it from Go modules; cold build takes many minutes), " +
    "then run the tests again. `npm test` does this for you."
  );
}

/** The toolchain root for `PulumiCommand.get({ root })` (it runs `<root>/bin/pulumi`); throws when incomplete. */
export function requireToolchain(projectRoot: string = PROJECT_ROOT): string {
  const root = path.join(projectRoot, ".toolchain");
  const binDir = path.join(root, "bin");
  const missing = REQUIRED_BINARIES.filter((name) => !isExecutable(path.join(binDir, name)));
  if (missing.length > 0) {
    throw new Error(missingToolchainMessage(binDir, missing));
  }
  return root;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
