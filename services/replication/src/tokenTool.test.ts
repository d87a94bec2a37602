import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { TokenVerifier } from "./auth";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "dsc-token-tool-"));
// From the repository root, as `npm run replication:token` runs it (ts-node reads the root tsconfig).
const tool = (...args: string[]) => run(process.execPath, ["-r", "ts-node/register/transpile-only", join(__dirname, "tokenTool.ts"), ...args], { cwd: join(__dirname, "..", "..", "..") });
/** Exit code and stderr of a run that must fail. */
const failure = (...args: string[]) => tool(...args).then(() => ({ code: 0, stderr: "" }), (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

jest.setTimeout(60000);

test("keygen, mint (the default command), rotate with a second key, retire the first", async () => {
  const jwks = join(dir, "jwks.json");
  await tool("keygen", "--key-file", join(dir, "first.jwk"), "--jwks-file", jwks, "--kid", "first");
  expect(statSync(join(dir, "first.jwk")).mode & 0o777).toBe(0o600);
  const { stdout } = await tool("--key-file", join(dir, "first.jwk"), "--scope", "read:* write:orders", "--ttl", "1h", "--subject", "ci");
  const token = stdout.trim();

  const verifier = new TokenVerifier(jwks, { reloadIntervalMs: 60000 });
  try {
    const credential = await verifier.verify(`Bearer ${token}`);
    expect(credential).toMatchObject({ ok: true, subject: "ci", scopes: new Set(["read:*", "write:orders"]) });
    const expiresAt = credential.ok ? credential.expiresAt : 0;
    expect(Math.abs(expiresAt - (Date.now() / 1000 + 3600))).toBeLessThan(60);
  } finally {
    verifier.close();
  }

  await tool("keygen", "--key-file", join(dir, "second.jwk"), "--jwks-file", jwks, "--kid", "second");
  expect(JSON.parse(readFileSync(jwks, "utf8")).keys.map((k: { kid: string }) => k.kid)).toEqual(["first", "second"]);
  await tool("retire", "--jwks-file", jwks, "--kid", "first");
  expect(JSON.parse(readFileSync(jwks, "utf8")).keys.map((k: { kid: string }) => k.kid)).toEqual(["second"]);
  expect(readFileSync(jwks, "utf8")).not.toMatch(/"d"/);
});

test("refusals say what to fix, and nothing is overwritten", async () => {
  await tool("keygen", "--key-file", join(dir, "k.jwk"), "--jwks-file", join(dir, "k-jwks.json"));
  const again = await failure("keygen", "--key-file", join(dir, "k.jwk"), "--jwks-file", join(dir, "k-jwks.json"));
  expect(again).toEqual({ code: 2, stderr: expect.stringMatching(/k\.jwk exists: a signing key is never overwritten/) });
  expect(await failure("--key-file", join(dir, "k.jwk"), "--scope", "read:.. root")).toEqual({ code: 2, stderr: expect.stringMatching(/--scope: read:\.\.: .*; root: expected read:<collection>/) });
  expect(await failure("--key-file", join(dir, "k.jwk"), "--scope", "read:*", "--ttl", "1y")).toEqual({ code: 2, stderr: expect.stringMatching(/ttl "1y": expected a number and a unit/) });
  // The public key set is not a signing key.
  expect(await failure("--key-file", join(dir, "k-jwks.json"), "--scope", "read:*")).toEqual({ code: 2, stderr: expect.stringMatching(/is not a private ES256 JWK/) });
});
