/** `npm run status-page -- --deployment F --replication alpha=http://… --token-file T --listen 127.0.0.1:8088` */
import { command, mergeEnv, resolveConfig } from "./config";
import { startStatusServer } from "./server";

async function main(): Promise<void> {
  const resolved = resolveConfig(mergeEnv(command().parse(process.argv).opts(), process.env));
  if (!resolved.ok) {
    console.error(`status-page: invalid settings:\n  ${resolved.errors.join("\n  ")}\n(see --help)`);
    process.exit(2);
  }
  const server = await startStatusServer(resolved.config, (line) => console.error(line));
  console.log(`status page at ${server.url}`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: Error) => {
  console.error(`status-page: ${error.message}`);
  process.exit(1);
});
