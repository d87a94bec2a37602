// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

/// @title SafeSignatures
/// @notice Reads Safe-format signature sets: n static 65-byte parts `{r}{s}{v}` followed by the dynamic data of
///         contract signatures (v = 0: r holds the owner, s the offset of `{uint256 length}{bytes data}`).
/// @dev The Safe's own `checkNSignatures` needs the count n from the caller; a set must therefore be parsed to find
///      where its static part ends (the lowest contract-data offset, or the end of the blob).
library SafeSignatures {
    uint256 internal constant PART = 65;

    /// @notice Number of signatures in `sigs`, and whether the blob is exactly n static parts followed by the
    ///         contract-signature data they point to (every region in bounds, no stray bytes).
    function count(bytes calldata sigs) internal pure returns (uint256 n, bool wellFormed) {
        uint256 staticEnd = sigs.length;
        uint256 dynamicLength;
        while ((n + 1) * PART <= staticEnd) {
            (uint8 v,, bytes32 s) = split(sigs, n);
            n++;
            if (v != 0) continue;
            uint256 offset = uint256(s);
            if (offset < n * PART || offset > sigs.length || sigs.length - offset < 32) return (0, false);
            uint256 dataLength = uint256(bytes32(sigs[offset:offset + 32]));
            if (dataLength > sigs.length - offset - 32) return (0, false);
            if (offset < staticEnd) staticEnd = offset;
            dynamicLength += 32 + dataLength;
        }
        return (n, n * PART == staticEnd && staticEnd + dynamicLength == sigs.length);
    }

    /// @notice The `{v}{r}{s}` of signature `i`.
    function split(bytes calldata sigs, uint256 i) internal pure returns (uint8 v, bytes32 r, bytes32 s) {
        uint256 base = i * PART;
        r = bytes32(sigs[base:base + 32]);
        s = bytes32(sigs[base + 32:base + 64]);
        v = uint8(sigs[base + 64]);
    }

    /// @notice The data of the contract signature whose static part holds offset `s` (bounds checked by `count`).
    function contractData(bytes calldata sigs, bytes32 s) internal pure returns (bytes calldata) {
        uint256 offset = uint256(s);
        uint256 dataLength = uint256(bytes32(sigs[offset:offset + 32]));
        return sigs[offset + 32:offset + 32 + dataLength];
    }
}
