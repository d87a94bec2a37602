/**
 * Hybrid logical clock (Kulkarni et al.): wall-clock milliseconds plus a counter, so that a
 * write made after seeing another write always carries a larger timestamp even when clocks skew.
 * Writes are ordered by (wall, counter) and then by the writer's identity (see `compareVersions`).
 */
export interface Hlc {
  readonly wall: number;
  readonly counter: number;
}

export const ZERO_HLC: Hlc = { wall: 0, counter: 0 };

export function compareHlc(a: Hlc, b: Hlc): number {
  return a.wall !== b.wall ? a.wall - b.wall : a.counter - b.counter;
}

export function maxHlc(a: Hlc, b: Hlc): Hlc {
  return compareHlc(a, b) >= 0 ? a : b;
}

/**
 * The next timestamp for a local event: strictly after `last` (everything this node has issued or
 * observed) and at least the physical time `now`.
 */
export function tick(last: Hlc, now: number): Hlc {
  return now > last.wall ? { wall: now, counter: 0 } : { wall: last.wall, counter: last.counter + 1 };
}
