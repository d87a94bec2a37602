/**
 * Runs one `pulumi` CLI command against this project's TypeScript program without the Node.js language host:
 *
 *   npx ts-node --transpile-only scripts/pulumi-run.ts preview -s local --policy-pack policy
 *
 * Why: scripts/pulumi.sh sends commands with `--policy-pack` here. The language host that can be built here
 * (sdk/v3 v3.68.0, see scripts/README.md) runs programs but not policy packs (no `RunPlugin`), and the CLI uses
 * the first `pulumi-language-nodejs` on PATH for both. So for those commands that host stays off PATH, a host
 * that runs policy packs is put there (policy/engine/with-policy-host.sh), and the program comes from this
 * script: the CLI can attach to a language runtime that is already running (`--client`), as the Automation
 * API does for inline programs, and this script serves the project's `main` program with the SDK's own
 * runtime (`LanguageServer` from @pulumi/pulumi/automation). The engine, plans, state and provider plugins are
 * all the real ones.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as automationServer from "@pulumi/pulumi/automation/server";
import * as languageGrpc from "@pulumi/pulumi/proto/language_grpc_pb";
import { programMainPath, needsProgram } from "./pulumi-run-args";

type Program = () => Promise<Record<string, unknown> | void>;
type LanguageServerClass = new (program: Program) => grpc.UntypedServiceImplementation & {
  onPulumiExit(hasError: boolean): void;
};

/** `LanguageServer` is marked internal in the SDK's typings; the Automation API's own inline mode uses it. */
const { LanguageServer } = automationServer as unknown as { LanguageServer: LanguageServerClass };

/** Loads the program the way the Node.js language host would: its module exports become stack outputs. */
function programFrom(mainPath: string): Program {
  return async () => {
    const exported = (await import(mainPath)) as Record<string, unknown>;
    const entry = exported.default;
    if (typeof entry === "function") {
      return (await (entry as () => unknown)()) as Record<string, unknown> | void;
    }
    return exported;
  };
}

async function serve(program: Program): Promise<{ address: string; stop(hasError: boolean): void }> {
  const server = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024 });
  const languageServer = new LanguageServer(program);
  server.addService(languageGrpc.LanguageRuntimeService, languageServer);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    stop(hasError: boolean) {
      languageServer.onPulumiExit(hasError);
      server.forceShutdown();
    },
  };
}

function runCli(args: string[]): Promise<number> {
  const pulumi = process.env.DSC_PULUMI ?? "pulumi";
  return new Promise((resolve, reject) => {
    const child = spawn(pulumi, args, { stdio: "inherit" });
    child.on("error", (err) =>
      reject(new Error(`cannot run '${pulumi}': ${err.message}. Run 'npm run toolchain' and source scripts/pulumi-env.sh`)),
    );
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main(argv: string[]): Promise<number> {
  if (!needsProgram(argv)) {
    return runCli(argv);
  }
  const root = path.resolve(__dirname, "..");
  const host = await serve(programFrom(programMainPath(root)));
  let code = 1;
  try {
    code = await runCli([...argv, `--client=${host.address}`]);
  } finally {
    host.stop(code !== 0);
  }
  return code;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`pulumi-run: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
