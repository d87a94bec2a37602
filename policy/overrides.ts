/**
 * `--config key=value` for `npm run policy`: a whole key (`dsc:region=alpha`) or a path into an object key
 * (`dsc:azure.location=eastus`, `dsc:aws.secretsEncryption=false`), merged into the stack's own config so a
 * single setting can be changed without restating the object. Values are JSON when they parse as JSON.
 */
export interface Override {
  key: string;
  path: string[];
  value: unknown;
}

export function parseOverride(spec: string): Override {
  const eq = spec.indexOf("=");
  if (eq <= 0) throw new Error(`--config "${spec}": expected <namespace:key>[.path]=<value>, e.g. dsc:azure.location=eastus`);
  const [key, ...path] = spec.slice(0, eq).split(".");
  if (!key.includes(":")) throw new Error(`--config "${spec}": the key needs its namespace, e.g. dsc:${key}`);
  const raw = spec.slice(eq + 1);
  return { key, path, value: parseValue(raw) };
}

function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** The config map with the override applied; objects are JSON strings in Pulumi's config map. */
export function applyOverride(config: Record<string, string>, override: Override): Record<string, string> {
  const { key, path, value } = override;
  if (path.length === 0) return { ...config, [key]: typeof value === "string" ? value : JSON.stringify(value) };
  const current = config[key];
  if (current === undefined) throw new Error(`--config ${key}.${path.join(".")}: the stack has no ${key} to change; set the whole key instead`);
  const root = JSON.parse(current) as Record<string, unknown>;
  let target = root;
  for (const part of path.slice(0, -1)) {
    const next = target[part];
    if (typeof next !== "object" || next === null) throw new Error(`--config ${key}.${path.join(".")}: ${part} is not an object in the stack's config`);
    target = next as Record<string, unknown>;
  }
  target[path[path.length - 1]] = value;
  return { ...config, [key]: JSON.stringify(root) };
}
