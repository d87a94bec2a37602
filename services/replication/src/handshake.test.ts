import { createPrivateKey, X509Certificate } from "node:crypto";
import { createCa, issueCertificate } from "../../../scripts/pki";
import {
  answersDialledName,
  certificateNodeName,
  helloFor,
  helloRefusal,
  macMatches,
  proofRefusal,
  PROTOCOL,
  signTranscript,
  Transcript,
  transcriptHash,
  transcriptMac,
  verifyTranscript,
} from "./handshake";

const base: Transcript = {
  keyingMaterial: Buffer.alloc(32, 1),
  acceptorNonce: "a".repeat(64),
  dialerNonce: "d".repeat(64),
  acceptor: "beta-0",
  dialer: "alpha-0",
  acceptorFingerprint: "AA:BB",
  dialerFingerprint: "CC:DD",
};

let alpha: { cert: X509Certificate; key: ReturnType<typeof createPrivateKey> };
let beta: { cert: X509Certificate; key: ReturnType<typeof createPrivateKey> };
let regionCert: X509Certificate;

beforeAll(async () => {
  const ca = await createCa("test CA");
  const issue = async (cn: string) => {
    const pair = await issueCertificate(ca, { commonName: cn, usages: ["server", "client"] });
    return { cert: new X509Certificate(pair.certPem), key: createPrivateKey(pair.keyPem) };
  };
  alpha = await issue("alpha-0");
  beta = await issue("beta-0");
  regionCert = (await issue("alpha-replication")).cert;
});

describe("names", () => {
  test("a certificate names a node only by a CN of the form region-ordinal", () => {
    expect(certificateNodeName(alpha.cert)).toBe("alpha-0");
    expect(certificateNodeName(regionCert)).toBeUndefined();
  });

  test("a dialled entry takes only its own node, or any node of the region it names", () => {
    expect(answersDialledName("beta-1", "beta-1")).toBe(true);
    expect(answersDialledName("beta-1", "beta-0")).toBe(false);
    expect(answersDialledName("beta", "beta-3")).toBe(true);
    expect(answersDialledName("beta", "gamma-0")).toBe(false);
    expect(answersDialledName("mars", "mars-0")).toBe(false);
  });

  test("a hello is refused for another protocol, a name not its certificate's, this node's own name, or another peer", () => {
    const hello = helloFor("beta-0");
    expect(helloRefusal(hello, "beta-0", "alpha-0", "beta")).toBeUndefined();
    expect(helloRefusal({ ...hello, protocol: "dsc-replication/2" }, "beta-0", "alpha-0", "beta")?.reason).toBe("protocol");
    expect(helloRefusal({ ...hello, shards: 8 }, "beta-0", "alpha-0", "beta")?.reason).toBe("protocol");
    expect(helloRefusal(hello, undefined, "alpha-0", "beta")?.reason).toBe("bad_certificate");
    expect(helloRefusal(hello, "gamma-0", "alpha-0", "beta")?.reason).toBe("impostor");
    expect(helloRefusal(helloFor("alpha-0"), "alpha-0", "alpha-0", "beta")?.reason).toBe("self");
    expect(helloRefusal(helloFor("gamma-0"), "gamma-0", "alpha-0", "beta")?.reason).toBe("wrong_peer");
  });

  test("a proof is refused for a name not its certificate's or this node's own", () => {
    const proof = { type: "proof" as const, node: "alpha-0", nonce: "d".repeat(64), sig: "AA==", mac: "0".repeat(64) };
    expect(proofRefusal(proof, "alpha-0", "beta-0")).toBeUndefined();
    expect(proofRefusal(proof, "gamma-0", "beta-0")?.reason).toBe("impostor");
    expect(proofRefusal(proof, undefined, "beta-0")?.reason).toBe("bad_certificate");
    expect(proofRefusal({ ...proof, node: "beta-0" }, "beta-0", "beta-0")?.reason).toBe("self");
  });
});

describe("transcript", () => {
  test("each field changes the hash", () => {
    const hash = transcriptHash(base).toString("hex");
    const variants: Transcript[] = [
      { ...base, keyingMaterial: Buffer.alloc(32, 2) },
      { ...base, acceptorNonce: "b".repeat(64) },
      { ...base, dialerNonce: "e".repeat(64) },
      { ...base, acceptor: "gamma-0" },
      { ...base, dialer: "gamma-0" },
      { ...base, acceptorFingerprint: "AA:BC" },
      { ...base, dialerFingerprint: "CC:DE" },
    ];
    for (const variant of variants) expect(transcriptHash(variant).toString("hex")).not.toBe(hash);
    expect(PROTOCOL).toBe("dsc-replication/3");
  });

  test("a signature verifies only with the signer's certificate, the same role and the same transcript", () => {
    const hash = transcriptHash(base);
    const sig = signTranscript(alpha.key, "dial", hash);
    expect(verifyTranscript(alpha.cert, "dial", hash, sig)).toBe(true);
    expect(verifyTranscript(beta.cert, "dial", hash, sig)).toBe(false);
    expect(verifyTranscript(alpha.cert, "accept", hash, sig)).toBe(false);
    expect(verifyTranscript(alpha.cert, "dial", transcriptHash({ ...base, keyingMaterial: Buffer.alloc(32, 9) }), sig)).toBe(false);
    expect(verifyTranscript(alpha.cert, "dial", hash, "garbage")).toBe(false);
  });

  test("the second factor binds the secret, the role and the transcript", () => {
    const hash = transcriptHash(base);
    const secret = Buffer.from("0123456789abcdef0123");
    const mac = transcriptMac(secret, "dial", hash);
    expect(macMatches(mac, transcriptMac(secret, "dial", hash))).toBe(true);
    expect(macMatches(mac, transcriptMac(Buffer.from("another-secret-000000"), "dial", hash))).toBe(false);
    expect(macMatches(mac, transcriptMac(secret, "accept", hash))).toBe(false);
    expect(macMatches(mac, transcriptMac(secret, "dial", transcriptHash({ ...base, dialer: "gamma-0" })))).toBe(false);
    expect(macMatches("ab".repeat(32), "ab")).toBe(false);
  });
});
