import { hash } from "node:crypto";

/**
 * One signature per group commit. A commit carries one envelope per shard it touched (up to 16):
 * signing each cost a quarter of every node's CPU with three regions writing (ECDSA verification
 * alone 16-22%). Instead the envelopes of a commit are the leaves of a Merkle tree and the writer
 * signs its root once; each envelope carries its audit path, so it stays checkable on its own,
 * however it travels (relayed, stored, sent again in a catch-up), and a receiver that checked the
 * root once checks the rest of the commit with a few hashes.
 *
 * The tree and its proofs are RFC 9162 section 2.1 (Certificate Transparency): leaves hashed
 * with a 0x00 prefix, inner nodes with 0x01, so no leaf can pass for an inner node. Written here
 * rather than taken from a package: the proof is part of the wire format, so it must be exactly
 * RFC 9162's (@openzeppelin/merkle-tree, for one, hashes sorted pairs with keccak, its proofs
 * carrying no positions), and that is about forty lines.
 */
export interface InclusionProof {
  /** Position of the leaf among the commit's envelopes. */
  readonly index: number;
  /** Number of envelopes in the commit. */
  readonly size: number;
  /** Sibling hashes from the leaf up to the root. */
  readonly path: readonly Uint8Array[];
}

export const HASH_BYTES = 32;
/** Envelopes in one tree: a commit's shards and snapshots, with room to spare. */
export const MAX_TREE_SIZE = 1 << 16;

const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);

// One-shot hashes: a receiver computes five per envelope, and createHash's object per hash was half their cost.
export function leafHash(data: Uint8Array): Buffer {
  return hash("sha256", Buffer.concat([LEAF, data]), "buffer");
}

function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return hash("sha256", Buffer.concat([NODE, left, right]), "buffer");
}

/** The largest power of two below n (n >= 2): where RFC 9162 splits a tree of n leaves. */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The root over `leaves` and each leaf's audit path, built bottom-up in one pass. */
function build(leaves: readonly Uint8Array[]): { root: Uint8Array; paths: Uint8Array[][] } {
  if (leaves.length === 1) return { root: leaves[0], paths: [[]] };
  const k = split(leaves.length);
  const left = build(leaves.slice(0, k));
  const right = build(leaves.slice(k));
  for (const path of left.paths) path.push(right.root);
  for (const path of right.paths) path.push(left.root);
  return { root: nodeHash(left.root, right.root), paths: [...left.paths, ...right.paths] };
}

/** The root over the leaf hashes and each leaf's proof, in leaf order. */
export function buildTree(leaves: readonly Uint8Array[]): { root: Uint8Array; proofs: InclusionProof[] } {
  if (leaves.length === 0 || leaves.length > MAX_TREE_SIZE) throw new Error(`a commit tree holds 1 to ${MAX_TREE_SIZE} envelopes, not ${leaves.length}`);
  const { root, paths } = build(leaves);
  return { root, proofs: paths.map((path, index) => ({ index, size: leaves.length, path })) };
}

/** The root a leaf's proof leads to (RFC 9162 2.1.3.2); undefined for a proof of the wrong shape. */
export function rootFromProof(leaf: Uint8Array, proof: InclusionProof): Uint8Array | undefined {
  if (proof.index >= proof.size) return undefined;
  let fn = proof.index;
  let sn = proof.size - 1;
  let r: Uint8Array = leaf;
  for (const p of proof.path) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 ? r : undefined;
}
