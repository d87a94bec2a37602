import { Slot } from "./lww";

/**
 * The shape a slot read from the CRDT must have before anything resolves, digests or compares
 * it: a peer can put any lib0 "any" value into a Yjs map (BigInt, NaN, typed arrays, undefined,
 * nested arrays of those), and one such value used to turn every read of its key into a 500.
 * Pure: the callers decide what a refusal costs (an update refused, a slot ignored, a metric).
 */
export interface SlotLimits {
  /** Largest accepted HLC wall time, in ms (the node's time plus the allowed skew). */
  readonly maxWall: number;
  /** Largest accepted HLC counter. */
  readonly maxCounter: number;
  /** Largest accepted document value, in bytes of its JSON text (the HTTP body limit). */
  readonly maxValueBytes: number;
}

export type SlotRefusal = "shape" | "value" | "clock_ahead" | "counter_range" | "oversize";

export type SlotCheck = { ok: true; slot: Slot } | { ok: false; reason: SlotRefusal; detail: string };

export const MAX_COUNTER = 2 ** 32;
/** Values nest at most this deep (JSON bodies that deep are refused by nobody, but a CRDT value is not a body). */
const MAX_DEPTH = 64;

/** Checks a slot's shape and bounds; `limits` undefined checks the shape only (reads). */
export function checkSlot(raw: unknown, limits?: SlotLimits): SlotCheck {
  if (!isPlainObject(raw)) return refuse("shape", "slot is not a plain object");
  const keys = Object.keys(raw);
  const { w, c } = raw as { w: unknown; c: unknown };
  if (!Number.isSafeInteger(w) || (w as number) < 0) return refuse("shape", "wall clock is not a non-negative safe integer");
  if (!Number.isSafeInteger(c) || (c as number) < 0) return refuse("shape", "counter is not a non-negative safe integer");
  const tombstone = "d" in raw;
  if (tombstone) {
    if ((raw as { d: unknown }).d !== 1 || "v" in raw || keys.length !== 3) return refuse("shape", "a tombstone is exactly {w, c, d: 1}");
  } else {
    if (!("v" in raw) || keys.length !== 3) return refuse("shape", "a slot is exactly {w, c, v} or {w, c, d: 1}");
    const v = (raw as { v: unknown }).v;
    if (!isPlainObject(v) || !isJsonSafe(v, 0)) return refuse("value", "value is not a JSON object (BigInt, NaN, Infinity, undefined, binary or too deep)");
  }
  if (limits) {
    if ((w as number) > limits.maxWall) return refuse("clock_ahead", `wall clock ${w as number} is ${(w as number) - limits.maxWall} ms beyond the allowed skew`);
    if ((c as number) > limits.maxCounter) return refuse("counter_range", `counter ${c as number} exceeds ${limits.maxCounter}`);
    if (!tombstone) {
      const bytes = Buffer.byteLength(JSON.stringify((raw as { v: unknown }).v), "utf8");
      if (bytes > limits.maxValueBytes) return refuse("oversize", `value of ${bytes} bytes exceeds ${limits.maxValueBytes}`);
    }
  }
  return { ok: true, slot: raw as unknown as Slot };
}

/** JSON round-trips it unchanged: null, booleans, finite numbers, strings, arrays and plain objects of those. */
export function isJsonSafe(value: unknown, depth = 0): boolean {
  if (depth > MAX_DEPTH) return false;
  if (value === null || typeof value === "boolean" || typeof value === "string") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isJsonSafe(item, depth + 1));
  if (isPlainObject(value)) return Object.keys(value).every((key) => key !== "__proto__" && isJsonSafe((value as Record<string, unknown>)[key], depth + 1));
  return false;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function refuse(reason: SlotRefusal, detail: string): SlotCheck {
  return { ok: false, reason, detail };
}
