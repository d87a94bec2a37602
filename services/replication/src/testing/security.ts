import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { JWK } from "jose";
import { CertificateAuthority, createCa, issueCertificate } from "../../../../scripts/pki";
import { splitScopes } from "../scopes";
import { generateSigningKey, mintToken, PublicJwks } from "../tokens";

/** The files a node reads for its security settings (I1). */
export interface NodeSecurityFiles {
  readonly authKeysFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
}

/** Every scope there is: what the tests' and the benchmark's own clients use. */
export const ALL_SCOPES = "read:* write:* status metrics";

/**
 * A federation's credentials in a folder, as the stack provisions them: a CA and node
 * certificates for peer TLS, a token signing key and the JWKS the nodes read.
 */
export class TestSecurity {
  readonly jwksFile: string;
  private readonly keys: JWK[] = [];

  private constructor(
    readonly root: string,
    readonly ca: CertificateAuthority,
    readonly caFile: string,
    private currentKey: JWK,
    publicKey: JWK,
  ) {
    this.jwksFile = join(root, "jwks.json");
    this.keys.push(publicKey);
    this.writeJwks();
  }

  static async create(root: string): Promise<TestSecurity> {
    mkdirSync(root, { recursive: true });
    const ca = await createCa("DSC federation test CA");
    const caFile = join(root, "ca.crt");
    writeFileSync(caFile, ca.certPem);
    const key = await generateSigningKey();
    return new TestSecurity(root, ca, caFile, key.privateJwk, key.publicJwk);
  }

  /** Files for one node: a certificate from `ca` (another CA's makes an intruder) and the shared JWKS. */
  async node(name: string, ca: CertificateAuthority = this.ca): Promise<NodeSecurityFiles> {
    const cert = await issueCertificate(ca, { commonName: name, dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"], usages: ["server", "client"] });
    const certFile = join(this.root, `${name}.crt`);
    const keyFile = join(this.root, `${name}.key`);
    writeFileSync(certFile, cert.certPem);
    writeFileSync(keyFile, cert.keyPem, { mode: 0o600 });
    return { authKeysFile: this.jwksFile, certFile, keyFile, caFile: this.caFile };
  }

  /** A token from the current signing key; `ttlSeconds` < 0 gives one that has already expired. */
  /** The private key that signs tokens now. */
  get signingKey(): JWK {
    return this.currentKey;
  }

  token(scopes: string = ALL_SCOPES, ttlSeconds = 3600, key: JWK = this.currentKey): Promise<string> {
    return mintToken(key, { scopes: splitScopes(scopes), expiresAt: Math.floor(Date.now() / 1000) + ttlSeconds, subject: "test" });
  }

  /** Rotation, step 1: a new key joins the JWKS (both valid) and signs from now on. Returns the old key. */
  async rotate(): Promise<JWK> {
    const old = this.currentKey;
    const next = await generateSigningKey();
    this.keys.push(next.publicJwk);
    this.currentKey = next.privateJwk;
    this.writeJwks();
    return old;
  }

  /** Rotation, step 2: only the current key stays in the JWKS. */
  retireOldKeys(): void {
    this.keys.splice(0, this.keys.length - 1);
    this.writeJwks();
  }

  private writeJwks(): void {
    const set: PublicJwks = { keys: this.keys };
    writeFileSync(this.jwksFile, JSON.stringify(set));
  }
}
