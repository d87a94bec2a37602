// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {TokenCallbackHandler} from "@safe-global/safe-smart-account/contracts/handler/TokenCallbackHandler.sol";
import {ISignatureValidator} from "@safe-global/safe-smart-account/contracts/interfaces/ISignatureValidator.sol";
import {Announcements} from "./Announcements.sol";
import {ConsortiumOwned} from "./ConsortiumOwned.sol";
import {ISafe} from "./ISafe.sol";
import {TierRules} from "./TierRules.sol";
import {Tier, ALL_REGIONS} from "./ConsortiumTypes.sol";

/// @title ConsortiumFallbackHandler
/// @notice The Consortium Safe's fallback handler: its EIP-1271 `isValidSignature` is the Brand's signature, so it
///         answers through the tier rules instead of the Safe's plain threshold. A signature set must satisfy
///         `critical` over the SafeMessage hash (any 4 owners, e.g. 2 DSPs + 2 Board, are not enough). An empty
///         signature answers yes for messages the Consortium approved on-chain: a posted announcement's digest
///         (`fleet`, in the Announcements domain) or a hash signed with SignMessageLib (a `critical` transaction).
///         Token callbacks are kept so that the Safe still receives ERC-721/1155/777 tokens.
contract ConsortiumFallbackHandler is TokenCallbackHandler, ISignatureValidator, ConsortiumOwned {
    TierRules public immutable rules;
    Announcements public immutable announcements;

    error HashNotApproved(bytes32 hash);

    constructor(ISafe consortium_, TierRules rules_, Announcements announcements_) ConsortiumOwned(consortium_) {
        rules = rules_;
        announcements = announcements_;
    }

    /// @notice EIP-1271 for the Consortium Safe (only when called through it). Reverts when not valid.
    function isValidSignature(bytes32 hash, bytes memory signature) public view override onlyConsortium returns (bytes4) {
        bytes32 messageHash = rules.safeMessageHash(hash);
        if (signature.length == 0) {
            bool approved = announcements.isAnnouncedDigest(hash) || consortium.signedMessages(messageHash) != 0;
            if (!approved) revert HashNotApproved(hash);
        } else {
            requireAccepted(rules.checkApproval(address(0), messageHash, signature, Tier.Critical, ALL_REGIONS));
        }
        return EIP1271_MAGIC_VALUE;
    }
}
