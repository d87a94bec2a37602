import { createHash, createHmac, KeyObject, randomBytes, sign, timingSafeEqual, verify, X509Certificate } from "node:crypto";
import type { TLSSocket } from "node:tls";
import { z } from "zod";
import { isRegion, parseNodeName } from "./identity";
import { SHARD_COUNT } from "./keys";

/**
 * The peer handshake, run inside a mutual-TLS session whose certificates both chain to the federation CA:
 *
 *   acceptor -> dialer   : hello {protocol, shards, node: A, nonce: nA}
 *   dialer   -> acceptor : proof {node: D, nonce: nD, sig: Sign(keyD, "dial" || T), mac: HMAC(secret, "dial" || T)}
 *   acceptor -> dialer   : accept {sig: Sign(keyA, "accept" || T), mac: HMAC(secret, "accept" || T)}
 *
 * with the transcript T = SHA-256(protocol, EKM, nA, nD, A, D, fingerprint(certA), fingerprint(certD)), where EKM is
 * keying material exported from this very TLS session (RFC 8446 §7.5) and the names are the node names in the
 * certificates' common names (a claimed name that differs from the certificate is refused before anything is signed).
 *
 * Relaying is useless by the transcript binding, not by ordering: the dialer signs first, but over this TLS session's
 * EKM and both certificates' fingerprints, so its signature verifies in no other session. A relay in the middle has
 * its own TLS session with each side (it cannot forward TLS bytes and read them), hence another EKM, and it presents
 * its own certificate, hence another fingerprint and a name that is its own, not the relayed node's.
 *
 * The shared secret stays as a second factor: a leaked CA key alone then does not admit a made-up node, and the
 * existing deployments keep their secret file. It is never the identity: that is the certificate.
 */
export const PROTOCOL = "dsc-replication/3";
export const EXPORTER_LABEL = "EXPORTER-dsc-replication-peer-handshake";

const nodeName = z.string().max(64).regex(/^[a-z]+-\d{1,4}$/);
const nonce = z.string().regex(/^[0-9a-f]{64}$/);
const signature = z.string().max(1024).regex(/^[A-Za-z0-9+/=]+$/);
const mac = z.string().regex(/^[0-9a-f]{64}$/);

export const helloSchema = z.strictObject({ type: z.literal("hello"), protocol: z.string().max(64), shards: z.number().int(), node: nodeName, nonce });
export const proofSchema = z.strictObject({ type: z.literal("proof"), node: nodeName, nonce, sig: signature, mac });
export const acceptSchema = z.strictObject({ type: z.literal("accept"), sig: signature, mac });
export type Hello = z.infer<typeof helloSchema>;
export type Proof = z.infer<typeof proofSchema>;
export type Accept = z.infer<typeof acceptSchema>;

/** Why a handshake was refused: the `reason` label of dsc_replication_peer_handshake_refused_total. */
export type HandshakeRefusal =
  | "malformed" // not a JSON handshake message of the expected type
  | "protocol" // another protocol version or shard count
  | "bad_certificate" // the certificate's common name is not a node name
  | "impostor" // the claimed node name is not the one in the certificate
  | "self" // the other side is this node's own name
  | "wrong_peer" // the dialled peer answered with another node's certificate
  | "bad_signature" // the transcript signature does not verify with the certificate's key
  | "bad_secret" // the second factor (shared secret MAC) does not match
  | "timeout" // no proof within the handshake timeout
  | "oversize" // a handshake frame (or the bytes of the handshake phase) beyond the cap
  | "binary" // a binary frame before authentication
  | "no_session_binding"; // no TLS keying material to bind to

export function newNonce(): string {
  return randomBytes(32).toString("hex");
}

/** The node name a certificate is issued to (its CN), or undefined when the CN is not a node name. */
export function certificateNodeName(cert: X509Certificate): string | undefined {
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1];
  return cn !== undefined && parseNodeName(cn) ? cn : undefined;
}

/**
 * Whether the node that answered is the one a peer entry names: an entry named after a node (beta-1) takes only that
 * node; one named after a region (beta, behind the region's load-balanced peer Service) takes any node of it.
 */
export function answersDialledName(configured: string, answered: string): boolean {
  if (configured === answered) return true;
  return isRegion(configured) && parseNodeName(answered)?.region === configured;
}

export interface Transcript {
  readonly keyingMaterial: Buffer;
  readonly acceptorNonce: string;
  readonly dialerNonce: string;
  readonly acceptor: string;
  readonly dialer: string;
  readonly acceptorFingerprint: string;
  readonly dialerFingerprint: string;
}

export function transcriptHash(t: Transcript): Buffer {
  const fields = [PROTOCOL, t.keyingMaterial.toString("hex"), t.acceptorNonce, t.dialerNonce, t.acceptor, t.dialer, t.acceptorFingerprint, t.dialerFingerprint];
  return createHash("sha256").update(fields.join("\n")).digest();
}

export type Role = "dial" | "accept";

function signedBytes(role: Role, hash: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${PROTOCOL}\n${role}\n`), hash]);
}

export function signTranscript(key: KeyObject, role: Role, hash: Buffer): string {
  return sign("sha256", signedBytes(role, hash), key).toString("base64");
}

/** Never throws: a garbled signature is just false. */
export function verifyTranscript(cert: X509Certificate, role: Role, hash: Buffer, sig: string): boolean {
  try {
    return verify("sha256", signedBytes(role, hash), cert.publicKey, Buffer.from(sig, "base64"));
  } catch {
    return false;
  }
}

export function transcriptMac(secret: Buffer, role: Role, hash: Buffer): string {
  return createHmac("sha256", secret).update(signedBytes(role, hash)).digest("hex");
}

export function macMatches(expected: string, received: string): boolean {
  const a = Buffer.from(expected, "hex");
  const b = Buffer.from(received, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Keying material of this TLS session, the same on both ends; undefined if the socket cannot export it. */
export function sessionKeyingMaterial(socket: TLSSocket): Buffer | undefined {
  try {
    return socket.exportKeyingMaterial(32, EXPORTER_LABEL, Buffer.alloc(0));
  } catch {
    return undefined;
  }
}

export function helloFor(self: string): Hello {
  return { type: "hello", protocol: PROTOCOL, shards: SHARD_COUNT, node: self, nonce: newNonce() };
}

/** Why a hello is unacceptable to a dialer (protocol and names), or undefined. */
export function helloRefusal(hello: Hello, answeredCert: string | undefined, self: string, configured: string): { reason: HandshakeRefusal; detail: string } | undefined {
  if (hello.protocol !== PROTOCOL || hello.shards !== SHARD_COUNT) return { reason: "protocol", detail: `peer speaks ${hello.protocol} with ${hello.shards} shards; this node ${PROTOCOL} with ${SHARD_COUNT}` };
  if (answeredCert === undefined) return { reason: "bad_certificate", detail: "the peer's certificate does not name a node (CN region-ordinal)" };
  if (hello.node !== answeredCert) return { reason: "impostor", detail: `peer claims ${hello.node} with the certificate of ${answeredCert}` };
  if (answeredCert === self) return { reason: "self", detail: `peer answered with this node's own name ${self}` };
  if (!answersDialledName(configured, answeredCert)) return { reason: "wrong_peer", detail: `dialled ${configured}, answered by ${answeredCert}` };
  return undefined;
}

/** Why a proof is unacceptable to an acceptor, or undefined. */
export function proofRefusal(proof: Proof, dialerCertName: string | undefined, self: string): { reason: HandshakeRefusal; detail: string } | undefined {
  if (dialerCertName === undefined) return { reason: "bad_certificate", detail: "the dialer's certificate does not name a node (CN region-ordinal)" };
  if (proof.node !== dialerCertName) return { reason: "impostor", detail: `dialer claims ${proof.node} with the certificate of ${dialerCertName}` };
  if (dialerCertName === self) return { reason: "self", detail: `dialer presents this node's own name ${self}` };
  return undefined;
}

export function parseHandshakeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
