import { z } from "zod";

/**
 * Parse component arguments with a zod schema and fail with every problem at once, each line naming the key and
 * saying what to do. Components call this first, so a bad input never reaches the engine.
 */
export function parseArgs<S extends z.ZodType>(component: string, schema: S, args: unknown): z.output<S> {
  const result = schema.safeParse(args);
  if (result.success) return result.data;
  throw new Error(`${component}: invalid arguments:\n${formatIssues(result.error.issues)}`);
}

/** One line per issue: `  - <dotted.key[0]>: <message>`; the message carries the fix. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], keyPrefix = ""): string {
  return issues
    .flatMap((issue) =>
      issue.code === "unrecognized_keys"
        ? issue.keys.map((key) => `  - ${keyPath(keyPrefix, [...issue.path, key])}: not a setting here (a typo, or meant for another cloud); remove it`)
        : [`  - ${keyPath(keyPrefix, issue.path)}: ${issue.message}`],
    )
    .join("\n");
}

function keyPath(prefix: string, path: readonly PropertyKey[]): string {
  let key = prefix;
  for (const part of path) {
    key += typeof part === "number" ? `[${part}]` : `${key === "" || key.endsWith(":") ? "" : "."}${String(part)}`;
  }
  return key === "" ? "(root)" : key;
}

/** The oldest Kubernetes minor the federation supports: StatefulSet pods carry `apps.kubernetes.io/pod-index`. */
export const KUBERNETES_FLOOR_MINOR = 31;

export const kubernetesVersionSchema = z
  .string({ error: `must be a Kubernetes minor version string like "1.33" (quote it in YAML)` })
  .regex(/^1\.\d{1,2}$/, { error: `must look like "1.33" (major.minor, no patch)` })
  .refine((v) => Number(v.split(".")[1]) >= KUBERNETES_FLOOR_MINOR, {
    error: (issue) =>
      `Kubernetes ${String(issue.input)} is below the supported floor 1.${KUBERNETES_FLOOR_MINOR}; ` +
      `set it to 1.${KUBERNETES_FLOOR_MINOR} or newer`,
  });

/** A node pool with autoscaling bounds; `machineType` is the cloud's instance type / VM size / machine type. */
export const nodePoolSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9]{0,11}$/, {
      error: "must be 1-12 lower-case letters/digits starting with a letter (AKS pool names are that strict)",
    }),
    machineType: z.string().min(1, { error: "name the instance type, e.g. m6i.large / Standard_D4s_v5 / e2-standard-4" }),
    minSize: z.number().int().min(1, { error: "must be at least 1 so the pool can always run the federation" }),
    maxSize: z.number().int().max(100, { error: "must be at most 100; raise it deliberately in code if needed" }),
    diskSizeGb: z.number().int().min(20).max(1024).default(64),
  })
  .refine((p) => p.minSize <= p.maxSize, {
    error: (issue) => {
      const p = issue.input as { minSize: number; maxSize: number };
      return `minSize ${p.minSize} is above maxSize ${p.maxSize}; set minSize <= maxSize`;
    },
    path: ["minSize"],
  });
export type NodePool = z.output<typeof nodePoolSchema>;

export const cidrSchema = z
  .string()
  .regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, { error: `must be an IPv4 CIDR like "10.10.0.0/16"` });

export const ownershipSchema = z.object({
  region: z.enum(["alpha", "beta", "gamma"], { error: "must be one of alpha, beta, gamma" }),
  dsp: z.string().regex(/^dsp-[1-9][0-9]*$/, { error: `must look like "dsp-1" (lower case: it is also a GCP label)` }),
});
export type FederationOwner = z.output<typeof ownershipSchema>;

/** The hardening switches of a cloud's settings that are off, named `<cloud>.<switch>` so the program can warn and export them. */
export function hardeningSwitchesOff<S extends object>(cloud: string, settings: S, switches: readonly (keyof S & string)[]): string[] {
  return switches.filter((name) => settings[name] === false).map((name) => `${cloud}.${name}`);
}
