import { readFileSync } from "node:fs";
import type { TLSSocket } from "node:tls";

/**
 * Mutual TLS on peer links: every node presents a certificate of the federation's own CA and
 * accepts only peers that do the same. PEM text, as mounted from the `<release>-tls` Secret.
 */
export interface PeerTls {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

export interface PeerTlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
}

function readPem(path: string, setting: string, marker: RegExp, what: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`${setting} ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { cause: error });
  }
  if (!marker.test(text)) throw new Error(`${setting} ${path} holds no ${what} in PEM form`);
  return text;
}

export function loadPeerTls(files: PeerTlsFiles): PeerTls {
  return {
    cert: readPem(files.certFile, "--tls-cert-file", /-----BEGIN CERTIFICATE-----/, "certificate"),
    key: readPem(files.keyFile, "--tls-key-file", /-----BEGIN (EC |RSA )?PRIVATE KEY-----/, "private key"),
    ca: readPem(files.caFile, "--tls-ca-file", /-----BEGIN CERTIFICATE-----/, "CA certificate"),
  };
}

export type TlsRefusal = "no_certificate" | "untrusted_certificate";

/**
 * Why an incoming peer's TLS session is refused, or undefined when its certificate chains to the
 * federation CA. Checked on the session itself, so a refusal is told apart from a dropped
 * connection and counted by cause.
 */
export function incomingRefusal(socket: Pick<TLSSocket, "authorized" | "getPeerCertificate">): TlsRefusal | undefined {
  if (socket.authorized) return undefined;
  const presented = Object.keys(socket.getPeerCertificate() ?? {}).length > 0;
  return presented ? "untrusted_certificate" : "no_certificate";
}

/** OpenSSL's codes for a server certificate that does not chain to the CA we trust. */
const UNTRUSTED_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_SIGNATURE_FAILURE",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "INVALID_PURPOSE",
]);

/** Whether a dial failed because the peer's certificate is not one of the federation's. */
export function isUntrustedPeerCertificate(error: { code?: string }): boolean {
  return error.code !== undefined && UNTRUSTED_CODES.has(error.code);
}
