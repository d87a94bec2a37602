/**
 * Operators' tool for data API credentials: `keygen` makes a signing key and publishes its public
 * half in the nodes' JWKS file, `mint` signs a token, `retire` removes an old key after rotation.
 * Keys are read from files only, never from the command line (argv is visible to every process).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { Command } from "commander";
import { checkScopes } from "./scopes";
import { generateSigningKey, mintToken, parseJwks, parsePrivateJwk, parseTtl, PublicJwks, withKey, withoutKey } from "./tokens";

/** Replaces the file in one step, so a node re-reading it never sees half a key set. */
function writeAtomically(path: string, text: string, mode: number): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode });
  renameSync(temporary, path);
}

function readJwks(path: string): PublicJwks | undefined {
  return existsSync(path) ? parseJwks(readFileSync(path, "utf8"), path) : undefined;
}

async function keygen(options: { keyFile: string; jwksFile: string; kid?: string }): Promise<void> {
  if (existsSync(options.keyFile)) throw new Error(`${options.keyFile} exists: a signing key is never overwritten; choose another --key-file`);
  const existing = readJwks(options.jwksFile);
  const key = await generateSigningKey(options.kid);
  // 0600 and exclusive create: the private key is readable by its owner only.
  writeFileSync(options.keyFile, `${JSON.stringify(key.privateJwk, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  const set = withKey(existing, key.publicJwk);
  writeAtomically(options.jwksFile, `${JSON.stringify(set, null, 2)}\n`, 0o644);
  process.stdout.write(`kid ${key.publicJwk.kid}: private key in ${options.keyFile}; ${options.jwksFile} now holds ${set.keys.map((k) => k.kid).join(", ")}\n`);
}

async function mint(options: { keyFile: string; scope: string; ttl: string; subject?: string }): Promise<void> {
  const scopes = checkScopes(options.scope);
  if (!scopes.ok) throw new Error(`--scope: ${scopes.problems.map((p) => `${p.scope || "(empty)"}: ${p.reason}`).join("; ")}`);
  const ttl = parseTtl(options.ttl);
  const key = parsePrivateJwk(readFileSync(options.keyFile, "utf8"), options.keyFile);
  const token = await mintToken(key, { scopes: scopes.scopes, expiresAt: Math.floor(Date.now() / 1000) + ttl, subject: options.subject });
  process.stdout.write(`${token}\n`);
}

function retire(options: { jwksFile: string; kid: string }): void {
  const set = readJwks(options.jwksFile);
  if (!set) throw new Error(`${options.jwksFile} does not exist`);
  const remaining = withoutKey(set, options.kid);
  writeAtomically(options.jwksFile, `${JSON.stringify(remaining, null, 2)}\n`, 0o644);
  process.stdout.write(`kid ${options.kid} retired; ${options.jwksFile} holds ${remaining.keys.map((k) => k.kid).join(", ")}\n`);
}

const program = new Command().name("replication:token").description("Data API credentials of the DSC replication layer (ES256 JWTs).");

program
  .command("mint", { isDefault: true })
  .description("print a token signed with the key in --key-file (the default command)")
  .requiredOption("--key-file <path>", "private JWK written by keygen")
  .requiredOption("--scope <list>", 'space-separated: read:<collection>|read:*, write:<collection>|write:*, status, metrics, e.g. "read:* write:orders"')
  .option("--ttl <duration>", "lifetime: 90s, 15m, 1h, 7d (at most 30d)", "1h")
  .option("--subject <name>", "who the token is for (sub claim, shown in logs)")
  .action(mint);

program
  .command("keygen")
  .description("create a signing key and add its public key to the nodes' JWKS file (created if absent; existing keys are kept, for rotation)")
  .requiredOption("--key-file <path>", "where to write the private JWK (mode 0600; never overwritten)")
  .requiredOption("--jwks-file <path>", "the public key set the nodes read (--auth-keys-file)")
  .option("--kid <id>", "key id (default: the key's RFC 7638 thumbprint)")
  .action(keygen);

program
  .command("retire")
  .description("remove a key from the JWKS file once no token it signed is still needed")
  .requiredOption("--jwks-file <path>", "the public key set the nodes read")
  .requiredOption("--kid <id>", "the key to remove")
  .action(retire);

program.parseAsync().catch((error: Error) => {
  process.stderr.write(`replication:token: ${error.message}\n`);
  process.exit(2);
});
