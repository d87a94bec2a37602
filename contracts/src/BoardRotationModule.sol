// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Enum} from "@safe-global/safe-smart-account/contracts/libraries/Enum.sol";
import {AgentRegistry} from "./AgentRegistry.sol";
import {ConsortiumOwned} from "./ConsortiumOwned.sol";
import {ISafe} from "./ISafe.sol";
import {TierRules} from "./TierRules.sol";
import {Tier} from "./ConsortiumTypes.sol";

/// @title BoardRotationModule
/// @notice Lets the DAO Board rotate a DSP out without that DSP's consent (the `Rotation` rule: both Board signers
///         by default): swaps its Safe for the new DSP's Safe among the Consortium Safe's owners, replaces it in the
///         signer groups (revoking the old Safe), burns its agent token and mints the new DSP's. Works while paused:
///         a rogue DSP that paused the federation must not be able to block its own removal.
contract BoardRotationModule is EIP712, ConsortiumOwned {
    bytes32 public constant ROTATION_TYPEHASH = keccak256(
        "Rotation(uint8 region,address oldDsp,address newDsp,address newAgent,uint256 nonce,uint64 expiry)"
    );
    address private constant SENTINEL_OWNERS = address(0x1);

    TierRules public immutable rules;
    AgentRegistry public immutable agents;
    /// @notice Nonce of the next rotation.
    uint256 public nonce;

    event DspRotated(
        uint8 indexed region, address indexed oldDsp, address indexed newDsp, address newAgent, bytes32 digest
    );

    error Expired(uint64 expiry);
    error NotAnOwner(address account);
    error ExecutionFailed(address target, bytes4 selector);

    constructor(ISafe consortium_, TierRules rules_, AgentRegistry agents_)
        EIP712("DSC BoardRotation", "1")
        ConsortiumOwned(consortium_)
    {
        rules = rules_;
        agents = agents_;
    }

    /// @notice Rotates the DSP of `region` to `newDsp` (a Safe) with agent `newAgent`, if the Board approved.
    function rotate(uint8 region, address newDsp, address newAgent, uint64 expiry, bytes calldata signatures)
        external
        returns (bytes32 digest)
    {
        if (expiry <= block.timestamp) revert Expired(expiry);
        address oldDsp = rules.dspOf(region);
        digest = rotationDigest(region, oldDsp, newDsp, newAgent, nonce, expiry);
        requireAccepted(rules.checkApproval(address(0), rules.safeMessageHash(digest), signatures, Tier.Rotation, 0));
        nonce++;
        _exec(address(consortium), abi.encodeCall(ISafe.swapOwner, (_prevOwner(oldDsp), oldDsp, newDsp)));
        _exec(address(rules), abi.encodeCall(TierRules.replaceDsp, (region, newDsp)));
        if (agents.agentOfDsp(oldDsp) != address(0)) {
            _exec(address(agents), abi.encodeCall(AgentRegistry.burnAgentOf, (oldDsp)));
        }
        _exec(address(agents), abi.encodeCall(AgentRegistry.mint, (newAgent, newDsp)));
        emit DspRotated(region, oldDsp, newDsp, newAgent, digest);
    }

    /// @notice The EIP-712 digest the Board approves (as a Consortium SafeMessage) for one rotation.
    function rotationDigest(
        uint8 region,
        address oldDsp,
        address newDsp,
        address newAgent,
        uint256 rotationNonce,
        uint64 expiry
    ) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(abi.encode(ROTATION_TYPEHASH, region, oldDsp, newDsp, newAgent, rotationNonce, expiry))
        );
    }

    function _prevOwner(address owner) private view returns (address) {
        address[] memory owners = consortium.getOwners();
        for (uint256 i = 0; i < owners.length; i++) {
            if (owners[i] == owner) return i == 0 ? SENTINEL_OWNERS : owners[i - 1];
        }
        revert NotAnOwner(owner);
    }

    function _exec(address to, bytes memory data) private {
        if (!consortium.execTransactionFromModule(to, 0, data, Enum.Operation.Call)) {
            revert ExecutionFailed(to, bytes4(data));
        }
    }
}
