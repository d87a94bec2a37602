/**
 * The loopback ports of one cluster. Chosen free at its first start (the kernel picks them) and written to
 * `ports.json`, so a restart serves the same addresses and its kubeconfig keeps working.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import { z } from "zod";

export const LOOPBACK = "127.0.0.1";

const port = z.number().int().min(1).max(65535);
export const portPlanSchema = z
  .object({
    etcd: port,
    etcdPeer: port,
    apiserver: port,
    controllerManager: port,
    scheduler: port,
    kwok: port,
  })
  .strict();
export type PortPlan = z.infer<typeof portPlanSchema>;
export type PortName = keyof PortPlan;
const PORT_NAMES = Object.keys(portPlanSchema.shape) as PortName[];

/** The ports recorded in `file`, new free ones written there when it does not exist yet. */
export async function clusterPorts(file: string): Promise<PortPlan> {
  if (fs.existsSync(file)) return readPortPlan(file);
  const ports = await freePorts(PORT_NAMES.length);
  const plan = Object.fromEntries(PORT_NAMES.map((name, i) => [name, ports[i]])) as PortPlan;
  fs.writeFileSync(file, JSON.stringify(plan, null, 2) + "\n");
  return plan;
}

export function readPortPlan(file: string): PortPlan {
  const parsed = portPlanSchema.safeParse(JSON.parse(fs.readFileSync(file, "utf8")));
  if (!parsed.success) {
    throw new Error(`${file}: not a port plan (${parsed.error.issues.map((i) => i.path.join(".") + ": " + i.message).join("; ")}); delete it to choose new ports`);
  }
  return parsed.data;
}

/** `n` distinct free loopback ports: all listeners stay open until every port is known. */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, () => listen(0)));
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** True when nothing listens on the loopback port (we could bind it ourselves). */
export async function portIsFree(p: number): Promise<boolean> {
  try {
    const server = await listen(p);
    await new Promise((resolve) => server.close(resolve));
    return true;
  } catch {
    return false;
  }
}

function listen(p: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen({ port: p, host: LOOPBACK, exclusive: true }, () => resolve(server));
  });
}
