// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {AgentRegistry} from "./AgentRegistry.sol";
import {ConsortiumOwned} from "./ConsortiumOwned.sol";
import {ISafe} from "./ISafe.sol";

/// @title Guardian
/// @notice The federation's emergency brake: any one current agent may pause, alone; only the Consortium Safe
///         (a `critical` transaction, held to that rule by the guard) may unpause. While paused, TierRules records
///         only `critical` approvals and the TierModule executes nothing.
contract Guardian is ConsortiumOwned {
    /// @notice Registry that says who is a current agent.
    AgentRegistry public immutable agents;
    /// @notice Whether the federation is paused.
    bool public paused;

    event Paused(address indexed agent, address indexed dsp, string reason);
    event Unpaused();

    error NotAnAgent(address caller);
    error AlreadyPaused();
    error NotPaused();
    error ReasonRequired();

    constructor(ISafe consortium_, AgentRegistry agents_) ConsortiumOwned(consortium_) {
        agents = agents_;
    }

    /// @notice Pauses the federation. Only a current agent; the reason is kept in the event for the audit trail.
    function pause(string calldata reason) external {
        if (!agents.isAgent(msg.sender)) revert NotAnAgent(msg.sender);
        if (paused) revert AlreadyPaused();
        if (bytes(reason).length == 0) revert ReasonRequired();
        paused = true;
        emit Paused(msg.sender, agents.dspOfAgent(msg.sender), reason);
    }

    /// @notice Lifts the pause. Only the Consortium Safe.
    function unpause() external onlyConsortium {
        if (!paused) revert NotPaused();
        paused = false;
        emit Unpaused();
    }
}
