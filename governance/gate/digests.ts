/**
 * What a manifest binds besides the plan: the source commit, the lockfile and the stack config the engine will
 * use. Digests are keccak256 (bytes32, as TierRules takes them). The config digest is over a canonical form of
 * the decrypted config, so that re-encrypting a secret (fresh ciphertext, same value) is no change, and so that
 * the program can compute the same digest from what the engine hands it (stacks/approval.ts).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { keccak256, toUtf8Bytes } from "ethers";

/** Keys the engine adds to a program's config by itself, not part of the stack's settings. */
const ENGINE_KEYS = /^pulumi:/;

function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.keys(value as object).sort().map((k) => [k, stable((value as Record<string, unknown>)[k])]));
  }
  return value;
}

/** A config value as a canonical string: objects and lists (JSON in Pulumi's config map) with sorted keys. */
function canonicalValue(value: string): string {
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed !== null && typeof parsed === "object") return JSON.stringify(stable(parsed));
  } catch {
    // a plain string
  }
  return value;
}

/** Digest of a stack config as `key → value string` (the program's `pulumi.runtime.allConfig()`). */
export function configDigest(config: Record<string, string>): string {
  const entries = Object.keys(config)
    .filter((k) => !ENGINE_KEYS.test(k))
    .sort()
    .map((k) => [k, canonicalValue(config[k])]);
  return keccak256(toUtf8Bytes(JSON.stringify(entries)));
}

export function bytesDigest(bytes: Uint8Array): string {
  return keccak256(bytes);
}

export function lockfileDigest(projectRoot: string): string {
  return keccak256(readFileSync(path.join(projectRoot, "package-lock.json")));
}

export interface GitState {
  head: string;
  /** Paths with uncommitted changes (`git status --porcelain`), empty when clean. */
  dirty: string[];
}

/** HEAD and the uncommitted paths of the checkout at `root`. */
export function gitState(root: string): GitState {
  const git = (...args: string[]) => execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  let head: string;
  try {
    head = git("rev-parse", "HEAD").trim();
  } catch (err) {
    throw new Error(`${root} is not a git checkout with a commit: the manifest must name the source commit`, { cause: err });
  }
  const dirty = git("status", "--porcelain", "--untracked-files=normal").split("\n").filter(Boolean).map((l) => l.slice(3));
  return { head, dirty };
}
