/** Verdicts of TierRules in words. Pure: the rules themselves live on-chain; this only names what they said. */
import { REGIONS } from "./manifest";

/** Refusal names in the order of the Solidity `Refusal` enum. */
export const REFUSALS = [
  "None",
  "TierNotApprovable",
  "RegionsInvalid",
  "RegionsNeedHigherTier",
  "Expired",
  "AlreadyRecorded",
  "Paused",
  "ProposerNotAgent",
  "Malformed",
  "HighS",
  "BadSignature",
  "NotSorted",
  "DuplicateSigner",
  "UnknownSigner",
  "RevokedSigner",
  "ContractSignatureInvalid",
  "SafeRejected",
  "RegionDspMissing",
  "DspShortfall",
  "BoardShortfall",
  "ProposerDspRevoked",
] as const;
export type RefusalName = (typeof REFUSALS)[number];

export interface Verdict {
  refusal: RefusalName;
  index: number;
  signer: string;
  have: number;
  need: number;
}

/** Converts the tuple a contract returns (or the arguments of `ApprovalRefused`) into a Verdict. */
export function toVerdict(raw: readonly [bigint | number, bigint | number, string, bigint | number, bigint | number]): Verdict {
  const code = Number(raw[0]);
  const refusal = REFUSALS[code];
  if (refusal === undefined) throw new Error(`unknown refusal code ${code}: contracts/build is newer than governance/consortium/verdict.ts`);
  return { refusal, index: Number(raw[1]), signer: raw[2], have: Number(raw[3]), need: Number(raw[4]) };
}

/** One sentence saying why an approval was refused (or that it was accepted) and what to do. */
export function explainVerdict(v: Verdict): string {
  const sig = `signature #${v.index}`;
  switch (v.refusal) {
    case "None":
      return "approved: the signature set satisfies the tier's rule";
    case "TierNotApprovable":
      return "the tier has no signature rule here (emergency is a Guardian pause; rotation and veto belong to the Board's rotation module; manifests are critical, fleet or operational)";
    case "RegionsInvalid":
      return "the manifest's regions mask is empty or names an unknown region";
    case "RegionsNeedHigherTier":
      return "an operational change must touch exactly one region; a change touching several regions is at least fleet";
    case "Expired":
      return "the manifest has expired: build a new one with a later expiry and collect signatures again";
    case "AlreadyRecorded":
      return "this manifest digest is already recorded on-chain: use a new nonce for a new change";
    case "Paused":
      return "the federation is paused by the Guardian: only a critical approval can be recorded until a critical unpause";
    case "ProposerNotAgent":
      return "the proposal is not signed by a current agent: only a DSP's current agent may propose";
    case "Malformed":
      return "the signature set is truncated or malformed (parts must be 65 bytes, contract-signature data in bounds)";
    case "HighS":
      return `${sig} has a high-s ECDSA value: re-sign with a wallet that produces canonical (low-s) signatures`;
    case "BadSignature":
      return `${sig} does not recover to any address`;
    case "NotSorted":
      return `${sig} (${v.signer}) is out of order: signatures must be sorted by signer address, ascending`;
    case "DuplicateSigner":
      return `${sig}: ${v.signer} signed twice; each owner counts once`;
    case "UnknownSigner":
      return `${sig} recovers to ${v.signer}, which is no signer of the consortium: the signature was made by an outsider or over another message (other chain, Safe or manifest)`;
    case "RevokedSigner":
      return `${sig}: ${v.signer} was rotated out of the consortium and no longer counts`;
    case "ContractSignatureInvalid":
      return `${sig}: the Safe ${v.signer} rejects its contract signature (its own owners' threshold not met, or signed over another message)`;
    case "SafeRejected":
      return "the Consortium Safe's checkNSignatures rejected the set (e.g. an approved hash that was never approved on-chain)";
    case "RegionDspMissing":
      return `the DSP of region ${REGIONS[v.index] ?? v.index} (${v.signer}) must sign a change touching that region`;
    case "DspShortfall":
      return `DSP group fell short: ${v.have} of the ${v.need} DSP Safes required signed`;
    case "BoardShortfall":
      return `DAO Board group fell short: ${v.have} of the ${v.need} Board signers required signed`;
    case "ProposerDspRevoked":
      return `the proposing agent speaks for ${v.signer}, a DSP that is no longer current: only an agent of a current DSP may propose`;
  }
}
