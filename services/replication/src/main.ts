import { Command } from "commander";
import pino from "pino";
import { DEFAULT_API_LISTEN, DEFAULT_PEER_LISTEN, resolveConfig, settingsFromEnv } from "./config";
import { startNode } from "./node";

const program = new Command()
  .name("replication")
  .description(
    "Run one DSC replication node: a JSON document API replicated across regions with Yjs CRDTs.\n" +
      "Every flag can also come from the environment (shown in brackets), for the container.",
  )
  .option("--region <name>", "this node's region: alpha, beta or gamma [DSC_REGION]")
  .option("--replica <ordinal>", "replica ordinal, or a StatefulSet pod name like replication-2 (default 0) [DSC_REPLICA]")
  .option("--listen <host:port>", `HTTP API address (default ${DEFAULT_API_LISTEN}) [DSC_API_LISTEN]`)
  .option("--peer-listen <host:port>", `peer WebSocket address (default ${DEFAULT_PEER_LISTEN}) [DSC_PEER_LISTEN]`)
  .option("--peer <name=url>", "a peer to dial, e.g. beta=wss://10.0.0.2:7070; repeat for each [DSC_PEERS, comma-separated]", (value: string, previous: string[]) => [...previous, value], [] as string[])
  .option("--data <dir>", "data folder for the SQLite update log [DSC_DATA_DIR]")
  .option("--secret-file <path>", "file holding the secret shared by all peers (>= 16 characters): the handshake's second factor; the identity is the certificate [DSC_SECRET_FILE]")
  .option("--auth-keys-file <path>", "JWKS of the public keys that sign data API tokens; re-read when it changes [DSC_AUTH_KEYS_FILE]")
  .option("--tls-cert-file <path>", "this node's own peer certificate (PEM), issued by the federation CA with CN=<region>-<ordinal> [DSC_TLS_CERT_FILE]")
  .option("--tls-key-file <path>", "its private key (PEM) [DSC_TLS_KEY_FILE]")
  .option("--tls-ca-file <path>", "the federation CA certificate (PEM): peers must present a certificate it issued [DSC_TLS_CA_FILE]")
  .option("--log-level <level>", "fatal, error, warn, info, debug, trace or silent (default info) [DSC_LOG_LEVEL]")
  .option("--max-clock-skew-ms <ms>", "refuse a peer's version whose clock is more than this ahead of this node's (default 300000) [DSC_MAX_CLOCK_SKEW_MS]")
  .option("--max-client-ids <n>", "most Yjs client ids one writer's document of one shard may hold (default 64) [DSC_MAX_CLIENT_IDS]")
  .option("--peer-handshake-timeout-ms <ms>", "a peer socket must finish TLS and the handshake within this (default 5000) [DSC_PEER_HANDSHAKE_TIMEOUT_MS]")
  .option("--peer-handshake-max-bytes <n>", "largest handshake frame a peer may send before it is authenticated (default 1024) [DSC_PEER_HANDSHAKE_MAX_BYTES]")
  .option("--peer-max-unauthenticated <n>", "peer sockets that have not finished the handshake, at once (default 16) [DSC_PEER_MAX_UNAUTHENTICATED]")
  .option("--peer-max-connections <n>", "peer sockets of any kind, at once (default 64) [DSC_PEER_MAX_CONNECTIONS]")
  .option("--peer-max-frame-bytes <n>", "largest frame from an authenticated peer (default 67108864, 64 MiB) [DSC_PEER_MAX_FRAME_BYTES]")
  .option("--peer-max-bytes-per-second <n>", "read rate per authenticated peer; beyond it reading pauses (default 33554432, 32 MiB/s) [DSC_PEER_MAX_BYTES_PER_SECOND]")
  .option("--http-request-timeout-ms <ms>", "a data API request must arrive whole within this (default 30000) [DSC_HTTP_REQUEST_TIMEOUT_MS]")
  .option("--http-headers-timeout-ms <ms>", "its headers within this: the slow-loris guard (default 10000) [DSC_HTTP_HEADERS_TIMEOUT_MS]")
  .option("--http-keep-alive-timeout-ms <ms>", "idle keep-alive connections close after this (default 5000) [DSC_HTTP_KEEP_ALIVE_TIMEOUT_MS]")
  .option("--http-max-connections <n>", "open data API connections at once; more are dropped (default 512) [DSC_HTTP_MAX_CONNECTIONS]")
  .addHelpText(
    "after",
    "\nExample:\n  replication --region alpha --listen 127.0.0.1:8081 --peer-listen 127.0.0.1:7071 \\\n" +
      "    --peer beta=wss://127.0.0.1:7072 --peer gamma=wss://127.0.0.1:7073 --data .state/alpha --secret-file .state/secret \\\n" +
      "    --auth-keys-file .state/auth/jwks.json --tls-cert-file .state/tls/alpha.crt --tls-key-file .state/tls/alpha.key --tls-ca-file .state/tls/ca.crt",
  );

async function main(): Promise<void> {
  program.parse();
  const result = resolveConfig(settingsFromEnv(program.opts(), process.env));
  if (!result.ok) {
    process.stderr.write(`replication: invalid settings\n  ${result.errors.join("\n  ")}\nRun with --help for usage.\n`);
    process.exit(2);
  }
  const logger = pino({ level: result.config.logLevel, base: { service: "replication", region: result.config.id.region, replica: result.config.id.replica } });
  const node = await startNode(result.config, logger).catch((error: Error) => {
    logger.fatal({ err: error }, "node failed to start");
    process.exit(1);
  });
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    node.stop().then(
      () => process.exit(0),
      (error: Error) => {
        logger.error({ err: error }, "unclean shutdown");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

void main();
