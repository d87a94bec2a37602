/** Where the engine tests find the Pulumi toolchain built by scripts/toolchain.sh, and what they say without it. */
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Files under .toolchain the engine tests run: the CLI, the provider the test programs use, and the Node.js
 * language host (the launcher of scripts/language-host, in its own folder beside the Go host it relays to).
 */
export const REQUIRED_FILES = ["bin/pulumi", "bin/pulumi-resource-kubernetes", "language-host/pulumi-language-nodejs"] as const;

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** The message a test run shows when files are missing: what is missing and the one command that fixes it. */
export function missingToolchainMessage(root: string, missing: readonly string[]): string {
  return (
    `The Pulumi engine is not built: ${missing.join(", ")} not found in ${root}. ` +
    "Run `npm run toolchain` (scripts/toolchain.sh builds it from Go modules; cold build takes many minutes), " +
    "then run the tests again. `npm test` does this for you."
  );
}

/** The toolchain root for `PulumiCommand.get({ root })` (it runs `<root>/bin/pulumi`); throws when incomplete. */
export function requireToolchain(projectRoot: string = PROJECT_ROOT): string {
  const root = path.join(projectRoot, ".toolchain");
  const missing = REQUIRED_FILES.filter((file) => !isExecutable(path.join(root, file)));
  if (missing.length > 0) {
    throw new Error(missingToolchainMessage(root, missing));
  }
  return root;
}

/** The folder holding `pulumi-language-nodejs`, to put on PATH for a program the CLI runs itself. */
export function languageHostDir(toolchainRoot: string): string {
  return path.join(toolchainRoot, "language-host");
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
