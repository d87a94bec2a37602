/** A node's identity: its region plus its replica ordinal inside the region's StatefulSet. */
export const REGIONS = ["alpha", "beta", "gamma"] as const;
export type Region = (typeof REGIONS)[number];

export interface NodeId {
  readonly region: Region;
  readonly replica: number;
}

export function nodeName(id: NodeId): string {
  return `${id.region}-${id.replica}`;
}

export function isRegion(value: string): value is Region {
  return (REGIONS as readonly string[]).includes(value);
}

/** Parses "alpha-0"; undefined when the text is not a node name. */
export function parseNodeName(text: string): NodeId | undefined {
  const match = /^([a-z]+)-(\d{1,4})$/.exec(text);
  if (!match || !isRegion(match[1])) return undefined;
  return { region: match[1], replica: Number(match[2]) };
}

/** Region order (alpha < beta < gamma), then replica ordinal: the tie-break of the write rule. */
export function compareNodeIds(a: NodeId, b: NodeId): number {
  const byRegion = REGIONS.indexOf(a.region) - REGIONS.indexOf(b.region);
  return byRegion !== 0 ? byRegion : a.replica - b.replica;
}
