// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {ISafe} from "./ISafe.sol";
import {Refusal, Verdict, ApprovalRefused} from "./ConsortiumTypes.sol";

/// @notice Base for contracts whose administration belongs to the Consortium Safe alone.
abstract contract ConsortiumOwned {
    /// @notice The Consortium Safe.
    ISafe public immutable consortium;

    error NotConsortium(address caller);
    error ZeroAddress();

    constructor(ISafe consortium_) {
        if (address(consortium_) == address(0)) revert ZeroAddress();
        consortium = consortium_;
    }

    modifier onlyConsortium() {
        if (msg.sender != address(consortium)) revert NotConsortium(msg.sender);
        _;
    }

    /// @dev Reverts with `ApprovalRefused` unless the verdict accepts (declared here so the error is in each ABI).
    function requireAccepted(Verdict memory v) internal pure {
        if (v.refusal != Refusal.None) revert ApprovalRefused(v.refusal, v.index, v.signer, v.have, v.need);
    }
}
