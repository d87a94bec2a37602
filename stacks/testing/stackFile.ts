import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

/**
 * Read `Pulumi.<stack>.yaml` into Pulumi's flat config map: full keys, strings as is, objects and lists as JSON
 * (what the engine hands the program). `secure:` values are ciphertext the mock runtime cannot decrypt: they are
 * returned in `secureKeys` so callers can replace them.
 */
export function readStackConfigFile(projectRoot: string, stack: string): { config: Record<string, string>; secureKeys: string[] } {
  const file = path.join(projectRoot, `Pulumi.${stack}.yaml`);
  const doc = (parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  const config: Record<string, string> = {};
  const secureKeys: string[] = [];
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    if (isSecure(value)) secureKeys.push(key);
    else config[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return { config, secureKeys };
}

function isSecure(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).join() === "secure";
}
