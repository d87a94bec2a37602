import { createPrivateKey, generateKeyPairSync, KeyObject, sign, verify, X509Certificate } from "node:crypto";
import { parseNodeName } from "./identity";

/**
 * Who may write as whom. Every update of writer X's documents is signed with X's node key
 * (ECDSA P-256, the key of its peer TLS certificate); a node applies it only if the signature
 * checks against X's certificate, and a certificate counts only if the federation CA issued it
 * with X's node name as its common name. Certificates travel with the updates (peers hand each
 * other every writer certificate they hold), so a relayed update is checkable anywhere.
 */
export interface WriterTrust {
  /** This node's name (the CN of its certificate). */
  readonly self: string;
  sign(data: Uint8Array): Uint8Array;
  /** False for an unknown writer or a bad signature; never throws. */
  verify(writer: string, data: Uint8Array, signature: Uint8Array): boolean;
  knows(writer: string): boolean;
  /** Credentials (DER certificates) of every known writer, to hand to peers. */
  credentials(): Uint8Array[];
  /** Learns a writer from a credential; returns its name, or a refusal in words. */
  learn(credential: Uint8Array): { writer: string } | { refused: string };
}

/** The real trust: node certificates issued by the federation CA. */
export class CaTrust implements WriterTrust {
  readonly self: string;
  private readonly ca: X509Certificate;
  private readonly key: KeyObject;
  private readonly writers = new Map<string, { key: KeyObject; der: Uint8Array }>();

  constructor(pem: { ca: string; cert: string; key: string }, private readonly now: () => number = Date.now) {
    this.ca = new X509Certificate(pem.ca);
    this.key = createPrivateKey(pem.key);
    // Its own certificate is taken as it is (whether peers accept it is the TLS layer's business).
    const own = new X509Certificate(pem.cert);
    const name = commonName(own.subject);
    if (!name || !parseNodeName(name)) throw new Error(`this node's certificate names ${JSON.stringify(name)}, not a node name such as alpha-0`);
    this.self = name;
    this.writers.set(name, { key: own.publicKey, der: new Uint8Array(own.raw) });
  }

  sign(data: Uint8Array): Uint8Array {
    return sign("sha256", data, this.key);
  }

  verify(writer: string, data: Uint8Array, signature: Uint8Array): boolean {
    const known = this.writers.get(writer);
    return known !== undefined && safeVerify(known.key, data, signature);
  }

  knows(writer: string): boolean {
    return this.writers.has(writer);
  }

  credentials(): Uint8Array[] {
    return [...this.writers.values()].map((w) => w.der);
  }

  learn(credential: Uint8Array): { writer: string } | { refused: string } {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(Buffer.from(credential));
    } catch {
      return { refused: "not a certificate" };
    }
    const name = commonName(cert.subject);
    if (!name || !parseNodeName(name)) return { refused: `common name ${JSON.stringify(name)} is not a node name` };
    if (!cert.checkIssued(this.ca) || !cert.verify(this.ca.publicKey)) return { refused: `certificate of ${name} not issued by the federation CA` };
    const at = this.now();
    if (Date.parse(cert.validFrom) > at || Date.parse(cert.validTo) < at) return { refused: `certificate of ${name} is not valid now` };
    if (cert.ca) return { refused: `certificate of ${name} is a CA certificate` };
    const existing = this.writers.get(name);
    // A renewed certificate (same name, new key) replaces the old one; either verifies what it signed.
    if (!existing || !Buffer.from(existing.der).equals(Buffer.from(credential))) this.writers.set(name, { key: cert.publicKey, der: new Uint8Array(cert.raw) });
    return { writer: name };
  }
}

/**
 * In-process trust for the simulator and unit tests: a fixed directory of writer keys (what the
 * CA would have issued). A credential is just the writer's name, accepted if the directory has it.
 */
export class DirectoryTrust implements WriterTrust {
  constructor(
    readonly self: string,
    private readonly directory: KeyDirectory,
  ) {}

  sign(data: Uint8Array): Uint8Array {
    return sign("sha256", data, this.directory.privateKey(this.self));
  }

  verify(writer: string, data: Uint8Array, signature: Uint8Array): boolean {
    const key = this.directory.publicKey(writer);
    return key !== undefined && safeVerify(key, data, signature);
  }

  knows(writer: string): boolean {
    return this.directory.publicKey(writer) !== undefined;
  }

  credentials(): Uint8Array[] {
    return [];
  }

  learn(credential: Uint8Array): { writer: string } | { refused: string } {
    const name = Buffer.from(credential).toString("utf8");
    return this.knows(name) ? { writer: name } : { refused: `unknown writer ${name}` };
  }
}

/** P-256 key pairs by node name, made on first use. */
export class KeyDirectory {
  private readonly keys = new Map<string, { privateKey: KeyObject; publicKey: KeyObject }>();

  constructor(names: readonly string[]) {
    for (const name of names) this.keys.set(name, generateKeyPairSync("ec", { namedCurve: "P-256" }));
  }

  privateKey(name: string): KeyObject {
    const pair = this.keys.get(name);
    if (!pair) throw new Error(`no key for ${name}`);
    return pair.privateKey;
  }

  publicKey(name: string): KeyObject | undefined {
    return this.keys.get(name)?.publicKey;
  }

  /** A key pair not in the directory (a forger's). */
  static stranger(): KeyObject {
    return generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
  }
}

function safeVerify(key: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify("sha256", data, key, signature);
  } catch {
    return false;
  }
}

function commonName(subject: string): string | undefined {
  const line = subject.split("\n").find((part) => part.startsWith("CN="));
  return line?.slice(3);
}
