/**
 * A stand-in for the `pulumi-language-nodejs` plugin that only runs Node.js policy packs.
 *
 * Why: since CLI 3.221 the engine starts a Node.js policy pack through the Node.js language plugin's
 * `RunPlugin`, and that plugin cannot be built here (the Go module proxy refuses its module; see
 * scripts/pulumi-run.ts, which serves the *program* to the CLI with `--client` instead). The engine talks to
 * this host over the real LanguageRuntime gRPC protocol; `RunPlugin` does what the real host does for an
 * analyzer: run `@pulumi/pulumi/cmd/run-policy-pack <args...> <pack dir>` with node in the pack's directory
 * and stream its stdout/stderr back, so the engine reads the pack's port and talks to the pack directly.
 * Every other method answers UNIMPLEMENTED: this host never runs programs.
 */
import { spawn } from "node:child_process";
import * as grpc from "@grpc/grpc-js";
import * as languageGrpc from "@pulumi/pulumi/proto/language_grpc_pb";
import * as languagePb from "@pulumi/pulumi/proto/language_pb";
import * as pluginPb from "@pulumi/pulumi/proto/plugin_pb";

type RunPluginCall = grpc.ServerWritableStream<languagePb.RunPluginRequest, languagePb.RunPluginResponse>;

/** The command the real Node.js host builds for an analyzer: plugin args first, the pack directory last. */
export function policyPackCommand(request: { args: string[]; programDirectory: string; typescript: boolean; env: string[] }) {
  const runPolicyPack = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [request.programDirectory] });
  const env = Object.fromEntries(request.env.map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]));
  if (request.typescript) env.PULUMI_NODEJS_TYPESCRIPT = "true";
  return { command: process.execPath, args: [runPolicyPack, ...request.args, request.programDirectory], cwd: request.programDirectory, env };
}

function runPlugin(call: RunPluginCall): void {
  const request = call.request;
  const info = request.getInfo();
  const programDirectory = info?.getProgramDirectory() ?? request.getPwd();
  const options = (info?.getOptions()?.toJavaScript() ?? {}) as { typescript?: unknown };
  const { command, args, cwd, env } = policyPackCommand({
    args: request.getArgsList(),
    programDirectory,
    typescript: options.typescript !== false,
    env: request.getEnvList().length > 0 ? request.getEnvList() : Object.entries(process.env).map(([k, v]) => `${k}=${v ?? ""}`),
  });
  const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  const send = (set: (response: languagePb.RunPluginResponse) => void) => {
    const response = new languagePb.RunPluginResponse();
    set(response);
    call.write(response);
  };
  child.stdout.on("data", (chunk: Buffer) => send((r) => r.setStdout(chunk)));
  child.stderr.on("data", (chunk: Buffer) => send((r) => r.setStderr(chunk)));
  child.on("error", (error) => call.destroy(error));
  child.on("close", (code) => {
    send((r) => r.setExitcode(code ?? 1));
    call.end();
  });
  call.on("cancelled", () => child.kill("SIGTERM"));
}

const implementation: grpc.UntypedServiceImplementation = {
  handshake: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<languagePb.LanguageHandshakeResponse>) =>
    callback(null, new languagePb.LanguageHandshakeResponse()),
  getPluginInfo: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<pluginPb.PluginInfo>) => {
    const info = new pluginPb.PluginInfo();
    info.setVersion("3.0.0");
    callback(null, info);
  },
  runPlugin,
};

/** Serve on loopback and print the port on stdout: that is how the engine finds a plugin it launched. */
function main(): void {
  const server = new grpc.Server();
  server.addService(languageGrpc.LanguageRuntimeService, implementation);
  server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) => {
    if (error) {
      console.error(`pulumi-language-nodejs (policy packs only): cannot listen: ${error.message}`);
      process.exit(1);
    }
    process.stdout.write(`${port}\n`);
  });
}

if (require.main === module) main();
