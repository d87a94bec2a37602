import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { clusterPorts, lowFreePorts, portIsFree, readPortPlan } from "./ports";

describe("a cluster's loopback ports", () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-kube-ports-"))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("are chosen free, distinct and below the ephemeral range at the first start, then read back unchanged", async () => {
    const file = path.join(dir, "ports.json");
    const first = await clusterPorts(file);
    const values = Object.values(first);
    expect(new Set(values).size).toBe(values.length);
    // The kernel hands out ports from this range to outgoing connections and port-0 listeners of any process.
    const [ephemeralLow] = fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    for (const port of values) expect(port).toBeLessThan(ephemeralLow);
    expect(await clusterPorts(file)).toEqual(first);
    expect(readPortPlan(file)).toEqual(first);
  });

  it("a port plan that is not one is refused with the file and the way out", () => {
    const file = path.join(dir, "bad.json");
    fs.writeFileSync(file, JSON.stringify({ etcd: 0, apiserver: "x" }));
    expect(() => readPortPlan(file)).toThrow(new RegExp(`${file}: not a port plan \\(.*etcd.*\\); delete it to choose new ports`));
  });

  it("tell a busy port from a free one", async () => {
    const [port] = await lowFreePorts(1);
    expect(await portIsFree(port)).toBe(true);
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    try {
      expect(await portIsFree(port)).toBe(false);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
