import { createHash } from "node:crypto";
import { buildTree, InclusionProof, leafHash, rootFromProof } from "./commitTree";

const sha = (...parts: Uint8Array[]) => createHash("sha256").update(Buffer.concat(parts)).digest();
const leaves = (n: number) => Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`envelope ${i}`)));

describe("the commit tree (RFC 9162 Merkle tree)", () => {
  test("a tree of three is H(1 | H(1 | l0 | l1) | l2), leaves hashed under 0x00", () => {
    const [l0, l1, l2] = leaves(3);
    expect(l0).toEqual(sha(Buffer.from([0]), Buffer.from("envelope 0")));
    const one = Buffer.from([1]);
    expect(Buffer.from(buildTree([l0, l1, l2]).root)).toEqual(sha(one, sha(one, l0, l1), l2));
    expect(Buffer.from(buildTree([l0]).root)).toEqual(l0);
  });

  test("for every size up to 40, each leaf's proof leads to the root the tree was built with", () => {
    for (let n = 1; n <= 40; n++) {
      const list = leaves(n);
      const { root, proofs } = buildTree(list);
      proofs.forEach((proof, i) => {
        expect([n, i, Buffer.from(rootFromProof(list[i], proof) ?? [])]).toEqual([n, i, Buffer.from(root)]);
        expect(proof.path.length).toBeLessThanOrEqual(Math.ceil(Math.log2(n)));
      });
    }
  });

  test("another leaf, position, size or path does not lead to the root", () => {
    const list = leaves(13);
    const { root, proofs } = buildTree(list);
    const leadsToRoot = (leaf: Uint8Array, proof: InclusionProof) => {
      const got = rootFromProof(leaf, proof);
      return got !== undefined && Buffer.from(got).equals(Buffer.from(root));
    };
    expect(leadsToRoot(list[5], proofs[5])).toBe(true);
    expect(leadsToRoot(list[6], proofs[5])).toBe(false);
    expect(leadsToRoot(list[5], { ...proofs[5], index: 4 })).toBe(false);
    expect(leadsToRoot(list[12], { ...proofs[12], size: 14 })).toBe(false);
    expect(leadsToRoot(list[5], { ...proofs[5], path: proofs[5].path.slice(1) })).toBe(false);
    expect(leadsToRoot(list[5], { ...proofs[5], path: [...proofs[5].path, root] })).toBe(false);
    expect(rootFromProof(list[0], { index: 13, size: 13, path: [] })).toBeUndefined();
  });

  test("two hashes of a tree passed off as one leaf's content do not lead to its root (the 0x00/0x01 prefixes)", () => {
    const [l0, l1, l2, l3] = leaves(4);
    const { root } = buildTree([l0, l1, l2, l3]);
    const left = buildTree([l0, l1]).root;
    // Without the prefixes, the leaf hash of l2|l3 would be the right inner node, and this the root.
    const got = rootFromProof(leafHash(Buffer.concat([l2, l3])), { index: 1, size: 2, path: [left] });
    expect(Buffer.from(got as Uint8Array).equals(Buffer.from(root))).toBe(false);
    // The shape is right: the inner node itself, at that place, does lead to the root.
    const right = sha(Buffer.from([1]), l2, l3);
    expect(Buffer.from(rootFromProof(right, { index: 1, size: 2, path: [left] }) as Uint8Array).equals(Buffer.from(root))).toBe(true);
  });

  test("an empty tree is refused", () => {
    expect(() => buildTree([])).toThrow(/1 to 65536 envelopes, not 0/);
  });
});
