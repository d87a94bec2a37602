/** Pure decisions of scripts/pulumi-run.ts: which CLI commands run the program, and where the program is. */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

/** CLI commands that evaluate the program, and so need a language runtime (`--client`). */
const PROGRAM_COMMANDS = new Set(["preview", "pre", "up", "update", "refresh", "destroy", "down"]);

/** True when `argv` (command first, then its flags) is a CLI command that runs the program; help does not. */
export function needsProgram(argv: readonly string[]): boolean {
  const command = argv.find((arg) => !arg.startsWith("-"));
  const wantsHelp = argv.includes("--help") || argv.includes("-h");
  return command !== undefined && PROGRAM_COMMANDS.has(command) && !wantsHelp;
}

/**
 * The program's entry file, relative to the project, resolved as Pulumi's Node.js runtime does:
 * `main` in Pulumi.yaml, else `main` in package.json, else `index`.
 */
export function programMain(pulumiYaml: string, packageJson: string | undefined): string {
  const project: unknown = parse(pulumiYaml);
  if (project === null || typeof project !== "object") {
    throw new Error("Pulumi.yaml: expected a mapping with 'name' and 'runtime'");
  }
  const main = (project as { main?: unknown }).main;
  if (main !== undefined) {
    if (typeof main !== "string" || main === "") {
      throw new Error("Pulumi.yaml: 'main' must be a non-empty path to the program's entry file or folder");
    }
    return main;
  }
  const pkgMain = packageJson === undefined ? undefined : (JSON.parse(packageJson) as { main?: unknown }).main;
  return typeof pkgMain === "string" && pkgMain !== "" ? pkgMain : "index";
}

/** Absolute path of the program to load, read from the project's files. */
export function programMainPath(root: string): string {
  const pulumiYamlPath = path.join(root, "Pulumi.yaml");
  if (!fs.existsSync(pulumiYamlPath)) {
    throw new Error(`no Pulumi.yaml in ${root}: run from the project's checkout`);
  }
  const packageJsonPath = path.join(root, "package.json");
  const packageJson = fs.existsSync(packageJsonPath) ? fs.readFileSync(packageJsonPath, "utf8") : undefined;
  return path.resolve(root, programMain(fs.readFileSync(pulumiYamlPath, "utf8"), packageJson));
}
