/**
 * Typed data for the approvals the modules check: a TierModule call (fleet / operational work executed for the
 * Consortium Safe) and a Board rotation. Owners sign the Consortium SafeMessage of these digests, exactly as for
 * manifests. Field order and types must match the typehashes in TierModule.sol and BoardRotationModule.sol.
 */
import type { EIP712TypedData } from "@safe-global/types-kit";

export interface ModuleCall {
  to: string;
  value: bigint;
  data: string;
  nonce: bigint;
  expiry: bigint;
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
