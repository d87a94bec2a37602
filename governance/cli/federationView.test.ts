import http from "node:http";
import type { AddressInfo } from "node:net";
import { federationLines, readFederationView, type FederationView } from "./federationView";

const view: FederationView = {
  regions: [
    { name: "alpha", health: "healthy", node: "alpha-0", keys: 3, pendingCommit: 0, digest: "0123456789abcdef0123" },
    { name: "beta", health: "down", problem: "not answering: ECONNREFUSED" },
  ],
  links: [{ a: "alpha", b: "beta", state: "partial", aheadOfB: 4 }],
  converged: false,
};

test("regions, links with their lag, and convergence as terminal lines", () => {
  expect(federationLines(view)).toEqual([
    "  regions:",
    "    alpha: healthy, digest 0123456789ab…, 3 documents",
    "    beta: down (not answering: ECONNREFUSED)",
    "  links:",
    "    alpha ↔ beta: partial 4 ops ahead of beta",
    "  not converged",
  ]);
  expect(federationLines({ regions: [], links: [], converged: true }).at(-1)).toMatch(/^ {2}converged/);
});

test("the view is read from the status page's snapshot; a failing page is an error, not a throw", async () => {
  let status = 200;
  const server = http.createServer((req, res) => {
    res.writeHead(status, { "content-type": "application/json" }).end(req.url === "/api/snapshot" ? JSON.stringify({ ...view, timeline: [], generatedAt: "x" }) : "{}");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  try {
    expect(await readFederationView(url)).toEqual({ ok: true, view });
    status = 503;
    expect(await readFederationView(url)).toEqual({ ok: false, error: `HTTP 503 from ${url}` });
  } finally {
    await new Promise((r) => server.close(r));
  }
  expect(await readFederationView(url)).toMatchObject({ ok: false, error: expect.stringContaining("not answering") });
});
