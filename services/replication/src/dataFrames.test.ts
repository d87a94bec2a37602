import { generateKeyPairSync, sign, verify } from "node:crypto";
import * as encoding from "lib0/encoding";
import * as Y from "yjs";
import { encodeEnvelope, Envelope, KIND_SNAPSHOT, KIND_UPDATE, openEnvelope, sealEnvelopes, signedStatement } from "./dataFrames";

const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
const signer = (data: Uint8Array) => sign("sha256", data, privateKey);
const checks = (envelope: Envelope) => {
  const statement = signedStatement(envelope);
  return statement !== undefined && verify("sha256", statement, publicKey, envelope.signature);
};

describe("signed envelopes", () => {
  const contents = [0, 3, 7, 15].map((shard) => ({ kind: KIND_UPDATE, shard, update: new Uint8Array([shard, 1, 2]) }) as const);

  test("a commit's envelopes share one signature over one root, and each checks on its own", () => {
    const sealed = sealEnvelopes("alpha-0", [...contents, { kind: KIND_SNAPSHOT, shard: 3, update: new Uint8Array([9]) }], signer);
    expect(new Set(sealed.map((e) => Buffer.from(e.signature).toString("hex"))).size).toBe(1);
    expect(new Set(sealed.map((e) => Buffer.from(signedStatement(e) as Uint8Array).toString("hex"))).size).toBe(1);
    for (const envelope of sealed) {
      const opened = openEnvelope(envelope.bytes.slice());
      expect([opened.writer, opened.shard, opened.kind, [...opened.update]]).toEqual([envelope.writer, envelope.shard, envelope.kind, [...envelope.update]]);
      expect(checks(opened)).toBe(true);
    }
  });

  test("a changed byte anywhere, or a proof grafted onto other content, no longer checks", () => {
    const [first, second] = sealEnvelopes("alpha-0", contents, signer);
    for (let at = 0; at < first.bytes.length; at++) {
      const bytes = first.bytes.slice();
      bytes[at] ^= 0x40;
      let opened: Envelope | undefined;
      try {
        opened = openEnvelope(bytes);
      } catch {
        continue; // malformed: refused before any signature check
      }
      expect([at, checks(opened)]).toEqual([at, false]);
    }
    const grafted = openEnvelope(encodeEnvelope("alpha-0", { kind: KIND_UPDATE, shard: second.shard, update: second.update }, first.proof as NonNullable<Envelope["proof"]>, first.signature));
    expect(checks(grafted)).toBe(false);
    expect(checks(openEnvelope(encodeEnvelope("beta-0", contents[0], first.proof as NonNullable<Envelope["proof"]>, first.signature)))).toBe(false);
  });

  test("the clock ends are signed with the content: given, or worked out from the update", () => {
    const doc = new Y.Doc();
    doc.clientID = 77;
    doc.getMap("slots").set("c/x", { w: 1, c: 0, v: 1 });
    const update = Y.encodeStateAsUpdate(doc);
    const [worked, given] = sealEnvelopes("alpha-0", [{ kind: KIND_UPDATE, shard: 1, update }, { kind: KIND_UPDATE, shard: 2, update, ends: new Map([[77, 5]]) }], signer);
    expect([...(openEnvelope(worked.bytes).ends ?? [])]).toEqual([[77, 1]]);
    expect([...(openEnvelope(given.bytes).ends ?? [])]).toEqual([[77, 5]]);
    // Named twice: refused when opened.
    const twice = encoding.createEncoder();
    encoding.writeVarUint(twice, 2);
    for (let i = 0; i < 2; i++) {
      encoding.writeVarUint(twice, 77);
      encoding.writeVarUint(twice, 1);
    }
    const bytes = Buffer.from(worked.bytes);
    const endsAt = worked.content.length - 3; // count 1, client 77, end 1: three bytes
    const forged = Buffer.concat([bytes.subarray(0, endsAt), encoding.toUint8Array(twice), bytes.subarray(worked.content.length)]);
    expect(() => openEnvelope(forged)).toThrow(/a client named twice/);
  });

  test("malformed proofs are refused when opened", () => {
    const [first] = sealEnvelopes("alpha-0", contents, signer);
    const proof = first.proof as NonNullable<Envelope["proof"]>;
    const reencode = (p: { index: number; size: number; path: Uint8Array[] }) => encodeEnvelope("alpha-0", contents[0], p, first.signature);
    expect(() => openEnvelope(reencode({ index: 4, size: 4, path: [...proof.path] }))).toThrow(/leaf 4 of a commit tree of 4/);
    expect(() => openEnvelope(reencode({ index: 0, size: 0, path: [] }))).toThrow(/commit tree of 0/);
    expect(() => openEnvelope(reencode({ index: 0, size: 4, path: Array.from({ length: 17 }, () => new Uint8Array(32)) }))).toThrow(/proof of 17 hashes/);
    expect(() => openEnvelope(reencode({ index: 0, size: 4, path: [new Uint8Array(32), new Uint8Array(5)] }))).toThrow();
  });

  test("a version 1 envelope (one signature over its own content, as logs before hold) still opens and checks", () => {
    const head = encoding.createEncoder();
    encoding.writeVarUint(head, 1);
    encoding.writeVarUint(head, KIND_UPDATE);
    encoding.writeVarString(head, "alpha-0");
    encoding.writeVarUint(head, 5);
    encoding.writeVarUint8Array(head, new Uint8Array([1, 2, 3]));
    const content = encoding.toUint8Array(head);
    const whole = encoding.createEncoder();
    encoding.writeUint8Array(whole, content);
    encoding.writeVarUint8Array(whole, signer(content));
    const opened = openEnvelope(encoding.toUint8Array(whole));
    expect([opened.version, opened.shard, [...opened.update], opened.proof]).toEqual([1, 5, [1, 2, 3], undefined]);
    expect(checks(opened)).toBe(true);
  });
});
