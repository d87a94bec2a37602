// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {ConsortiumOwned} from "./ConsortiumOwned.sol";
import {ISafe} from "./ISafe.sol";
import {REGION_COUNT} from "./ConsortiumTypes.sol";

/// @title RegionRegistry
/// @notice Per-region cluster configuration digests: the `operational` target. The region is the first argument,
///         which the TierModule reads to require the consent of that region's DSP.
/// @dev Where order matters: each change names the digest it replaces (compare-and-set), so two approved changes
///      of one region apply only in the order they were built on; changes of different regions never interfere.
contract RegionRegistry is ConsortiumOwned {
    /// @notice Current configuration digest per region (0 alpha, 1 beta, 2 gamma).
    mapping(uint8 region => bytes32) public configDigest;

    event RegionConfigured(uint8 indexed region, bytes32 previousDigest, bytes32 configDigest);

    error UnknownRegion(uint8 region);
    error StaleRegionConfig(uint8 region, bytes32 current, bytes32 expected);

    constructor(ISafe consortium_) ConsortiumOwned(consortium_) {}

    /// @notice Sets the configuration digest of one region if it is still `previous`. Only the Consortium Safe.
    function setRegionConfig(uint8 region, bytes32 previous, bytes32 digest) external onlyConsortium {
        if (region >= REGION_COUNT) revert UnknownRegion(region);
        bytes32 current = configDigest[region];
        if (current != previous) revert StaleRegionConfig(region, current, previous);
        configDigest[region] = digest;
        emit RegionConfigured(region, previous, digest);
    }
}
