import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { X509Certificate } from "node:crypto";
import { importJWK, jwtVerify, SignJWT } from "jose";
import { certificatePemSchema, jwksSchema, privateKeyPemSchema } from "../components/replication/spec";
import { watcherTokenProblem } from "../stacks/config";
import { configSetAllArgs, ensureLocalTrust, ensureWatcherToken, LocalTrust, NOT_DEPLOYED, REGIONS, WATCHER_TOKEN_RENEW_SECONDS, watcherTokenRenewal } from "./local-config";

const keys = ["0x" + "1".repeat(64), "0x" + "2".repeat(64), "0x" + "3".repeat(64)];
const pem = (kind: string, body: string) => `-----BEGIN ${kind}-----\n${body}\n-----END ${kind}-----\n`;
const trust: LocalTrust = {
  caCert: pem("CERTIFICATE", "Q0E="),
  regions: Object.fromEntries(REGIONS.map((r) => [r, { cert: pem("CERTIFICATE", "Q0VSVA=="), key: pem("PRIVATE KEY", `${r}S0VZ`) }])) as LocalTrust["regions"],
  jwks: '{"keys":[]}',
};
const base = { agentKeys: keys, peerSecret: "s".repeat(64), rpcUrl: "http://127.0.0.1:8545", trust, watcherToken: "eyJ.watcher-token.sig" };

describe("configSetAllArgs", () => {
  it("sets agent keys, the peer secret and the watchers' replication token as secrets, chain settings as plain text, by path", () => {
    const args = configSetAllArgs(base);
    expect(args[0]).toBe("--path");
    expect(args).toEqual(
      expect.arrayContaining([
        "--secret", `dsc:watcherAgentKeys.alpha=${keys[0]}`,
        "--secret", `dsc:watcherAgentKeys.gamma=${keys[2]}`,
        "--secret", `dsc:replicationPeerSecret=${"s".repeat(64)}`,
        "--secret", "dsc:watcherReplicationToken=eyJ.watcher-token.sig",
        "--plaintext", "dsc:chain.rpcUrl=http://127.0.0.1:8545",
      ]),
    );
    const secretValues = args.filter((_, i) => args[i - 1] === "--secret");
    expect(secretValues).toHaveLength(8);
    expect(configSetAllArgs({ ...base, watcherToken: undefined }).join(" ")).not.toContain("watcherReplicationToken");
    expect(args.filter((_, i) => args[i - 1] === "--plaintext").join(" ")).not.toMatch(/watcherAgentKeys|PeerSecret|PRIVATE KEY|watcher-token/);
  });

  it("sets the peer private keys as secrets and the CA, certificates and public JWKS as plain text", () => {
    const args = configSetAllArgs(base);
    const secretValues = args.filter((_, i) => args[i - 1] === "--secret");
    expect(secretValues).toEqual(expect.arrayContaining(REGIONS.map((r) => `dsc:replicationTlsKeys.${r}=${trust.regions[r].key}`)));
    const plain = args.filter((_, i) => args[i - 1] === "--plaintext");
    expect(plain).toEqual(expect.arrayContaining([
      `dsc:replicationCaCert=${trust.caCert}`,
      ...REGIONS.map((r) => `dsc:replicationTlsCerts.${r}=${trust.regions[r].cert}`),
      `dsc:replicationAuthKeys=${trust.jwks}`,
    ]));
  });

  it("uses the deployment's Guardian, Consortium Safe and TierRules, or the zero address when nothing is deployed", () => {
    const guardian = "0x" + "a".repeat(40);
    const safe = "0x" + "b".repeat(40);
    const tierRules = "0x" + "c".repeat(40);
    const deployed = configSetAllArgs({ ...base, deployment: { consortium: safe, contracts: { Guardian: guardian, TierRules: tierRules } } });
    expect(deployed).toContain(`dsc:chain.guardianAddress=${guardian}`);
    expect(deployed).toContain(`dsc:chain.consortiumSafeAddress=${safe}`);
    expect(deployed).toContain(`dsc:chain.tierRulesAddress=${tierRules}`);
    const bare = configSetAllArgs(base);
    expect(bare).toContain(`dsc:chain.guardianAddress=${NOT_DEPLOYED}`);
    expect(bare).toContain(`dsc:chain.consortiumSafeAddress=${NOT_DEPLOYED}`);
    expect(bare.some((arg) => arg.startsWith("dsc:chain.tierRulesAddress="))).toBe(false);
  });

  it("points the local stack at the local clusters' kubeconfigs only when asked", () => {
    const args = configSetAllArgs({ ...base, kubeconfigDir: "/k" });
    expect(args[args.indexOf("dsc:localKubeconfigDir=/k") - 1]).toBe("--plaintext");
    expect(configSetAllArgs(base).some((arg) => arg.startsWith("dsc:localKubeconfigDir="))).toBe(false);
  });

  it("rejects a deployment file without the addresses, and too few agent keys", () => {
    expect(() => configSetAllArgs({ ...base, deployment: { consortium: "0x1" } })).toThrow(/contracts.Guardian/);
    expect(() => configSetAllArgs({ ...base, deployment: { consortium: "0x1", contracts: { Guardian: "0x2" } } })).toThrow(/contracts.TierRules/);
    expect(() => configSetAllArgs({ ...base, agentKeys: keys.slice(0, 2) })).toThrow(/one agent key per region/);
  });
});

describe("ensureLocalTrust", () => {
  let dir: string;
  let first: LocalTrust;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-trust-"));
    first = await ensureLocalTrust(dir);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("issues each region a peer certificate of the local CA for the names peers dial, in the shapes the program accepts", () => {
    const ca = new X509Certificate(first.caCert);
    certificatePemSchema.parse(first.caCert);
    for (const region of REGIONS) {
      const cert = new X509Certificate(first.regions[region].cert);
      privateKeyPemSchema.parse(first.regions[region].key);
      expect(cert.verify(ca.publicKey)).toBe(true);
      expect(cert.checkIssued(ca)).toBe(true);
      expect(cert.checkHost(`replication-0.replication-headless.dsc-replication-${region}.svc.cluster.local`)).toBeDefined();
      expect(cert.checkHost(`replication-peer.dsc-replication-${region}.svc.cluster.local`)).toBeDefined();
      expect(cert.checkIP("127.0.0.1")).toBe("127.0.0.1");
      // The peer handshake binds a session to the node named by the CN: the region's single local replica.
      expect(cert.subject.split("\n")).toContain(`CN=${region}-0`);
    }
  });

  it("keeps private keys owner-only and the JWKS public; the kept signing key makes tokens the JWKS verifies", async () => {
    for (const name of fs.readdirSync(dir)) {
      const mode = fs.statSync(path.join(dir, name)).mode & 0o777;
      expect([name, mode]).toEqual([name, /\.key$|signing-key/.test(name) ? 0o600 : 0o644]);
    }
    const jwks = jwksSchema.parse(JSON.parse(first.jwks));
    expect(jwks.keys).toHaveLength(1);
    const signing = JSON.parse(fs.readFileSync(path.join(dir, "token-signing-key.jwk.json"), "utf8")) as { kid: string };
    const token = await new SignJWT({ scope: "read:*" }).setProtectedHeader({ alg: "ES256", kid: signing.kid }).setIssuer("dsc-federation")
      .setAudience("dsc-replication").setExpirationTime("5m").sign(await importJWK(signing, "ES256"));
    const { payload } = await jwtVerify(token, await importJWK(jwks.keys[0], "ES256"), { issuer: "dsc-federation", audience: "dsc-replication" });
    expect(payload.scope).toBe("read:*");
  });

  it("reads the same material back on the next run instead of making new", async () => {
    expect(await ensureLocalTrust(dir)).toEqual(first);
  });
});

describe("ensureWatcherToken", () => {
  const DAY = 24 * 3600;
  const now = Math.floor(Date.now() / 1000);
  let dir: string;
  let jwks: ReturnType<typeof jwksSchema.parse>;
  const tokenFile = () => path.join(dir, "watcher-replication-token.jwt");
  const verify = async (token: string) =>
    (await jwtVerify(token, await importJWK(jwks.keys[0], "ES256"), { issuer: "dsc-federation", audience: "dsc-replication", currentDate: new Date(now * 1000) })).payload;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-watcher-token-"));
    jwks = jwksSchema.parse(JSON.parse((await ensureLocalTrust(dir)).jwks));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("mints a status-only token the local JWKS verifies, for 30 days, kept owner-only, that the stack config accepts", async () => {
    const token = await ensureWatcherToken(dir, now);
    const payload = await verify(token);
    expect([payload.scope, payload.sub, payload.exp]).toEqual(["status", "local-watchers", now + 30 * DAY]);
    expect(fs.statSync(tokenFile()).mode & 0o777).toBe(0o600);
    expect(watcherTokenProblem(token)).toBeUndefined();
  });

  it("keeps the same token on later runs until it is within 7 days of expiry, then mints a new one", async () => {
    const kept = fs.readFileSync(tokenFile(), "utf8");
    expect(await ensureWatcherToken(dir, now + 22 * DAY)).toBe(kept);
    const renewed = await ensureWatcherToken(dir, now + 24 * DAY);
    expect(renewed).not.toBe(kept);
    expect((await verify(renewed)).exp).toBe(now + 54 * DAY);
    expect(fs.readFileSync(tokenFile(), "utf8")).toBe(renewed);
  });

  it("mints again when the kept token is signed by another key than the current one", async () => {
    const keyFile = path.join(dir, "token-signing-key.jwk.json");
    const key = JSON.parse(fs.readFileSync(keyFile, "utf8")) as { kid: string };
    const kept = fs.readFileSync(tokenFile(), "utf8");
    fs.writeFileSync(keyFile, JSON.stringify({ ...key, kid: `${key.kid}-next` }));
    const token = await ensureWatcherToken(dir, now);
    expect(token).not.toBe(kept);
    expect(JSON.parse(Buffer.from(token.split(".")[0], "base64url").toString()).kid).toBe(`${key.kid}-next`);
  });

  it("says why a kept token is minted again", () => {
    const jwt = (header: object, claims: object) => [header, claims].map((p) => Buffer.from(JSON.stringify(p)).toString("base64url")).concat("c2ln").join(".");
    const exp = now + WATCHER_TOKEN_RENEW_SECONDS + 60;
    expect(watcherTokenRenewal(jwt({ alg: "ES256", kid: "k1" }, { scope: "status", exp }), "k1", now)).toBeUndefined();
    expect(watcherTokenRenewal(undefined, "k1", now)).toBe("none kept yet");
    expect(watcherTokenRenewal("garbage", "k1", now)).toBe("the kept token is not a JWT");
    expect(watcherTokenRenewal(jwt({ alg: "ES256", kid: "k0" }, { scope: "status", exp }), "k1", now)).toBe("signed by key k0, not the current k1");
    expect(watcherTokenRenewal(jwt({ alg: "ES256", kid: "k1" }, { scope: "status read:*", exp }), "k1", now)).toBe('scope "status read:*", not "status"');
    expect(watcherTokenRenewal(jwt({ alg: "ES256", kid: "k1" }, { scope: "status", exp: exp - 120 }), "k1", now)).toBe("expires within 7 days");
    expect(watcherTokenRenewal(jwt({ alg: "ES256", kid: "k1" }, { scope: "status" }), "k1", now)).toBe("expires within 7 days");
  });
});
