// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Enum} from "@safe-global/safe-smart-account/contracts/libraries/Enum.sol";
import {ConsortiumOwned} from "./ConsortiumOwned.sol";
import {Guardian} from "./Guardian.sol";
import {ISafe} from "./ISafe.sol";
import {TierRules} from "./TierRules.sol";
import {Tier, REGION_COUNT, ALL_REGIONS} from "./ConsortiumTypes.sol";

/// @title TierModule
/// @notice Executes, for the Consortium Safe, calls that need less than `critical`. Each (target, selector) is
///         classified by a `critical` transaction as `fleet` or `operational`; anything unclassified is `critical`
///         and refused here (it must be a direct Safe transaction). Calls to the Safe itself (owners, threshold,
///         guard, modules, fallback handler) and delegatecalls are never possible through this module, nor calls
///         to the consortium's own governance contracts (TierRules, Guardian, AgentRegistry, the guard, the fallback
///         handler, any enabled module): those can never be classified below `critical`.
///         Owners approve a call by signing the Consortium Safe's SafeMessage hash of its EIP-712 `ModuleCall`.
///         Each approval digest executes at most once (`nonce` is any number unique to the approval, not a
///         sequence), so approvals of different tiers and regions never void each other; where order matters the
///         target enforces it (RegionRegistry's compare-and-set). Every execution ends with TierRules'
///         consistency check, the same as the guard's after-check.
contract TierModule is EIP712, ConsortiumOwned {
    /// @notice Classification of one function of one target. `regionArg`: the first argument is a region index
    ///         (0 alpha, 1 beta, 2 gamma) and only that region is touched; otherwise all regions are.
    struct CallClass {
        Tier tier;
        bool regionArg;
    }

    /// @notice Input of `classify` and of the constructor.
    struct Classification {
        address target;
        bytes4 selector;
        Tier tier;
        bool regionArg;
    }

    bytes32 public constant MODULE_CALL_TYPEHASH =
        keccak256("ModuleCall(address to,uint256 value,bytes data,uint256 nonce,uint64 expiry)");

    TierRules public immutable rules;
    Guardian public immutable guardian;
    /// @dev keccak256("guard_manager.guard.address") and keccak256("fallback_manager.handler.address"): where Safe
    ///      v1.5.0 keeps its guard and fallback handler.
    uint256 private constant GUARD_SLOT = 0x4a204f620c8c5ccdca3fd54d003badd85ba500436a431f0cbda4f558c93c34c8;
    uint256 private constant FALLBACK_HANDLER_SLOT = 0x6c9a6c4a39284e37ed1cf53d337577d14212a4870fb976a4366c693b939918d5;

    /// @notice Whether an approval digest was executed (each executes once).
    mapping(bytes32 digest => bool) public executed;
    mapping(address target => mapping(bytes4 selector => CallClass)) private _classes;

    event CallClassified(address indexed target, bytes4 indexed selector, Tier tier, bool regionArg);
    event CallExecuted(bytes32 indexed digest, address indexed to, bytes4 indexed selector, Tier tier, uint8 regions);

    error TargetForbidden(address target);
    error CallNeedsCritical(address target, bytes4 selector);
    error InvalidClassification(address target, bytes4 selector);
    error RegionArgumentInvalid(uint256 region);
    error Paused();
    error Expired(uint64 expiry);
    error ExecutionFailed(address target);
    error AlreadyExecuted(bytes32 digest);

    constructor(ISafe consortium_, TierRules rules_, Guardian guardian_, Classification[] memory initial)
        EIP712("DSC TierModule", "1")
        ConsortiumOwned(consortium_)
    {
        rules = rules_;
        guardian = guardian_;
        for (uint256 i = 0; i < initial.length; i++) {
            _classify(initial[i]);
        }
    }

    /// @notice Executes `to.call{value}(data)` for the Consortium Safe if `signatures` satisfy the call's tier.
    /// @param nonce Any number unique to this approval (the approval's digest is then used once).
    /// @return digest The EIP-712 digest of the executed `ModuleCall`.
    function execute(
        address to,
        uint256 value,
        bytes calldata data,
        uint256 nonce,
        uint64 expiry,
        bytes calldata signatures
    ) external returns (bytes32 digest) {
        (Tier tier, uint8 regions) = tierOf(to, data);
        if (guardian.paused()) revert Paused();
        if (expiry <= block.timestamp) revert Expired(expiry);
        digest = callDigest(to, value, data, nonce, expiry);
        if (executed[digest]) revert AlreadyExecuted(digest);
        requireAccepted(rules.checkApproval(address(0), rules.safeMessageHash(digest), signatures, tier, regions));
        executed[digest] = true;
        if (!consortium.execTransactionFromModule(to, value, data, Enum.Operation.Call)) revert ExecutionFailed(to);
        rules.assertConsistent();
        emit CallExecuted(digest, to, bytes4(data[:4]), tier, regions);
    }

    /// @notice Classifies a function of a target (`Critical` removes the classification). Only the Consortium Safe.
    function classify(Classification calldata c) external onlyConsortium {
        _classify(c);
    }

    /// @notice The tier a call needs and the regions it touches (bit mask); reverts for calls this module refuses.
    function tierOf(address to, bytes calldata data) public view returns (Tier tier, uint8 regions) {
        if (isGovernance(to) || data.length < 4) revert TargetForbidden(to);
        CallClass memory c = _classes[to][bytes4(data[:4])];
        if (c.tier == Tier.Critical) revert CallNeedsCritical(to, bytes4(data[:4]));
        if (!c.regionArg) return (c.tier, ALL_REGIONS);
        if (data.length < 36) revert RegionArgumentInvalid(type(uint256).max);
        uint256 region = uint256(bytes32(data[4:36]));
        if (region >= REGION_COUNT) revert RegionArgumentInvalid(region);
        return (c.tier, uint8(1 << region));
    }

    /// @notice The EIP-712 digest owners approve (as a Consortium SafeMessage) for one call.
    function callDigest(address to, uint256 value, bytes calldata data, uint256 nonce, uint64 expiry)
        public
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(keccak256(abi.encode(MODULE_CALL_TYPEHASH, to, value, keccak256(data), nonce, expiry)));
    }

    /// @notice Whether `target` is part of the consortium's own governance, which only `critical` may call: the
    ///         Safe, TierRules, Guardian, AgentRegistry, the Safe's current guard and fallback handler, and every
    ///         enabled module (this one and the Board's rotation module included).
    function isGovernance(address target) public view returns (bool) {
        return target == address(consortium) || target == address(this) || target == address(rules)
            || target == address(guardian) || target == address(rules.agents()) || target == _safeSlot(GUARD_SLOT)
            || target == _safeSlot(FALLBACK_HANDLER_SLOT) || consortium.isModuleEnabled(target);
    }

    function _safeSlot(uint256 slot) private view returns (address) {
        return address(uint160(uint256(bytes32(consortium.getStorageAt(slot, 1)))));
    }

    function _classify(Classification memory c) private {
        bool forbidden = c.tier != Tier.Critical && isGovernance(c.target);
        bool tierOk = c.tier == Tier.Critical || c.tier == Tier.Fleet || c.tier == Tier.Operational;
        bool regionOk = (c.tier == Tier.Operational) == c.regionArg || c.tier == Tier.Critical;
        if (forbidden || !tierOk || !regionOk) revert InvalidClassification(c.target, c.selector);
        _classes[c.target][c.selector] = CallClass(c.tier, c.regionArg);
        emit CallClassified(c.target, c.selector, c.tier, c.regionArg);
    }
}
