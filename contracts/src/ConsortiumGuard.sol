// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {BaseTransactionGuard} from "@safe-global/safe-smart-account/contracts/base/GuardManager.sol";
import {Enum} from "@safe-global/safe-smart-account/contracts/libraries/Enum.sol";
import {ConsortiumOwned} from "./ConsortiumOwned.sol";
import {ISafe} from "./ISafe.sol";
import {TierRules} from "./TierRules.sol";
import {Tier, ALL_REGIONS} from "./ConsortiumTypes.sol";

/// @title ConsortiumGuard
/// @notice Transaction guard of the Consortium Safe: every direct transaction must satisfy the `critical` rule
///         (checked by who signed, over all signatures, not by count), and delegatecall is allowed only into
///         allowlisted libraries. It never bricks the Safe: a `critical` transaction always passes it (so one can
///         always remove or replace it), and after each transaction it checks that every signer group member is
///         still an owner, so no transaction can make `critical` unreachable.
contract ConsortiumGuard is BaseTransactionGuard, ConsortiumOwned {
    TierRules public immutable rules;
    /// @notice Libraries the Safe may delegatecall into.
    mapping(address target => bool) public delegateCallAllowed;

    event DelegateCallAllowed(address indexed target, bool allowed);

    error DelegateCallRefused(address target);

    constructor(ISafe consortium_, TierRules rules_, address[] memory delegateTargets) ConsortiumOwned(consortium_) {
        rules = rules_;
        for (uint256 i = 0; i < delegateTargets.length; i++) {
            _allowDelegateCall(delegateTargets[i], true);
        }
    }

    /// @notice Called by the Safe before execution: refuses non-allowlisted delegatecalls and non-`critical` sets.
    /// @dev The Safe has already incremented its nonce, so the transaction hash is rebuilt with `nonce - 1`.
    function checkTransaction(
        address to,
        uint256 value,
        bytes memory data,
        Enum.Operation operation,
        uint256 safeTxGas,
        uint256 baseGas,
        uint256 gasPrice,
        address gasToken,
        address payable refundReceiver,
        bytes memory signatures,
        address msgSender
    ) external view override onlyConsortium {
        if (operation == Enum.Operation.DelegateCall && !delegateCallAllowed[to]) revert DelegateCallRefused(to);
        bytes32 txHash = consortium.getTransactionHash(
            to, value, data, operation, safeTxGas, baseGas, gasPrice, gasToken, refundReceiver, consortium.nonce() - 1
        );
        requireAccepted(rules.checkApproval(msgSender, txHash, signatures, Tier.Critical, ALL_REGIONS));
    }

    /// @notice Called by the Safe after execution: every signer group member must still be an owner.
    function checkAfterExecution(bytes32, bool) external view override onlyConsortium {
        rules.assertConsistent();
    }

    /// @notice Allows or forbids delegatecall into `target`. Only the Consortium Safe.
    function setDelegateCallAllowed(address target, bool allowed) external onlyConsortium {
        _allowDelegateCall(target, allowed);
    }

    function _allowDelegateCall(address target, bool allowed) private {
        if (target == address(0)) revert ZeroAddress();
        delegateCallAllowed[target] = allowed;
        emit DelegateCallAllowed(target, allowed);
    }
}
