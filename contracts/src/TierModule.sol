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
///         guard, modules, fallback handler) and delegatecalls are never possible through this module.
///         Owners approve a call by signing the Consortium Safe's SafeMessage hash of its EIP-712 `ModuleCall`.
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
    /// @notice Nonce of the next call; each executed call consumes one.
    uint256 public nonce;
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
    /// @return digest The EIP-712 digest of the executed `ModuleCall`.
    function execute(address to, uint256 value, bytes calldata data, uint64 expiry, bytes calldata signatures)
        external
        returns (bytes32 digest)
    {
        (Tier tier, uint8 regions) = tierOf(to, data);
        if (guardian.paused()) revert Paused();
        if (expiry <= block.timestamp) revert Expired(expiry);
        digest = callDigest(to, value, data, nonce, expiry);
        requireAccepted(rules.checkApproval(address(0), rules.safeMessageHash(digest), signatures, tier, regions));
        nonce++;
        if (!consortium.execTransactionFromModule(to, value, data, Enum.Operation.Call)) revert ExecutionFailed(to);
        emit CallExecuted(digest, to, bytes4(data[:4]), tier, regions);
    }

    /// @notice Classifies a function of a target (`Critical` removes the classification). Only the Consortium Safe.
    function classify(Classification calldata c) external onlyConsortium {
        _classify(c);
    }

    /// @notice The tier a call needs and the regions it touches (bit mask); reverts for calls this module refuses.
    function tierOf(address to, bytes calldata data) public view returns (Tier tier, uint8 regions) {
        if (to == address(consortium) || to == address(this) || data.length < 4) revert TargetForbidden(to);
        CallClass memory c = _classes[to][bytes4(data[:4])];
        if (c.tier == Tier.Critical) revert CallNeedsCritical(to, bytes4(data[:4]));
        if (!c.regionArg) return (c.tier, ALL_REGIONS);
        if (data.length < 36) revert RegionArgumentInvalid(type(uint256).max);
        uint256 region = uint256(bytes32(data[4:36]));
        if (region >= REGION_COUNT) revert RegionArgumentInvalid(region);
        return (c.tier, uint8(1 << region));
    }

    /// @notice The EIP-712 digest owners approve (as a Consortium SafeMessage) for one call.
    function callDigest(address to, uint256 value, bytes calldata data, uint256 callNonce, uint64 expiry)
        public
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(keccak256(abi.encode(MODULE_CALL_TYPEHASH, to, value, keccak256(data), callNonce, expiry)));
    }

    function _classify(Classification memory c) private {
        bool forbidden = c.target == address(consortium) || c.target == address(this);
        bool tierOk = c.tier == Tier.Critical || c.tier == Tier.Fleet || c.tier == Tier.Operational;
        bool regionOk = (c.tier == Tier.Operational) == c.regionArg || c.tier == Tier.Critical;
        if (forbidden || !tierOk || !regionOk) revert InvalidClassification(c.target, c.selector);
        _classes[c.target][c.selector] = CallClass(c.tier, c.regionArg);
        emit CallClassified(c.target, c.selector, c.tier, c.regionArg);
    }
}
