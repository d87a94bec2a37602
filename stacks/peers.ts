import * as pulumi from "@pulumi/pulumi";
import { PeerEndpoint, isPeerUrl } from "../components/replication/spec";

/** The stack output other regions read to find this region's replication peer endpoint. */
export const PEER_ENDPOINT_OUTPUT = "replicationPeerEndpoint";

export interface PeerLookup {
  region: string;
  stack: string;
  /** What the peer stack exports as `replicationPeerEndpoint`; undefined when it has not been deployed yet. */
  endpoint: unknown;
}

export interface MissingPeer {
  region: string;
  stack: string;
  reason: string;
}

export interface PeerWiring {
  wired: PeerEndpoint[];
  missing: MissingPeer[];
}

/** Split peer lookups into usable endpoints and peers to report; a missing or malformed peer is never fatal. */
export function classifyPeers(lookups: readonly PeerLookup[]): PeerWiring {
  const wiring: PeerWiring = { wired: [], missing: [] };
  for (const { region, stack, endpoint } of lookups) {
    if (endpoint === undefined || endpoint === null) {
      wiring.missing.push({ region, stack, reason: `stack ${stack} has no ${PEER_ENDPOINT_OUTPUT} output yet (not deployed)` });
    } else if (!isPeerUrl(endpoint)) {
      wiring.missing.push({ region, stack, reason: `stack ${stack} exports ${PEER_ENDPOINT_OUTPUT}=${JSON.stringify(endpoint)}, not a wss://host:port URL` });
    } else {
      wiring.wired.push({ name: region, url: endpoint });
    }
  }
  return wiring;
}

export function describeMissingPeers(region: string, missing: readonly MissingPeer[]): string | undefined {
  if (missing.length === 0) return undefined;
  const lines = missing.map((m) => `  - ${m.region}: ${m.reason}`);
  return `${region}: replication starts without ${missing.length} peer(s); run \`pulumi up\` here again after they deploy:\n${lines.join("\n")}`;
}

/**
 * Read the peers' endpoints from their stacks. A peer stack must exist (`pulumi stack init`), but it need not have
 * been deployed: then it has no outputs, and the peer is reported and left out until the next `pulumi up`.
 */
export function resolvePeers(region: string, peers: readonly { region: string; stack: string }[]): pulumi.Output<PeerWiring> {
  const lookups = peers.map((p) => {
    const ref = new pulumi.StackReference(`${region}-peer-${p.region}`, { name: p.stack });
    return ref.getOutput(PEER_ENDPOINT_OUTPUT).apply((endpoint): PeerLookup => ({ ...p, endpoint }));
  });
  return pulumi.all(lookups).apply((found) => {
    const wiring = classifyPeers(found);
    const report = describeMissingPeers(region, wiring.missing);
    if (report !== undefined) void pulumi.log.warn(report);
    return wiring;
  });
}
