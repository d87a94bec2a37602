/**
 * The loopback ports of one cluster. Chosen free at its first start, below the kernel's ephemeral range, and
 * written to `ports.json`, so a restart serves the same addresses and its kubeconfig keeps working.
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
  const ports = await lowFreePorts(PORT_NAMES.length);
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

/**
 * `n` distinct free loopback ports from 20000-29999, below the ephemeral range (32768 and up on Linux). A port the
 * kernel picked (port 0) could be taken by any outgoing connection or port-0 listener on the machine between its
 * choice and the bind of the process it is for, seconds later (seen in CI: kwok's port, while other tests ran).
 */
export async function lowFreePorts(n: number): Promise<number[]> {
  const out: number[] = [];
  const base = 20000 + Math.floor(Math.random() * 8000);
  for (let p = base; out.length < n && p < base + 2000; p++) if (await portIsFree(p)) out.push(p);
  if (out.length < n) throw new Error(`found only ${out.length} free loopback ports from ${base}`);
  return out;
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
