// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {AgentRegistry} from "./AgentRegistry.sol";
import {ConsortiumOwned} from "./ConsortiumOwned.sol";
import {ISafe} from "./ISafe.sol";
import {TierRules} from "./TierRules.sol";

/// @title Guardian
/// @notice The federation's emergency brake: any one current agent (an agent whose DSP is still current in
///         TierRules) may pause, alone and at once; only the Consortium Safe (a `critical` transaction, held to that
///         rule by the guard) may unpause. While paused, TierRules records only `critical` approvals and the
///         TierModule executes nothing.
/// @dev Anti-griefing: when a `critical` unpause lifts a pause, the DSP whose agent paused may not pause again for
///      `cooldown` seconds. The other DSPs' agents can still pause at once, so a real breach is always stoppable by
///      an honest agent, while one agent cannot re-pause in the block after every unpause.
contract Guardian is ConsortiumOwned {
    /// @notice Registry of agent tokens (who holds which DSP's token).
    AgentRegistry public immutable agents;
    /// @notice Who is a current agent (the agent's DSP must be current).
    TierRules public immutable rules;
    /// @notice Seconds during which the DSP whose pause was lifted may not pause again.
    uint64 public immutable cooldown;
    /// @notice Whether the federation is paused.
    bool public paused;
    /// @notice The DSP whose agent set the pause in force (zero when not paused).
    address public pausedBy;
    /// @notice Time until which a DSP's agent may not pause (after its pause was lifted).
    mapping(address dsp => uint256) public pauseBlockedUntil;

    event Paused(address indexed agent, address indexed dsp, string reason);
    event Unpaused();
    event PauseCooldown(address indexed dsp, uint256 until);

    error NotAnAgent(address caller);
    error AlreadyPaused();
    error NotPaused();
    error ReasonRequired();
    error InCooldown(address dsp, uint256 until);

    constructor(ISafe consortium_, AgentRegistry agents_, TierRules rules_, uint64 cooldown_)
        ConsortiumOwned(consortium_)
    {
        if (address(agents_) == address(0) || address(rules_) == address(0)) revert ZeroAddress();
        agents = agents_;
        rules = rules_;
        cooldown = cooldown_;
    }

    /// @notice Pauses the federation. Only a current agent, outside its DSP's cooldown; the reason is kept in the
    ///         event for the audit trail.
    function pause(string calldata reason) external {
        if (!rules.isCurrentAgent(msg.sender)) revert NotAnAgent(msg.sender);
        if (paused) revert AlreadyPaused();
        if (bytes(reason).length == 0) revert ReasonRequired();
        address dsp = agents.dspOfAgent(msg.sender);
        uint256 until = pauseBlockedUntil[dsp];
        if (block.timestamp < until) revert InCooldown(dsp, until);
        paused = true;
        pausedBy = dsp;
        emit Paused(msg.sender, dsp, reason);
    }

    /// @notice Lifts the pause and starts the pausing DSP's cooldown. Only the Consortium Safe.
    function unpause() external onlyConsortium {
        if (!paused) revert NotPaused();
        address dsp = pausedBy;
        uint256 until = block.timestamp + cooldown;
        paused = false;
        pausedBy = address(0);
        pauseBlockedUntil[dsp] = until;
        emit Unpaused();
        emit PauseCooldown(dsp, until);
    }
}
