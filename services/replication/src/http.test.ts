import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pino from "pino";
import { BODY_LIMIT_BYTES, buildApi, frameworkProblem } from "./http";
import { ReplicationMetrics } from "./metrics";
import { Replica } from "./replica";
import { UpdateLog } from "./updateLog";

const dir = mkdtempSync(join(tmpdir(), "dsc-http-"));
const replica = new Replica({ self: { region: "alpha", replica: 0 }, log: UpdateLog.open(join(dir, "log.sqlite")) });
let ready = true;
const app = buildApi({
  replica,
  node: { region: "alpha", replica: 0, name: "alpha-0" },
  metrics: new ReplicationMetrics(),
  logger: pino({ level: "silent" }),
  peers: () => [],
  isReady: () => ready,
});

let base = "";
beforeAll(async () => {
  base = await app.listen({ host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await app.close();
  await replica.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Reply {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  json(): Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A real HTTP request to the API on loopback (fastify's inject needs an ESM-only module jest cannot load). */
async function call(method: string, url: string, payload?: string, contentType = "application/json"): Promise<Reply> {
  const response = await fetch(base + url, { method, body: payload, headers: payload === undefined ? {} : { "content-type": contentType } });
  const body = await response.text();
  return { statusCode: response.status, headers: Object.fromEntries(response.headers), body, json: () => JSON.parse(body) };
}

const put = (url: string, payload: string, contentType?: string) => call("PUT", url, payload, contentType);
const get = (url: string) => call("GET", url);

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
    const broken = buildApi({ replica: new Replica({ self: { region: "beta", replica: 0 }, log }), node: { region: "beta", replica: 0, name: "beta-0" }, metrics: new ReplicationMetrics(), logger: pino({ level: "silent" }), peers: () => [], isReady: () => true });
    const url = await broken.listen({ host: "127.0.0.1", port: 0 });
    log.close();
    try {
      const response = await fetch(`${url}/v1/collections/c/docs/d`, { method: "PUT", body: "{}", headers: { "content-type": "application/json" } });
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
