/**
 * Why three writing regions cost more per write than one: the same three replicas in this process,
 * linked directly (no HTTP, TLS or fsync: in-memory logs), written to in commits of a chosen size,
 * either all into alpha or into all three at once. Returns the process CPU per write until every
 * replica holds every write. Used by replication.bench.ts.
 */
import Database from "better-sqlite3";
import { REGIONS } from "../services/replication/src/identity";
import { PeerSession } from "../services/replication/src/peerSession";
import { Replica } from "../services/replication/src/replica";
import { UpdateLog } from "../services/replication/src/updateLog";
import { DirectoryTrust, KeyDirectory } from "../services/replication/src/writerTrust";

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function mesh(): Replica[] {
  const directory = new KeyDirectory(REGIONS.map((region) => `${region}-0`));
  const nodes = REGIONS.map((region) => new Replica({ self: { region, replica: 0 }, log: new UpdateLog(new Database(":memory:")), trust: new DirectoryTrust(`${region}-0`, directory) }));
  const sessions = new Map<string, PeerSession>();
  for (const from of nodes) {
    for (const to of nodes) {
      if (from === to) continue;
      const back = `${to.self}->${from.self}`;
      sessions.set(`${from.self}->${to.self}`, from.connect(to.self, { send: (bytes) => setImmediate(() => sessions.get(back)?.receive(bytes)) }));
    }
  }
  return nodes;
}

export async function cpuPerWriteInProcess(writers: "one" | "all", writesPerCommit: number, total: number, value: unknown): Promise<number> {
  const nodes = mesh();
  await settle(20);
  for (const node of nodes) node.reportState(); // each learns whom the others hear: no relaying in the full mesh
  await settle(20);
  const into = writers === "one" ? [nodes[0]] : nodes;
  const before = process.cpuUsage();
  let n = 0;
  while (n < total) await Promise.all(into.map((node) => Promise.all(Array.from({ length: writesPerCommit }, () => node.write("model", `w-${n++}`, value)))));
  const last = `w-${n - 1}`;
  for (let waited = 0; !nodes.every((node) => node.store.read("model", last)) && waited < 10_000; waited += 5) await settle(5);
  if (!nodes.every((node) => node.store.read("model", last))) throw new Error(`the in-process mesh did not converge on ${last}`);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / n;
}
