import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChainReader, fetchNodeReport, readDeployment, readToken, STATUS_PATH } from "./sources";

let dir: string;
let server: http.Server;
let base: string;
const seen: Array<string | undefined> = [];
/** What the fake node answers next: a status code and a body. */
let answer: { status: number; body: unknown } = { status: 200, body: {} };

const DEPLOYMENT = {
  chainId: 31337,
  consortium: "0x" + "ee".repeat(20),
  contracts: { Guardian: "0x" + "01".repeat(20), TierRules: "0x" + "02".repeat(20), AgentRegistry: "0x" + "03".repeat(20), BoardRotationModule: "0x" + "04".repeat(20) },
  dsps: [{ name: "DSP-1", region: "alpha", safe: "0x" + "a1".repeat(20) }],
  tiers: ["critical"],
  regions: ["alpha"],
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "dsc-status-sources-"));
  server = http.createServer((request, response) => {
    seen.push(request.url === STATUS_PATH ? request.headers.authorization : `wrong path ${request.url}`);
    response.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

test("the deployment file: read when deploy.ts wrote it, else an error naming the file and the field", () => {
  const good = join(dir, "good.json");
  writeFileSync(good, JSON.stringify({ ...DEPLOYMENT, safeContracts: {}, board: [] }));
  expect(readDeployment(good)).toMatchObject({ chainId: 31337, regions: ["alpha"] });
  expect(() => readDeployment(join(dir, "absent.json"))).toThrow(/cannot read the deployment file .*absent\.json.*npm run contracts:deploy/);
  const bad = join(dir, "bad.json");
  writeFileSync(bad, JSON.stringify({ ...DEPLOYMENT, contracts: { ...DEPLOYMENT.contracts, Guardian: undefined } }));
  expect(() => readDeployment(bad)).toThrow(/bad\.json is not one deploy\.ts wrote: contracts\.Guardian:/);
});

test("the token file is read fresh each time; an empty or missing one is an error", () => {
  const file = join(dir, "token");
  writeFileSync(file, "t1\n");
  expect(readToken(file)).toEqual({ ok: true, value: "t1" });
  writeFileSync(file, "t2");
  expect(readToken(file)).toEqual({ ok: true, value: "t2" });
  writeFileSync(file, "  \n");
  expect(readToken(file)).toEqual({ ok: false, error: `the token file ${file} is empty` });
  expect(readToken(join(dir, "none"))).toMatchObject({ ok: false, error: expect.stringMatching(/cannot read the token file .*none: ENOENT/) });
});

test("a node's report is fetched with the bearer token; refusals, bad documents and dead nodes are errors", async () => {
  const report = { node: "alpha-0", keys: 2, pendingCommit: 0, digest: "d", peers: [{ name: "beta", state: "connected", behindOps: 1 }], region: "alpha" };
  answer = { status: 200, body: report };
  const token = { ok: true as const, value: "tok" };
  expect(await fetchNodeReport(base, token)).toEqual({ ok: true, value: { node: "alpha-0", keys: 2, pendingCommit: 0, digest: "d", peers: [{ name: "beta", state: "connected", behindOps: 1 }] } });
  expect(seen.at(-1)).toBe("Bearer tok");
  answer = { status: 403, body: { error: "insufficient_scope" } };
  expect(await fetchNodeReport(base, token)).toEqual({ ok: false, error: "HTTP 403 from /v1/replication/status (the token file must hold an unexpired replication token with scope `status`)" });
  answer = { status: 500, body: {} };
  expect(await fetchNodeReport(base, token)).toEqual({ ok: false, error: "HTTP 500 from /v1/replication/status" });
  answer = { status: 200, body: { node: "alpha-0" } };
  expect(await fetchNodeReport(base, token)).toMatchObject({ ok: false, error: expect.stringMatching(/^unexpected status document: /) });
  const calls = seen.length;
  expect(await fetchNodeReport(base, { ok: false, error: "no token" })).toEqual({ ok: false, error: "no token" });
  expect(seen.length).toBe(calls); // without a token the node is not asked at all
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  expect(await fetchNodeReport(deadUrl, token)).toEqual({ ok: false, error: "not answering: ECONNREFUSED" });
});

test("an unreachable chain is an observation naming the endpoint, not a throw", async () => {
  const reader = new ChainReader(base.replace(/:\d+$/, ":1"), DEPLOYMENT);
  const result = await reader.read();
  reader.close();
  expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/^chain http:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/) });
});
