/**
 * Typed data for the approvals the modules check: a TierModule call (fleet / operational work executed for the
 * Consortium Safe), a Board rotation and its cancellation by the other DSPs. Owners sign the Consortium
 * SafeMessage of these digests, exactly as for manifests. Field order and types must match the typehashes in
 * TierModule.sol and BoardRotationModule.sol.
 */
import { randomBytes } from "node:crypto";
import type { EIP712TypedData } from "@safe-global/types-kit";

export interface ModuleCall {
  to: string;
  value: bigint;
  data: string;
  /** Any number unique to this approval (each approval digest executes once); see `approvalNonce`. */
  nonce: bigint;
  expiry: bigint;
}

/** A fresh random 256-bit nonce for a module call: approvals then never collide or void each other. */
export function approvalNonce(): bigint {
  return BigInt("0x" + randomBytes(32).toString("hex"));
}

export interface Rotation {
  region: number;
  oldDsp: string;
  newDsp: string;
  newAgent: string;
  nonce: bigint;
  expiry: bigint;
}

/** Typed data of one TierModule call; `module` is the TierModule's address. */
export function moduleCallTypedData(call: ModuleCall, chainId: number, module: string): EIP712TypedData {
  return {
    domain: { name: "DSC TierModule", version: "1", chainId, verifyingContract: module },
    types: {
      ModuleCall: [
        { name: "to", type: "address" },
        { name: "value", type: "uint256" },
        { name: "data", type: "bytes" },
        { name: "nonce", type: "uint256" },
        { name: "expiry", type: "uint64" },
      ],
    },
    primaryType: "ModuleCall",
    message: { ...call },
  };
}

/** Typed data of one DSP rotation; `module` is the BoardRotationModule's address. */
export function rotationTypedData(rotation: Rotation, chainId: number, module: string): EIP712TypedData {
  return {
    domain: { name: "DSC BoardRotation", version: "1", chainId, verifyingContract: module },
    types: {
      Rotation: [
        { name: "region", type: "uint8" },
        { name: "oldDsp", type: "address" },
        { name: "newDsp", type: "address" },
        { name: "newAgent", type: "address" },
        { name: "nonce", type: "uint256" },
        { name: "expiry", type: "uint64" },
      ],
    },
    primaryType: "Rotation",
    message: { ...rotation },
  };
}

/** Typed data of the cancellation of the rotation whose digest is `rotation` (signed by the other DSPs). */
export function cancelRotationTypedData(rotation: string, chainId: number, module: string): EIP712TypedData {
  return {
    domain: { name: "DSC BoardRotation", version: "1", chainId, verifyingContract: module },
    types: { CancelRotation: [{ name: "rotation", type: "bytes32" }] },
    primaryType: "CancelRotation",
    message: { rotation },
  };
}

/** Typed data whose digest an EIP-1271 client checks against the Consortium Safe for an announcement. */
export function announcementTypedData(contentHash: string, chainId: number, announcements: string): EIP712TypedData {
  return {
    domain: { name: "DSC Announcements", version: "1", chainId, verifyingContract: announcements },
    types: { Announcement: [{ name: "contentHash", type: "bytes32" }] },
    primaryType: "Announcement",
    message: { contentHash },
  };
}
