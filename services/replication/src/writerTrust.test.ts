import { createCa, issueCertificate } from "../../../scripts/pki";
import { KIND_UPDATE, openEnvelope, sealEnvelope, signedStatement } from "./dataFrames";
import { CaTrust } from "./writerTrust";

describe("writer trust from the federation CA", () => {
  test("a writer's envelope checks once its CA-issued certificate is known; forgeries and other CAs do not", async () => {
    const ca = await createCa("DSC test CA");
    const other = await createCa("someone else's CA");
    const issue = (authority: typeof ca, name: string) => issueCertificate(authority, { commonName: name, usages: ["server", "client"], ipAddresses: ["127.0.0.1"] });
    const [alpha, beta, intruder, notANode] = await Promise.all([issue(ca, "alpha-0"), issue(ca, "beta-0"), issue(other, "gamma-0"), issue(ca, "mallory")]);
    const alphaTrust = new CaTrust({ ca: ca.certPem, cert: alpha.certPem, key: alpha.keyPem });
    const betaTrust = new CaTrust({ ca: ca.certPem, cert: beta.certPem, key: beta.keyPem });
    expect(alphaTrust.self).toBe("alpha-0");

    const envelope = sealEnvelope(KIND_UPDATE, "alpha-0", 3, new Uint8Array([1, 2, 3]), (data) => alphaTrust.sign(data));
    const received = openEnvelope(envelope.bytes);
    const signed = signedStatement(received) as Uint8Array;
    expect(betaTrust.verify("alpha-0", signed, received.signature)).toBe(false); // alpha not known yet
    for (const credential of alphaTrust.credentials()) expect(betaTrust.learn(credential)).toEqual({ writer: "alpha-0" });
    expect(betaTrust.verify("alpha-0", signed, received.signature)).toBe(true);

    // beta signing in alpha's name, or a changed byte, does not check.
    const forged = sealEnvelope(KIND_UPDATE, "alpha-0", 3, new Uint8Array([1, 2, 3]), (data) => betaTrust.sign(data));
    expect(betaTrust.verify("alpha-0", signedStatement(forged) as Uint8Array, forged.signature)).toBe(false);
    const tampered = new Uint8Array(signed);
    tampered[tampered.length - 1] ^= 1;
    expect(betaTrust.verify("alpha-0", tampered, received.signature)).toBe(false);
    expect(betaTrust.verify("alpha-0", signed, new Uint8Array(70))).toBe(false);

    const foreign = new CaTrust({ ca: other.certPem, cert: intruder.certPem, key: intruder.keyPem });
    expect(betaTrust.learn(foreign.credentials()[0])).toEqual({ refused: "certificate of gamma-0 not issued by the federation CA" });
    expect(() => new CaTrust({ ca: ca.certPem, cert: notANode.certPem, key: notANode.keyPem })).toThrow(/not a node name/);
    expect(betaTrust.learn(new Uint8Array([1, 2, 3]))).toEqual({ refused: "not a certificate" });
    expect(betaTrust.knows("gamma-0")).toBe(false);
  });
});
