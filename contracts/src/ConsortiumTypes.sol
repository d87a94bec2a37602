// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

/// @notice How much consent a change needs. `Rotation` is the DAO Board's rule for proposing a DSP swap and `Veto`
///         the rule of the DSPs that may cancel one (the DSP of every region in the mask); neither is a manifest tier.
///         Enum order is part of the ABI and of the manifest typed data (`uint8 tier`).
enum Tier {
    Critical,
    Fleet,
    Operational,
    Emergency,
    Rotation,
    Veto
}

/// @notice Why an approval was refused; `None` means accepted.
enum Refusal {
    None,
    TierNotApprovable,
    RegionsInvalid,
    RegionsNeedHigherTier,
    Expired,
    AlreadyRecorded,
    Paused,
    ProposerNotAgent,
    Malformed,
    HighS,
    BadSignature,
    NotSorted,
    DuplicateSigner,
    UnknownSigner,
    RevokedSigner,
    ContractSignatureInvalid,
    SafeRejected,
    RegionDspMissing,
    DspShortfall,
    BoardShortfall,
    ProposerDspRevoked
}

/// @notice Outcome of a verification: the refusal, and the signature index / signer / counts it is about.
struct Verdict {
    Refusal refusal;
    uint256 index;
    address signer;
    uint256 have;
    uint256 need;
}

/// @notice Consent rule of one tier: distinct DSP Safes, distinct Board signers, and whether the DSP of every
///         touched region must be among the signers.
struct Rule {
    uint8 dsps;
    uint8 board;
    bool regionDsp;
}

/// @notice The canonical description of one change (EIP-712 typed data; its hash is the manifest digest).
///         `regions` is a bit mask: alpha = 1, beta = 2, gamma = 4.
struct Manifest {
    string project;
    string stack;
    bytes32 planDigest;
    string sourceCommit;
    bytes32 lockfileDigest;
    bytes32 configDigest;
    uint8 tier;
    uint8 regions;
    uint64 expiry;
    uint256 nonce;
}

uint8 constant REGION_COUNT = 3;
uint8 constant ALL_REGIONS = 7;

/// @notice Raised by every contract that enforces a tier when the signature set does not satisfy it.
error ApprovalRefused(Refusal refusal, uint256 index, address signer, uint256 have, uint256 need);
