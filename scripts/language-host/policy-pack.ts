/**
 * `RunPlugin` for Node.js policy packs, which the Go host (sdk/v3 v3.68.0) predates: since CLI 3.221 the engine
 * starts a Node.js pack through the language host's `RunPlugin`. This does what the newer real host does for an
 * analyzer: run `@pulumi/pulumi/cmd/run-policy-pack <args...> <pack dir>` with node in the pack's directory and
 * stream its stdout/stderr back, so the engine reads the pack's port and talks to the pack directly.
 */
import { spawn } from "node:child_process";
import * as grpc from "@grpc/grpc-js";
import * as languagePb from "@pulumi/pulumi/proto/language_pb";

type RunPluginCall = grpc.ServerWritableStream<languagePb.RunPluginRequest, languagePb.RunPluginResponse>;

/** The plugin kind the CLI sends for a policy pack (`apitype.AnalyzerPlugin`); older CLIs sent none. */
const POLICY_PACK_KINDS = new Set(["analyzer", ""]);

export function isPolicyPack(kind: string): boolean {
  return POLICY_PACK_KINDS.has(kind);
}

/** `KEY=VALUE` entries (the value may hold `=`) as an environment object. */
export function environmentOf(entries: readonly string[]): Record<string, string> {
  return Object.fromEntries(entries.map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]));
}

/** The command the real Node.js host builds for an analyzer: plugin args first, the pack directory last. */
export function policyPackCommand(request: { args: string[]; programDirectory: string; typescript: boolean; env: string[] }) {
  const runPolicyPack = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [request.programDirectory] });
  const env = environmentOf(request.env);
  if (request.typescript) env.PULUMI_NODEJS_TYPESCRIPT = "true";
  return { command: process.execPath, args: [runPolicyPack, ...request.args, request.programDirectory], cwd: request.programDirectory, env };
}

function commandFor(request: languagePb.RunPluginRequest) {
  const info = request.getInfo();
  const options = (info?.getOptions()?.toJavaScript() ?? {}) as { typescript?: unknown };
  return policyPackCommand({
    args: request.getArgsList(),
    programDirectory: info?.getProgramDirectory() || request.getPwd(),
    typescript: options.typescript !== false,
    env: request.getEnvList().length > 0 ? request.getEnvList() : Object.entries(process.env).map(([k, v]) => `${k}=${v ?? ""}`),
  });
}

/** The `RunPlugin` handler: runs the pack and streams its output, then its exit code. */
export function runPolicyPack(call: RunPluginCall): void {
  const kind = call.request.getKind();
  if (!isPolicyPack(kind)) {
    call.emit("error", {
      name: "RunPlugin",
      message: `this Node.js language host runs policy packs only, not plugins of kind '${kind}'`,
      code: grpc.status.UNIMPLEMENTED,
    } as grpc.ServiceError);
    return;
  }
  const { command, args, cwd, env } = commandFor(call.request);
  const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  const send = (set: (response: languagePb.RunPluginResponse) => void) => {
    const response = new languagePb.RunPluginResponse();
    set(response);
    call.write(response);
  };
  child.stdout.on("data", (chunk: Buffer) => send((r) => r.setStdout(chunk)));
  child.stderr.on("data", (chunk: Buffer) => send((r) => r.setStderr(chunk)));
  child.on("error", (error) => call.emit("error", { ...error, code: grpc.status.INTERNAL, details: `cannot run the policy pack: ${error.message}` }));
  child.on("close", (code) => {
    send((r) => r.setExitcode(code ?? 1));
    call.end();
  });
  call.on("cancelled", () => child.kill("SIGTERM"));
}
