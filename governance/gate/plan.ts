/**
 * Reading an engine update plan (`pulumi preview --save-plan`): one step per resource with what it does and which
 * property paths it changes. The plan holds only the new values of changed top-level inputs; the old values
 * come from the stack's current state, so nested paths ("spec.replicas") can be named. Without an old value every
 * leaf of the new one counts as changed: more paths can only make a step harder to cover (fail closed).
 */
import { z } from "zod";
import type { Operation } from "./tierTable";

const diffSchema = z
  .object({ adds: z.record(z.string(), z.unknown()).optional(), updates: z.record(z.string(), z.unknown()).optional(), deletes: z.array(z.string()).optional() })
  .optional();
const resourcePlanSchema = z.object({
  goal: z
    .object({ type: z.string(), name: z.string(), custom: z.boolean().optional(), provider: z.string().optional(), inputDiff: diffSchema })
    .nullish(),
  steps: z.array(z.string()).optional(),
});
export const planSchema = z.object({
  manifest: z.object({ time: z.string(), version: z.string() }).passthrough(),
  resourcePlans: z.record(z.string(), resourcePlanSchema).optional(),
});

/** A resource as the stack's current state has it (from `pulumi stack export`). */
export interface PriorResource {
  urn: string;
  type?: string;
  inputs?: Record<string, unknown>;
  provider?: string;
}

/** One resource's planned step. */
export interface PlanStep {
  urn: string;
  type: string;
  name: string;
  /** Undefined for a step list the gate does not know (it is then covered by no rule). */
  operation: Operation | "same" | undefined;
  /** The engine's own step names, as written in the plan. */
  engineSteps: string[];
  /** Changed property paths ('.'-separated, array indexes as segments), sorted. */
  paths: string[];
  /** Name of the provider resource the step goes through ('' when none). */
  provider: string;
}

/** `urn:pulumi:<stack>::<project>::<parent types$>type::<name>` → type and name. */
export function parseUrn(urn: string): { type: string; name: string } {
  const parts = urn.split("::");
  if (parts.length < 4 || !parts[0].startsWith("urn:pulumi:")) throw new Error(`not a Pulumi URN: ${urn}`);
  const types = parts[2].split("$");
  return { type: types[types.length - 1], name: parts.slice(3).join("::") };
}

/** The provider's resource name from a provider reference `<provider URN>::<id>`. */
export function providerName(reference: string | undefined): string {
  if (!reference) return "";
  const urn = reference.slice(0, reference.lastIndexOf("::"));
  try {
    return parseUrn(urn).name;
  } catch {
    return "";
  }
}

/** One operation for the engine's step list (a replacement is several engine steps). */
export function operationOf(steps: readonly string[]): Operation | "same" | undefined {
  const known: Record<string, Operation | "same"> = {
    same: "same",
    create: "create",
    update: "update",
    delete: "delete",
    replace: "replace",
    "create-replacement": "replace",
    "delete-replaced": "replace",
    read: "read",
    "read-replacement": "read",
    import: "import",
    "import-replacement": "import",
  };
  const ops = steps.map((s) => known[s]);
  if (ops.length === 0 || ops.some((o) => o === undefined)) return undefined;
  for (const o of ["replace", "delete", "create", "import", "update", "read"] as const) if (ops.includes(o)) return o;
  return "same";
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(SECRET_SIG in v);
}

/** Leaf paths of a value (an empty object or array, a secret, a scalar are leaves). */
export function leafPaths(value: unknown, prefix: string): string[] {
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : isObject(value) ? Object.entries(value) : [];
  if (entries.length === 0) return [prefix];
  return entries.flatMap(([k, v]) => leafPaths(v, `${prefix}.${k}`));
}

/** Paths where two values differ. Secrets never compare equal (their ciphertexts are fresh each time). */
export function diffPaths(before: unknown, after: unknown, prefix: string): string[] {
  const bothArrays = Array.isArray(before) && Array.isArray(after);
  if (bothArrays || (isObject(before) && isObject(after))) {
    const b = before as Record<string, unknown>;
    const a = after as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
    return keys.flatMap((k) => {
      if (!(k in a)) return leafPaths(b[k], `${prefix}.${k}`);
      if (!(k in b)) return leafPaths(a[k], `${prefix}.${k}`);
      return diffPaths(b[k], a[k], `${prefix}.${k}`);
    });
  }
  const secret = (v: unknown) => typeof v === "object" && v !== null && SECRET_SIG in v;
  if (!secret(before) && !secret(after) && JSON.stringify(before) === JSON.stringify(after)) return [];
  return [...new Set([...leafPaths(before, prefix), ...leafPaths(after, prefix)])];
}

/** Parses plan bytes into steps; `prior` is the stack's current state. Throws when the bytes are no plan. */
export function readPlan(bytes: Buffer, prior: readonly PriorResource[]): PlanStep[] {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw new Error(`the plan file is not JSON (${(err as Error).message}): it must be the file 'pulumi preview --save-plan' wrote`, { cause: err });
  }
  const parsed = planSchema.safeParse(json);
  if (!parsed.success) throw new Error(`the plan file is not an engine update plan: ${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message}`);
  const byUrn = new Map(prior.map((r) => [r.urn, r]));
  return Object.entries(parsed.data.resourcePlans ?? {})
    .map(([urn, rp]): PlanStep => {
      const { type, name } = rp.goal ?? parseUrn(urn);
      const old = byUrn.get(urn);
      const engineSteps = rp.steps ?? [];
      const diff = rp.goal?.inputDiff ?? {};
      const oldInputs = old?.inputs ?? {};
      const paths = [
        ...Object.entries(diff.adds ?? {}).flatMap(([k, v]) => leafPaths(v, k)),
        ...Object.entries(diff.updates ?? {}).flatMap(([k, v]) => (k in oldInputs ? diffPaths(oldInputs[k], v, k) : leafPaths(v, k))),
        ...(diff.deletes ?? []).flatMap((k) => (k in oldInputs ? leafPaths(oldInputs[k], k) : [k])),
      ];
      return {
        urn,
        type,
        name,
        operation: operationOf(engineSteps),
        engineSteps,
        paths: [...new Set(paths)].sort(),
        provider: providerName(rp.goal?.provider ?? old?.provider),
      };
    })
    .sort((a, b) => a.urn.localeCompare(b.urn));
}
