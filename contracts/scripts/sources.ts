/** Digests of the Solidity sources, so a test can tell whether contracts/build/consortium.json is stale. */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

export const SOURCES_DIR = path.join(__dirname, "..", "src");

/** sha256 of every `.sol` file under contracts/src, keyed by file name. */
export function sourceDigests(dir: string = SOURCES_DIR): Record<string, string> {
  const digests: Record<string, string> = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".sol")).sort()) {
    digests[file] = createHash("sha256").update(readFileSync(path.join(dir, file))).digest("hex");
  }
  return digests;
}
