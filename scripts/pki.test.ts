import * as crypto from "node:crypto";
import * as tls from "node:tls";
import { AddressInfo } from "node:net";
import { createCa, issueCertificate, KeyPairPem } from "./pki";

/**
 * Opens a mutual-TLS connection on loopback. `ok` means both sides accepted: with TLS 1.3 the client finishes its
 * handshake before the server has checked the client's certificate, so the server's own verdict is what counts.
 */
async function handshake(server: KeyPairPem & { ca: string }, client: KeyPairPem & { ca: string }, servername = "localhost") {
  const srv = tls.createServer({ cert: server.certPem, key: server.keyPem, ca: server.ca, requestCert: true, rejectUnauthorized: true });
  const peers: string[] = [];
  srv.on("secureConnection", (socket) => {
    peers.push(String(socket.getPeerCertificate().subject.CN));
    socket.end();
  });
  srv.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const port = (srv.address() as AddressInfo).port;
  try {
    return await new Promise<{ ok: boolean; error?: string }>((resolve) => {
      const socket = tls.connect({ host: "127.0.0.1", port, servername, cert: client.certPem, key: client.keyPem, ca: client.ca });
      socket.once("secureConnect", () => {
        socket.once("close", () => resolve(peers.length === 1 ? { ok: true } : { ok: false, error: "refused by server" }));
        socket.resume();
      });
      socket.once("error", (e) => resolve({ ok: false, error: (e as NodeJS.ErrnoException).code ?? e.message }));
      socket.setTimeout(5000, () => socket.destroy(new Error("timeout")));
    });
  } finally {
    srv.close();
  }
}

describe("pki: the federation's own CA", () => {
  let ca: KeyPairPem;
  let server: KeyPairPem;
  let client: KeyPairPem;
  beforeAll(async () => {
    ca = await createCa("DSC test CA");
    server = await issueCertificate(ca, { commonName: "alpha-0", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"], usages: ["server", "client"] });
    client = await issueCertificate(ca, { commonName: "beta-0", organizations: ["system:masters", "dsc"], usages: ["client"] });
  });

  it("issues certificates that chain to the CA, with the names and usages asked for", () => {
    const caCert = new crypto.X509Certificate(ca.certPem);
    const cert = new crypto.X509Certificate(server.certPem);
    expect(caCert.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.subjectAltName).toBe("DNS:localhost, IP Address:127.0.0.1");
    expect(cert.checkPrivateKey(crypto.createPrivateKey(server.keyPem))).toBe(true);
    expect(new crypto.X509Certificate(client.certPem).subject.split("\n")).toEqual(["CN=beta-0", "O=system:masters", "O=dsc"]);
    expect(new crypto.X509Certificate(client.certPem).keyUsage).toEqual(["1.3.6.1.5.5.7.3.2"]);
  });

  it("passes a real mutual-TLS handshake, and the server sees the client's name", async () => {
    expect(await handshake({ ...server, ca: ca.certPem }, { ...client, ca: ca.certPem })).toEqual({ ok: true });
  });

  it("a certificate of another CA is refused by both sides", async () => {
    const other = await createCa("Another CA");
    const stranger = await issueCertificate(other, { commonName: "mallory", dnsNames: ["localhost"], usages: ["client", "server"] });
    const asClient = await handshake({ ...server, ca: ca.certPem }, { ...stranger, ca: ca.certPem });
    expect(asClient).toEqual({ ok: false, error: expect.any(String) });
    const asServer = await handshake({ ...stranger, ca: ca.certPem }, { ...client, ca: ca.certPem });
    expect(asServer).toEqual({ ok: false, error: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" });
  });

  it("a client-only certificate cannot serve, and a name outside the SANs is refused", async () => {
    const asServer = await handshake({ ...client, ca: ca.certPem }, { ...client, ca: ca.certPem });
    expect(asServer.ok).toBe(false);
    expect(await handshake({ ...server, ca: ca.certPem }, { ...client, ca: ca.certPem }, "gamma.example")).toEqual({
      ok: false,
      error: "ERR_TLS_CERT_ALTNAME_INVALID",
    });
  });

  it("refuses a certificate with no usage", async () => {
    await expect(issueCertificate(ca, { commonName: "x", usages: [] })).rejects.toThrow(/usages must name/);
  });
});
