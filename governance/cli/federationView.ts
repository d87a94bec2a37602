/**
 * `dsc status`'s regions: what the federation's status page serves (GET /api/snapshot, public facts only) as lines
 * for the terminal, so the terminal and the page show one view. The page's server is the one reader of the nodes.
 */
import type { FederationSnapshot } from "../../services/status/src/snapshot";

export type FederationView = Pick<FederationSnapshot, "regions" | "links" | "converged">;

const SNAPSHOT_TIMEOUT_MS = 3000;

/** The regions and links as lines (pure). */
export function federationLines(v: FederationView): string[] {
  const regions = v.regions.map((r) => `    ${r.name}: ${r.health}${r.digest ? `, digest ${r.digest.slice(0, 12)}…` : ""}${r.keys !== undefined ? `, ${r.keys} documents` : ""}${r.pendingCommit ? `, ${r.pendingCommit} pending` : ""}${r.problem ? ` (${r.problem})` : ""}`);
  const lag = (ops: number | undefined, to: string) => (ops === undefined ? "" : ` ${ops} ops ahead of ${to}`);
  const links = v.links.map((l) => `    ${l.a} ↔ ${l.b}: ${l.state}${[lag(l.aheadOfB, l.b), lag(l.aheadOfA, l.a)].filter(Boolean).join(",")}`);
  return ["  regions:", ...regions, "  links:", ...links, `  ${v.converged ? "converged: every reachable region holds the same digest, nothing pending" : "not converged"}`];
}

/** The status page's snapshot, or why it could not be read. */
export async function readFederationView(statusPage: string): Promise<{ ok: true; view: FederationView } | { ok: false; error: string }> {
  try {
    const response = await fetch(new URL("/api/snapshot", statusPage), { signal: AbortSignal.timeout(SNAPSHOT_TIMEOUT_MS) });
    if (!response.ok) return { ok: false, error: `HTTP ${response.status} from ${statusPage}` };
    const s = (await response.json()) as FederationSnapshot;
    return { ok: true, view: { regions: s.regions, links: s.links, converged: s.converged } };
  } catch (error) {
    return { ok: false, error: `${statusPage} not answering (${(error as Error).message})` };
  }
}
