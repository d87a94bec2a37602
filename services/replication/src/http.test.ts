import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { importJWK, SignJWT } from "jose";
import pino from "pino";
import { TokenVerifier } from "./auth";
import { BODY_LIMIT_BYTES, buildApi, frameworkProblem } from "./http";
import { ReplicationMetrics } from "./metrics";
import { Replica } from "./replica";
import { ALL_SCOPES, TestSecurity } from "./testing/security";
import { generateSigningKey } from "./tokens";
import { UpdateLog } from "./updateLog";

const dir = mkdtempSync(join(tmpdir(), "dsc-http-"));
const replica = new Replica({ self: { region: "alpha", replica: 0 }, log: UpdateLog.open(join(dir, "log.sqlite")) });
const metrics = new ReplicationMetrics();
let ready = true;
let security: TestSecurity;
let verifier: TokenVerifier;
/** The credential of put/get/call unless a test passes another (or none). */
let admin = "";
let port = 0;
const app = buildApi({
  replica,
  node: { region: "alpha", replica: 0, name: "alpha-0" },
  metrics,
  logger: pino({ level: "silent" }),
  authenticate: (authorization) => verifier.verify(authorization),
  peers: () => [],
  isReady: () => ready,
});

beforeAll(async () => {
  security = await TestSecurity.create(join(dir, "security"));
  verifier = new TokenVerifier(security.jwksFile, { reloadIntervalMs: 50 });
  admin = await security.token(ALL_SCOPES);
  await app.listen({ host: "127.0.0.1", port: 0 });
  port = (app.server.address() as { port: number }).port;
});

afterAll(async () => {
  await app.close();
  await replica.close();
  verifier.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Reply {
  readonly statusCode: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  json(): Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/**
 * A real HTTP request to the API on loopback, its path sent as written: node:http does not
 * normalise "." and ".." segments (fetch would). `token` undefined sends no credential.
 */
function call(method: string, path: string, payload?: string, options: { token?: string | undefined; contentType?: string; authorization?: string } = { token: admin }): Promise<Reply> {
  const headers: http.OutgoingHttpHeaders = {};
  const token = "token" in options ? options.token : admin;
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  else if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (payload !== undefined) headers["content-type"] = options.contentType ?? "application/json";
  return new Promise((resolve, reject) => {
    const request = http.request({ host: "127.0.0.1", port, method, path, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        const body = Buffer.concat(chunks).toString();
        resolve({ statusCode: response.statusCode ?? 0, headers: response.headers, body, json: () => JSON.parse(body) });
      });
    });
    request.on("error", reject);
    request.end(payload);
  });
}

const put = (path: string, payload: string, contentType?: string) => call("PUT", path, payload, { token: admin, contentType });
const get = (path: string) => call("GET", path);

describe("documents", () => {
  test("put, get, list, delete", async () => {
    const written = await put("/v1/collections/users/docs/u1", JSON.stringify({ name: "Ada" }));
    expect(written.statusCode).toBe(200);
    const { version } = written.json();
    expect(version).toMatch(/^\d+\.\d+@alpha-0$/);
    expect(written.headers.etag).toBe(`"${version}"`);

    const read = await get("/v1/collections/users/docs/u1");
    expect(read.json()).toEqual({ collection: "users", id: "u1", version, document: { name: "Ada" } });

    await put("/v1/collections/users/docs/u2", "{}");
    await put("/v1/collections/users/docs/x9", "{}");
    const page = (await get("/v1/collections/users/docs?prefix=u&limit=1")).json();
    expect(page.items.map((i: { id: string }) => i.id)).toEqual(["u1"]);
    const next = (await get(`/v1/collections/users/docs?prefix=u&limit=1&cursor=${page.nextCursor}`)).json();
    expect(next).toMatchObject({ items: [{ id: "u2" }] });
    expect(next.nextCursor).toBeUndefined();

    const deleted = await call("DELETE", "/v1/collections/users/docs/u1");
    expect(deleted.json()).toMatchObject({ deleted: true });
    expect((await get("/v1/collections/users/docs/u1")).statusCode).toBe(404);
    expect((await call("DELETE", "/v1/collections/users/docs/never")).json()).toMatchObject({ deleted: false });
  });

  test("a later write to the same document gets a greater version", async () => {
    const first = (await put("/v1/collections/c/docs/d", '{"n":1}')).json().version as string;
    const second = (await put("/v1/collections/c/docs/d", '{"n":2}')).json().version as string;
    expect(second).not.toBe(first);
    expect((await get("/v1/collections/c/docs/d")).json().document).toEqual({ n: 2 });
  });
});

describe("bad input gets a clear 4xx, never a 500", () => {
  test.each([
    ["bad collection", () => put("/v1/collections/-bad/docs/a", "{}"), 400, /path\.collection: collection must be/],
    ["bad id", () => put("/v1/collections/users/docs/a%20b", "{}"), 400, /path\.id: document id must be/],
    ["body not JSON", () => put("/v1/collections/users/docs/a", "{nope"), 400, /not valid JSON/],
    ["body not an object", () => put("/v1/collections/users/docs/a", "[1,2]"), 400, /body: body must be a JSON object/],
    ["empty body", () => put("/v1/collections/users/docs/a", ""), 400, /body is empty/],
    ["prototype pollution", () => put("/v1/collections/users/docs/a", '{"__proto__":{"x":1}}'), 400, /__proto__/],
    ["wrong media type", () => put("/v1/collections/users/docs/a", "{}", "text/plain"), 415, /Content-Type: application\/json/],
    ["id ..", () => put("/v1/collections/users/docs/..", "{}"), 400, /path\.id: document id must not be "\." or "\.\."/],
    ["id .", () => put("/v1/collections/users/docs/.", "{}"), 400, /path\.id: document id must not be/],
    ["id %2e%2e", () => put("/v1/collections/users/docs/%2e%2e", "{}"), 400, /path\.id: document id must not be/],
    ["id %2E%2E (read)", () => get("/v1/collections/users/docs/%2E%2E"), 400, /path\.id: document id must not be/],
    ["id .%2e (delete)", () => call("DELETE", "/v1/collections/users/docs/.%2e"), 400, /path\.id: document id must not be/],
    ["id %2e", () => put("/v1/collections/users/docs/%2e", "{}"), 400, /path\.id: document id must not be/],
    ["collection ..", () => put("/v1/collections/../docs/a", "{}"), 400, /path\.collection: collection must be/],
    ["collection %2e%2e", () => put("/v1/collections/%2e%2e/docs/a", "{}"), 400, /path\.collection: collection must be/],
    ["collection %2E (list)", () => get("/v1/collections/%2E/docs"), 400, /path\.collection: collection must be/],
    ["cursor ..", () => get("/v1/collections/users/docs?cursor=.."), 400, /query\.cursor: document id must not be/],
    ["body too large", () => put("/v1/collections/users/docs/a", JSON.stringify({ x: "a".repeat(BODY_LIMIT_BYTES) })), 413, /larger than the 262144-byte limit/],
    ["bad limit", () => get("/v1/collections/users/docs?limit=5000"), 400, /query\.limit/],
    ["bad cursor", () => get("/v1/collections/users/docs?cursor=a%2Fb"), 400, /query\.cursor/],
    ["unknown route", () => get("/v2/things"), 404, /no route GET \/v2\/things/],
    ["unknown method", () => call("POST", "/v1/collections/users/docs/a", "{}"), 404, /no route POST/],
  ])("%s", async (_name, request, status, message) => {
    const response = await request();
    expect(response.statusCode).toBe(status);
    expect(response.json().message).toMatch(message);
  });

  test("an unexpected failure is a 500 without internals", () => {
    expect(frameworkProblem({ message: "disk on fire" })).toEqual({ status: 500, error: "internal", message: "internal error; see the node's log" });
    expect(frameworkProblem({ statusCode: 400, code: "FST_OTHER", message: "odd" })).toEqual({ status: 400, error: "bad_request", message: "odd" });
  });
});

describe("storage failure", () => {
  test("a write that cannot be committed is a 503 the client may retry, not an acknowledgement", async () => {
    const log = new UpdateLog(new Database(":memory:"));
    const broken = buildApi({
      replica: new Replica({ self: { region: "beta", replica: 0 }, log }),
      node: { region: "beta", replica: 0, name: "beta-0" },
      metrics: new ReplicationMetrics(),
      logger: pino({ level: "silent" }),
      authenticate: (authorization) => verifier.verify(authorization),
      peers: () => [],
      isReady: () => true,
    });
    const url = await broken.listen({ host: "127.0.0.1", port: 0 });
    log.close();
    try {
      const response = await fetch(`${url}/v1/collections/c/docs/d`, { method: "PUT", body: "{}", headers: { "content-type": "application/json", authorization: `Bearer ${admin}` } });
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ error: "not_durable", message: expect.stringMatching(/retry it/) });
    } finally {
      await broken.close();
    }
  });
});

describe("operations endpoints", () => {
  test("health, readiness, status and metrics", async () => {
    expect((await get("/healthz")).statusCode).toBe(200);
    expect((await get("/readyz")).statusCode).toBe(200);
    ready = false;
    expect((await get("/readyz")).statusCode).toBe(503);
    ready = true;
    const status = (await get("/v1/replication/status")).json();
    expect(status).toMatchObject({ region: "alpha", replica: 0, node: "alpha-0", peers: [], pendingCommit: 0 });
    expect(status.digest).toMatch(/^[0-9a-f]{64}$/);
    const metrics = (await get("/metrics")).body;
    expect(metrics).toMatch(/dsc_replication_writes_total\{op="put"\} \d+/);
    expect(metrics).toMatch(/dsc_replication_rejected_requests_total\{status="400"\} \d+/);
  });
});

describe("credentials: refused before anything is read or written", () => {
  const written = (collection: string, id: string) => replica.store.read(collection, id) !== undefined;
  const refusals = async (status: string, reason: string): Promise<number> =>
    (await metrics.authRefusals.get()).values.find((v) => v.labels.status === status && v.labels.reason === reason)?.value ?? 0;

  test.each([
    ["no credential", () => ({ token: undefined }), "missing", /^Bearer realm="dsc-replication"$/, /needs a credential: send Authorization: Bearer <token>/],
    ["not a bearer token", () => ({ authorization: "Basic YWRtaW46YWRtaW4=" }), "malformed", /error="invalid_token"/, /must be 'Bearer <token>'/],
    ["garbage token", () => ({ token: "not.a.jwt" }), "malformed", /error="invalid_token"/, /not a well-formed signed JWT/],
    ["expired", async () => ({ token: await security.token(ALL_SCOPES, -5) }), "expired", /error_description="the token has expired"/, /the token has expired/],
    ["signed by a key the node does not trust", async () => ({ token: await security.token(ALL_SCOPES, 3600, (await generateSigningKey()).privateJwk) }), "invalid", /error="invalid_token"/, /signed by a key this node does not trust/],
  ])("%s: 401 with a challenge and a JSON error, nothing written", async (_name, credential, reason, challenge, message) => {
    const before = await refusals("401", reason);
    const options = await credential();
    const response = await call("PUT", "/v1/collections/orders/docs/refused-401", '{"x":1}', options);
    expect(response.statusCode).toBe(401);
    expect(response.headers["www-authenticate"]).toMatch(challenge);
    expect(response.json()).toEqual({ error: reason === "missing" ? "unauthorized" : "invalid_token", message: expect.stringMatching(message) });
    expect(response.json().message).toMatch(/npm run replication:token/);
    expect(await refusals("401", reason)).toBe(before + 1);
    expect(written("orders", "refused-401")).toBe(false);
    expect(replica.pendingCount()).toBe(0);
  });

  /** A token signed with the trusted key but with claims of the test's choosing. */
  const signed = async (claims: { iss: string; aud: string; exp?: string }) => {
    const key = security.signingKey;
    const jwt = new SignJWT({ scope: ALL_SCOPES }).setProtectedHeader({ alg: "ES256", kid: key.kid }).setIssuer(claims.iss).setAudience(claims.aud);
    if (claims.exp) jwt.setExpirationTime(claims.exp);
    return jwt.sign(await importJWK(key, "ES256"));
  };

  test("a token for another issuer or audience is refused", async () => {
    const sign = (iss: string, aud: string) => signed({ iss, aud, exp: "1h" });
    for (const [issuer, audience, claim] of [["someone-else", "dsc-replication", "iss"], ["dsc-federation", "another-api", "aud"]]) {
      const response = await call("GET", "/v1/collections/orders/docs", undefined, { token: await sign(issuer, audience) });
      expect({ claim, status: response.statusCode }).toEqual({ claim, status: 401 });
      expect(response.json().message).toMatch(new RegExp(`token's ${claim} claim is not valid here`));
    }
  });

  test("a token without exp is refused", async () => {
    const token = await signed({ iss: "dsc-federation", aud: "dsc-replication" });
    const response = await call("GET", "/v1/collections/orders/docs", undefined, { token });
    expect(response.statusCode).toBe(401);
    expect(response.json().message).toMatch(/token's exp claim is not valid here \(missing\)/);
  });

  test.each([
    ["read-only token writes", "read:*", "PUT", "/v1/collections/orders/docs/refused-403", "write:orders"],
    ["another collection's writer", "write:invoices", "PUT", "/v1/collections/orders/docs/refused-403", "write:orders"],
    ["another collection's writer deletes", "write:invoices read:orders", "DELETE", "/v1/collections/orders/docs/refused-403", "write:orders"],
    ["writer reads", "write:*", "GET", "/v1/collections/orders/docs/refused-403", "read:orders"],
    ["another collection's reader lists", "read:invoices", "GET", "/v1/collections/orders/docs", "read:orders"],
    ["status without its scope", "read:* write:* metrics", "GET", "/v1/replication/status", "status"],
    ["metrics without its scope", "read:* write:* status", "GET", "/metrics", "metrics"],
  ])("%s: 403 naming the scope needed, nothing written", async (_name, scopes, method, path, needed) => {
    const before = await refusals("403", "scope");
    const response = await call(method, path, method === "PUT" ? '{"x":1}' : undefined, { token: await security.token(scopes) });
    expect(response.statusCode).toBe(403);
    expect(response.headers["www-authenticate"]).toBe(`Bearer realm="dsc-replication", error="insufficient_scope", scope="${needed}"`);
    expect(response.json()).toEqual({ error: "insufficient_scope", message: expect.stringContaining(`needs scope ${needed}; this token has: ${scopes}`) });
    expect(await refusals("403", "scope")).toBe(before + 1);
    expect(written("orders", "refused-403")).toBe(false);
  });

  test("a refused DELETE leaves the document in place", async () => {
    await put("/v1/collections/orders/docs/kept", '{"v":1}');
    const response = await call("DELETE", "/v1/collections/orders/docs/kept", undefined, { token: await security.token("read:orders write:invoices") });
    expect(response.statusCode).toBe(403);
    expect(replica.store.read("orders", "kept")).toMatchObject({ deleted: false, value: { v: 1 } });
  });

  test("a scope for one collection works there, and per-action wildcards cover every collection", async () => {
    const orders = await security.token("read:orders write:orders");
    expect((await call("PUT", "/v1/collections/orders/docs/mine", "{}", { token: orders })).statusCode).toBe(200);
    expect((await call("GET", "/v1/collections/orders/docs/mine", undefined, { token: orders })).statusCode).toBe(200);
    const anyWriter = await security.token("write:*");
    expect((await call("PUT", "/v1/collections/anything/docs/x", "{}", { token: anyWriter })).statusCode).toBe(200);
  });

  test("health and readiness need no credential; an unknown route needs one before it is a 404", async () => {
    expect((await call("GET", "/healthz", undefined, { token: undefined })).statusCode).toBe(200);
    expect((await call("GET", "/readyz", undefined, { token: undefined })).statusCode).toBe(200);
    expect((await call("GET", "/v2/secret-things", undefined, { token: undefined })).statusCode).toBe(401);
    expect((await call("GET", "/v2/secret-things", undefined, { token: await security.token("read:orders") })).statusCode).toBe(404);
  });

  test("rotation: both keys valid while the JWKS holds both, then only the new one", async () => {
    const rotating = await TestSecurity.create(join(dir, "rotation"));
    const nodeVerifier = new TokenVerifier(rotating.jwksFile, { reloadIntervalMs: 50 });
    const accepted = async (token: string) => (await nodeVerifier.verify(`Bearer ${token}`)).ok;
    const waitUntil = async (check: () => Promise<boolean>) => {
      for (let i = 0; i < 250 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 20));
      return check();
    };
    try {
      const oldToken = await rotating.token("read:*");
      expect(await accepted(oldToken)).toBe(true);
      const oldKey = await rotating.rotate();
      const newToken = await rotating.token("read:*");
      expect(await waitUntil(() => accepted(newToken))).toBe(true);
      expect(await accepted(oldToken)).toBe(true);
      expect(await accepted(await rotating.token("read:*", 3600, oldKey))).toBe(true);

      rotating.retireOldKeys();
      expect(await waitUntil(async () => !(await accepted(oldToken)))).toBe(true);
      expect(await nodeVerifier.verify(`Bearer ${oldToken}`)).toMatchObject({ ok: false, reason: "invalid", detail: expect.stringMatching(/unknown or retired kid/) });
      expect(await accepted(newToken)).toBe(true);
    } finally {
      nodeVerifier.close();
    }
  });

  test("an unusable keys file at runtime keeps the previous keys in force", async () => {
    const keys = await TestSecurity.create(join(dir, "broken-keys"));
    const logged: string[] = [];
    const logger = pino({ level: "info" }, { write: (line: string) => void logged.push(line) });
    const nodeVerifier = new TokenVerifier(keys.jwksFile, { reloadIntervalMs: 20, logger });
    try {
      const token = await keys.token("read:*");
      writeFileSync(keys.jwksFile, "{ half a fi");
      for (let i = 0; i < 250 && !logged.some((line) => line.includes("auth keys file unusable")); i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(logged.join("")).toMatch(/is not JSON[^\n]*"msg":"auth keys file unusable; the previous keys stay in force"/);
      expect((await nodeVerifier.verify(`Bearer ${token}`)).ok).toBe(true);
    } finally {
      nodeVerifier.close();
    }
  });

  test("a keys file that cannot be used at start stops the node with the reason", () => {
    expect(() => new TokenVerifier(join(dir, "absent.json"))).toThrow(/auth keys file .*absent\.json cannot be read \(ENOENT\); give a JWKS with --auth-keys-file or DSC_AUTH_KEYS_FILE/);
  });
});
