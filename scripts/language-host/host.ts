/**
 * The project's `pulumi-language-nodejs`: one Node.js language host for programs and policy packs.
 *
 * Why: the only Node.js host that can be built here is the Go one from sdk/v3 v3.68.0 (scripts/README.md). It
 * runs programs, but CLI v3.274.1 also starts Node.js policy packs through the host's `RunPlugin`, which 3.68
 * lacks. This host starts that Go host as a child process with the arguments the CLI gave (its flags and the
 * engine's address), implements `RunPlugin` for policy packs itself (policy-pack.ts) and relays every other
 * LanguageRuntime call to the Go host unchanged (forward.ts), using the service definition generated in
 * @pulumi/pulumi. Like any plugin it prints its port on stdout. The CLI interrupts, then kills, the plugin's
 * whole process group, which includes the Go host; should the Go host die first, this host exits with it.
 *
 * Run by the launcher `pulumi-language-nodejs` beside the Go binary (`pulumi-language-nodejs-go`), which
 * scripts/toolchain.sh installs into .toolchain/language-host; DSC_GO_LANGUAGE_HOST names the Go binary.
 */
import * as grpc from "@grpc/grpc-js";
import * as languageGrpc from "@pulumi/pulumi/proto/language_grpc_pb";
import { relayService } from "./forward";
import { startGoHost } from "./go-host";
import { runPolicyPack } from "./policy-pack";

/** Programs send whole snapshots and resource lists through here: the SDK's own servers allow this much. */
const MAX_MESSAGE_BYTES = 400 * 1024 * 1024;
const CHANNEL_OPTIONS = { "grpc.max_receive_message_length": MAX_MESSAGE_BYTES, "grpc.max_send_message_length": MAX_MESSAGE_BYTES };

function bind(server: grpc.Server): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
  );
}

async function main(args: string[]): Promise<void> {
  const goBinary = process.env.DSC_GO_LANGUAGE_HOST;
  if (!goBinary) {
    throw new Error("DSC_GO_LANGUAGE_HOST is not set: run this host through its launcher in .toolchain/language-host (npm run toolchain)");
  }
  // Only for this process (ts-node has read its setting): the Go host, programs and packs must not inherit them.
  delete process.env.DSC_GO_LANGUAGE_HOST;
  delete process.env.TS_NODE_PROJECT;
  const goHost = await startGoHost(goBinary, args, process.stdout);
  const upstream = new grpc.Client(goHost.address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  const { definition, implementation } = relayService(languageGrpc.LanguageRuntimeService, upstream, { runPlugin: runPolicyPack });
  const server = new grpc.Server(CHANNEL_OPTIONS);
  server.addService(definition, implementation);
  const port = await bind(server);

  goHost.child.on("exit", (code, signal) => {
    server.forceShutdown();
    process.exit(code ?? (signal === "SIGINT" || signal === "SIGTERM" ? 0 : 1));
  });
  // The CLI interrupts the process group (the Go host too); a signal sent to this process alone reaches it here.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => goHost.child.kill(signal));
  }
  process.on("exit", () => goHost.child.kill("SIGKILL"));
  process.stdout.write(`${port}\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`pulumi-language-nodejs: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
