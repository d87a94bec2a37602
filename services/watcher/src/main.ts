import { Command } from "commander";
import pino from "pino";
import { SETTINGS, resolveConfig, settingsFromEnv } from "./config";
import { startWatcher } from "./watcher";

const program = new Command()
  .name("watcher")
  .description(
    "Run one region's Guardian watcher: it watches the region's cluster, its replication node against its peers, and\n" +
      "the consortium's events, and pauses the federation through the Guardian on a breach.\n" +
      "Every flag can also come from the environment (shown in brackets), for the container.",
  )
  .addHelpText(
    "after",
    "\nExample:\n  watcher --region alpha --listen 127.0.0.1:9091 --chain-rpc-url http://127.0.0.1:8545 \\\n" +
      "    --guardian-address 0x… --consortium-safe-address 0x… --tier-rules-address 0x… --agent-key-file .state/alpha.key \\\n" +
      "    --kubeconfig .state/kube/alpha/kubeconfig --replication-url http://127.0.0.1:8081 \\\n" +
      "    --peer-replication beta=http://127.0.0.1:8082 --peer-replication gamma=http://127.0.0.1:8083 --state-dir .state/watcher-alpha",
  );
for (const s of SETTINGS) {
  const help = `${s.help} [${s.env}${s.repeat ? ", comma-separated" : ""}]`;
  if (s.repeat) program.option(s.flag, help, (value: string, previous: string[]) => [...previous, value], [] as string[]);
  else program.option(s.flag, help);
}

async function main(): Promise<void> {
  program.parse();
  const result = resolveConfig(settingsFromEnv(program.opts(), process.env), process.env.KUBERNETES_SERVICE_HOST !== undefined);
  if (!result.ok) {
    process.stderr.write(`watcher: invalid settings\n  ${result.errors.join("\n  ")}\nRun with --help for usage.\n`);
    process.exit(2);
  }
  const config = result.config;
  const logger = pino({ level: config.logLevel, base: { service: "watcher", region: config.region } });
  const watcher = await startWatcher(config, logger).catch((error: Error) => {
    logger.fatal({ err: error.message }, "watcher failed to start");
    process.exit(1);
  });
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    watcher.stop().then(
      () => process.exit(0),
      (error: Error) => {
        logger.error({ err: error.message }, "unclean shutdown");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

void main();
