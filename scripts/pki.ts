/**
 * The federation's own X.509 certificate authority: one CA per federation (or per local cluster), certificates
 * for peer links (mutual TLS), API servers and their clients. ECDSA P-256 keys, PEM out (PKCS#8 private keys).
 *
 * Built on @peculiar/x509 (WebCrypto) rather than shelling out to openssl: the same code runs in tests, in
 * `scripts/local-config.ts` and in the local clusters, with no tool on PATH and no temporary files.
 */
import "reflect-metadata"; // @peculiar/x509's dependency injection needs the polyfill before it loads
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

// Node's WebCrypto is the standard one; its TypeScript types are declared apart from the DOM's.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Clocks of the machines that check a certificate may be a little behind the one that issued it. */
const BACKDATE_MS = 5 * 60 * 1000;

export interface KeyPairPem {
  certPem: string;
  /** PKCS#8 PEM. */
  keyPem: string;
}
export type CertificateAuthority = KeyPairPem;

export type CertificateUsage = "server" | "client";

export interface CertificateSpec {
  commonName: string;
  /** Subject O= values (Kubernetes reads them as groups, e.g. `system:masters`). */
  organizations?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  usages: CertificateUsage[];
  validDays?: number;
}

export async function createCa(commonName: string, opts: { validDays?: number } = {}): Promise<CertificateAuthority> {
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: distinguishedName(commonName, []),
    ...validity(opts.validDays ?? 3650),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString("pem"), keyPem: await privateKeyPem(keys.privateKey) };
}

export async function issueCertificate(ca: CertificateAuthority, spec: CertificateSpec): Promise<KeyPairPem> {
  if (spec.usages.length === 0) {
    throw new Error(`certificate ${spec.commonName}: usages must name "server", "client" or both`);
  }
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importPrivateKey(ca.keyPem);
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: distinguishedName(spec.commonName, spec.organizations ?? []),
    issuer: caCert.subject,
    ...validity(spec.validDays ?? 365),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension(spec.usages.map(extendedUsage)),
      ...subjectAltNames(spec),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { certPem: cert.toString("pem"), keyPem: await privateKeyPem(keys.privateKey) };
}

function extendedUsage(usage: CertificateUsage): x509.ExtendedKeyUsage {
  return usage === "server" ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth;
}

function subjectAltNames(spec: CertificateSpec): x509.Extension[] {
  const names: x509.JsonGeneralName[] = [
    ...(spec.dnsNames ?? []).map((value) => ({ type: "dns" as const, value })),
    ...(spec.ipAddresses ?? []).map((value) => ({ type: "ip" as const, value })),
  ];
  return names.length === 0 ? [] : [new x509.SubjectAlternativeNameExtension(names)];
}

/** `CN=…, O=…` built from parts, so a name holding a comma or `=` cannot smuggle in other attributes. */
function distinguishedName(commonName: string, organizations: string[]): x509.JsonName {
  return [{ CN: [commonName] }, ...organizations.map((o) => ({ O: [o] }))];
}

function validity(days: number): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return { notBefore: new Date(now - BACKDATE_MS), notAfter: new Date(now + days * DAY_MS) };
}

/** 16 random bytes, top bit clear so the DER integer stays positive (RFC 5280 4.1.2.2). */
function serialNumber(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] &= 0x7f;
  return Buffer.from(bytes).toString("hex");
}

function generateKeys(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"]) as Promise<CryptoKeyPair>;
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey("pkcs8", key);
  return x509.PemConverter.encode(der, "PRIVATE KEY") + "\n";
}

function importPrivateKey(pem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decode(pem)[0];
  return webcrypto.subtle.importKey("pkcs8", der, ALGORITHM, false, ["sign"]) as Promise<CryptoKey>;
}
