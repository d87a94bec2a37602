/**
 * The real engine's verdict on a stack the mocked program registered: write the synthesized checkpoint to a
 * temporary file and run `pulumi policy analyze --file` on it with this pack and the stack's policy config,
 * through scripts/pulumi.sh (the toolchain's CLI and its Node.js language host, which starts the pack), with
 * PULUMI_HOME and the backend in that temporary folder.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ResourceRecord } from "../evaluate";
import { checkpointOf } from "../state";

const POLICY_DIR = path.resolve(__dirname, "..");
const PULUMI_SH = path.resolve(POLICY_DIR, "..", "scripts", "pulumi.sh");

export interface EngineVerdict {
  /** The CLI's exit code: 0 clean, 1 on a mandatory violation (or a failure to run, see output). */
  code: number;
  output: string;
}

export async function analyzeWithEngine(stack: string, records: ResourceRecord[]): Promise<EngineVerdict> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dsc-policy-${stack}-`));
  const file = path.join(dir, "state.json");
  fs.writeFileSync(file, JSON.stringify(checkpointOf(records)));
  try {
    const env = { ...process.env, PULUMI_HOME: path.join(dir, "home"), PULUMI_BACKEND_URL: `file://${path.join(dir, "backend")}` };
    return await run("bash", [
      PULUMI_SH, "policy", "analyze", "--non-interactive", "--color", "never", "--file", file,
      "--policy-pack", POLICY_DIR, "--policy-pack-config", path.join(POLICY_DIR, "config", `${stack}.json`),
    ], env);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs a command to its end, stdout and stderr together in `output` (the CLI's own order). */
export function run(command: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<EngineVerdict> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => { output += chunk.toString(); });
    child.stderr.on("data", (chunk: Buffer) => { output += chunk.toString(); });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}
