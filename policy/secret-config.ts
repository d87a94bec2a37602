/**
 * The half of "the agent key only comes from Pulumi secret config" that no policy can see: the engine hands
 * policies resource properties, not stack config. This check reads the committed `Pulumi.<stack>.yaml`: every
 * secret key (agent keys, peer secret) is either absent (set at deploy time) or encrypted (`secure:`), down to
 * each leaf of a `--path` value.
 */
import { NAMESPACE, SECRET_KEYS } from "../stacks/config";
import { PolicyResult } from "./evaluate";
import { asRecord } from "./model";

/** Paths of plain-text strings in a config value; `{ secure: ... }` objects are encrypted leaves. */
export function plainLeaves(value: unknown, path: string): string[] {
  if (typeof value === "string" || typeof value === "number") return [path];
  if (Array.isArray(value)) return value.flatMap((item, i) => plainLeaves(item, `${path}[${i}]`));
  const record = asRecord(value);
  if (!record) return [];
  if (Object.keys(record).length === 1 && typeof record.secure === "string") return [];
  return Object.entries(record).flatMap(([key, item]) => plainLeaves(item, `${path}.${key}`));
}

/** `config` is the stack file's config map as stacks/testing/stackFile.ts reads it (objects as JSON). */
export function secretConfigResult(stack: string, config: Record<string, string>): PolicyResult {
  const violations = SECRET_KEYS.map((key) => `${NAMESPACE}:${key}`)
    .filter((key) => key in config)
    .flatMap((key) => plainLeaves(parseValue(config[key]), key))
    .map((path) => ({
      message: `Pulumi.${stack}.yaml holds ${path} in plain text; remove it and set it with pulumi config set --secret --path '${path}' <value>.`,
    }));
  return {
    policy: "secret-config",
    description: "Secret stack config (agent keys, peer secret) is encrypted in the committed stack file, or absent.",
    enforcementLevel: "mandatory",
    violations,
  };
}

function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
