/**
 * The half of "the agent key only comes from Pulumi secret config" that no policy can see: the engine hands
 * policies resource properties, not stack config. This check reads the committed `Pulumi.<stack>.yaml`: every
 * secret key (agent keys, peer secret, peer TLS private keys, the watchers' replication token) is either absent (set at deploy time) or encrypted
 * (`secure:`), down to each leaf of a `--path` value; and no plain value anywhere holds private key material (a PEM
 * private key, or a JWK with its private part `d`), whatever key it sits under.
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

/** Paths of plain values that are private key material: PEM private keys, and JWKs carrying `d`. */
export function privateKeyLeaves(value: unknown, path: string): string[] {
  if (typeof value === "string") return /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((item, i) => privateKeyLeaves(item, `${path}[${i}]`));
  const record = asRecord(value);
  if (!record || (Object.keys(record).length === 1 && typeof record.secure === "string")) return [];
  const jwk = typeof record.kty === "string" && "d" in record ? [`${path}.d`] : [];
  return [...jwk, ...Object.entries(record).flatMap(([key, item]) => privateKeyLeaves(item, `${path}.${key}`))];
}

/** `config` is the stack file's config map as stacks/testing/stackFile.ts reads it (objects as JSON). */
export function secretConfigResult(stack: string, config: Record<string, string>): PolicyResult {
  const secretKeys = SECRET_KEYS.map((key) => `${NAMESPACE}:${key}`);
  const plainSecrets = secretKeys.filter((key) => key in config).flatMap((key) => plainLeaves(parseValue(config[key]), key));
  const keyMaterial = Object.keys(config).filter((key) => !secretKeys.includes(key)).flatMap((key) => privateKeyLeaves(parseValue(config[key]), key));
  const violations = [
    ...plainSecrets.map((path) => ({
      message: `Pulumi.${stack}.yaml holds ${path} in plain text; remove it and set it with pulumi config set --secret --path '${path}' <value>.`,
    })),
    ...keyMaterial.map((path) => ({
      message: `Pulumi.${stack}.yaml holds private key material in plain text at ${path}; remove it, keep private keys only in secret config (pulumi config set --secret) and publish only public keys.`,
    })),
  ];
  return {
    policy: "secret-config",
    description: "Secret stack config (agent keys, peer secret, peer TLS keys, watchers' replication token) is encrypted in the committed stack file, or absent; no private key is in plain text.",
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
