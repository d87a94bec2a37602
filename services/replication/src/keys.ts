import { z } from "zod";

/**
 * The key space: a document is addressed by collection + id, stored under "collection/id" in one
 * of SHARD_COUNT shards. The shard count is part of the peer protocol (checked in the handshake):
 * every node must place a key in the same shard.
 */
export const SHARD_COUNT = 16;

/**
 * "." and ".." are path segments: a client that normalises URLs (browsers, fetch, most HTTP
 * libraries, proxies) would never reach such a document, so they are refused as names, as
 * Firestore and Cosmos DB refuse them. A collection cannot be one anyway: it starts with a letter
 * or digit.
 */
function isDotSegment(name: string): boolean {
  return name === "." || name === "..";
}

export const collectionSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, {
    message: "collection must be 1-64 characters of letters, digits, '_', '.', '-', starting with a letter or digit",
  });

export const docIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.:@~-]{1,200}$/, {
    message: "document id must be 1-200 characters of letters, digits, '_', '.', ':', '@', '~', '-'",
  })
  .refine((id) => !isDotSegment(id), { message: 'document id must not be "." or "..": URL normalisation would make it unreachable' });

export function storageKey(collection: string, id: string): string {
  return `${collection}/${id}`;
}

/** Splits a storage key; collections never contain "/", so the first "/" is the separator. */
export function splitStorageKey(key: string): { collection: string; id: string } {
  const slash = key.indexOf("/");
  return { collection: key.slice(0, slash), id: key.slice(slash + 1) };
}

/** FNV-1a over UTF-16 code units: cheap, stable across nodes and versions. */
export function shardOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % SHARD_COUNT;
}
