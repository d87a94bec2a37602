/** Breaking one property of a stack's records at a time, for the failing half of each policy test. */
import { ResourceRecord } from "../evaluate";

// Tests reach into arbitrary nested inputs of many resource types; a typed view per type would outweigh the tests.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyProps = Record<string, any>;

/** A deep copy with `change` applied to the props of every record `match` selects (at least one must match). */
export function edit(records: ResourceRecord[], match: (r: ResourceRecord) => boolean, change: (props: AnyProps, record: ResourceRecord) => void): ResourceRecord[] {
  const copy: ResourceRecord[] = structuredClone(records);
  const targets = copy.filter(match);
  if (targets.length === 0) throw new Error("edit: no record matched; the program changed shape");
  for (const target of targets) change(target.props, target);
  return copy;
}

export const ofType = (type: string) => (r: ResourceRecord) => r.type === type;
