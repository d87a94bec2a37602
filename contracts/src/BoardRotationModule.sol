// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Enum} from "@safe-global/safe-smart-account/contracts/libraries/Enum.sol";
import {AgentRegistry} from "./AgentRegistry.sol";
import {ConsortiumOwned} from "./ConsortiumOwned.sol";
import {ISafe} from "./ISafe.sol";
import {TierRules} from "./TierRules.sol";
import {Tier, Refusal, REGION_COUNT, ALL_REGIONS} from "./ConsortiumTypes.sol";

/// @title BoardRotationModule
/// @notice Lets the DAO Board rotate a DSP out without that DSP's consent, with checks and balances in the style of
///         a delay modifier:
///         - `propose` (the `Rotation` rule: both Board signers by default) announces the rotation on-chain; it can
///           be executed by anyone only after `delay`, and before the approval's expiry;
///         - one rotation at a time (a pending one blocks others until it executes, is cancelled or expires), and
///           at most one executed per `period`;
///         - during the delay the DSPs of the other regions (the `Veto` rule over them) or a `critical` transaction
///           can `cancel` it; the DSP being rotated out is not needed for anything;
///         - the Board alone holds at most one DSP seat: a rotation signed by the Board only marks its new DSP as
///           the Board's seat; while that seat is current, a Board-only rotation of another region is refused. A
///           rotation co-signed by the DSPs of the other independent regions is no Board seat, and a `critical`
///           transaction may `confirmSeat` (the consortium vouches for the new DSP).
///         Execution swaps the old DSP Safe for the new one among the Consortium Safe's owners, replaces it in the
///         signer groups (revoking the old Safe), burns its agent and mints the new DSP's, then runs TierRules'
///         consistency check. Propose and execute work while paused: a rogue DSP that paused the federation must
///         not be able to block its own removal.
contract BoardRotationModule is EIP712, ConsortiumOwned {
    /// @notice A rotation that was proposed and waits for its delay.
    struct Pending {
        uint8 region;
        bool coSigned;
        uint64 eta;
        uint64 expiry;
        address oldDsp;
        address newDsp;
        address newAgent;
        bytes32 digest;
    }

    bytes32 public constant ROTATION_TYPEHASH = keccak256(
        "Rotation(uint8 region,address oldDsp,address newDsp,address newAgent,uint256 nonce,uint64 expiry)"
    );
    bytes32 public constant CANCEL_TYPEHASH = keccak256("CancelRotation(bytes32 rotation)");
    address private constant SENTINEL_OWNERS = address(0x1);

    TierRules public immutable rules;
    AgentRegistry public immutable agents;
    /// @notice Seconds between a proposal and the earliest execution.
    uint64 public immutable delay;
    /// @notice Minimum seconds between two executed rotations.
    uint64 public immutable period;
    /// @notice Nonce of the next proposal.
    uint256 public nonce;
    /// @notice When the last rotation executed (0 when never).
    uint64 public lastRotationAt;
    /// @notice The DSP Safe the Board installed alone, while not confirmed (zero when none).
    address public boardSeat;
    Pending private _pending;

    event RotationProposed(
        uint8 indexed region,
        address indexed oldDsp,
        address indexed newDsp,
        address newAgent,
        uint64 eta,
        bool coSigned,
        bytes32 digest
    );
    event RotationCancelled(uint8 indexed region, bytes32 digest);
    event DspRotated(
        uint8 indexed region, address indexed oldDsp, address indexed newDsp, address newAgent, bytes32 digest
    );
    event BoardSeatConfirmed(address indexed dsp);

    error UnknownRegion(uint8 region);
    error RotationPending(uint8 region);
    error NoPendingRotation();
    error TooSoon(uint64 notBefore);
    error Expired(uint64 expiry);
    error StaleRotation(address expectedOldDsp, address currentDsp);
    error BoardSeatTaken(uint8 region);
    error NotAnOwner(address account);
    error ExecutionFailed(address target, bytes4 selector);

    constructor(ISafe consortium_, TierRules rules_, AgentRegistry agents_, uint64 delay_, uint64 period_)
        EIP712("DSC BoardRotation", "1")
        ConsortiumOwned(consortium_)
    {
        rules = rules_;
        agents = agents_;
        delay = delay_;
        period = period_ < delay_ ? delay_ : period_;
    }

    /// @notice Announces a rotation of `region` to `newDsp` (a Safe) with agent `newAgent`, if the Board approved.
    /// @param expiry End of the approval's validity; it must leave the whole delay to run.
    function propose(uint8 region, address newDsp, address newAgent, uint64 expiry, bytes calldata signatures)
        external
        returns (bytes32 digest)
    {
        if (region >= REGION_COUNT) revert UnknownRegion(region);
        // An expired proposal can no longer execute, so it no longer blocks the next one.
        if (_pending.eta != 0 && block.timestamp < _pending.expiry) revert RotationPending(_pending.region);
        uint64 notBefore = lastRotationAt == 0 ? 0 : lastRotationAt + period;
        if (block.timestamp < notBefore) revert TooSoon(notBefore);
        if (expiry <= block.timestamp + delay) revert Expired(expiry);
        address oldDsp = rules.dspOf(region);
        digest = rotationDigest(region, oldDsp, newDsp, newAgent, nonce, expiry);
        bool coSigned = _approved(region, digest, signatures);
        nonce++;
        uint64 eta = uint64(block.timestamp) + delay;
        _pending = Pending(region, coSigned, eta, expiry, oldDsp, newDsp, newAgent, digest);
        emit RotationProposed(region, oldDsp, newDsp, newAgent, eta, coSigned, digest);
    }

    /// @notice Executes the pending rotation once its delay has passed. Anyone may call it.
    function execute() external returns (bytes32 digest) {
        Pending memory p = _pending;
        if (p.eta == 0) revert NoPendingRotation();
        if (block.timestamp < p.eta) revert TooSoon(p.eta);
        if (block.timestamp >= p.expiry) revert Expired(p.expiry);
        address current = rules.dspOf(p.region);
        if (current != p.oldDsp) revert StaleRotation(p.oldDsp, current);
        delete _pending;
        lastRotationAt = uint64(block.timestamp);
        if (!p.coSigned) boardSeat = p.newDsp;
        else if (boardSeat == p.oldDsp) boardSeat = address(0);
        _exec(address(consortium), abi.encodeCall(ISafe.swapOwner, (_prevOwner(p.oldDsp), p.oldDsp, p.newDsp)));
        _exec(address(rules), abi.encodeCall(TierRules.replaceDsp, (p.region, p.newDsp)));
        if (agents.agentOfDsp(p.oldDsp) != address(0)) {
            _exec(address(agents), abi.encodeCall(AgentRegistry.burnAgentOf, (p.oldDsp)));
        }
        _exec(address(agents), abi.encodeCall(AgentRegistry.mint, (p.newAgent, p.newDsp)));
        rules.assertConsistent();
        emit DspRotated(p.region, p.oldDsp, p.newDsp, p.newAgent, p.digest);
        return p.digest;
    }

    /// @notice Cancels the pending rotation: the DSPs of the other independent regions sign `CancelRotation`
    ///         (the `Veto` rule), or the Consortium Safe calls it (a `critical` transaction, signatures ignored).
    function cancel(bytes calldata signatures) external {
        Pending memory p = _pending;
        if (p.eta == 0) revert NoPendingRotation();
        if (msg.sender != address(consortium)) {
            bytes32 messageHash = rules.safeMessageHash(cancelDigest(p.digest));
            requireAccepted(
                rules.checkApproval(address(0), messageHash, signatures, Tier.Veto, _independentOthers(p.region))
            );
        }
        delete _pending;
        emit RotationCancelled(p.region, p.digest);
    }

    /// @notice The consortium vouches for the DSP the Board installed alone: it stops counting as the Board's seat.
    ///         Only the Consortium Safe (`critical`, which that DSP, the other DSPs and the Board sign).
    function confirmSeat() external onlyConsortium {
        emit BoardSeatConfirmed(boardSeat);
        boardSeat = address(0);
    }

    /// @notice The pending rotation (`eta == 0` when none).
    function pending() external view returns (Pending memory) {
        return _pending;
    }

    /// @notice The region whose current DSP the Board installed alone, if any.
    function boardSeatRegion() public view returns (bool held, uint8 region) {
        if (boardSeat == address(0)) return (false, 0);
        for (uint8 r = 0; r < REGION_COUNT; r++) {
            if (rules.dspOf(r) == boardSeat) return (true, r);
        }
        return (false, 0);
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

    /// @notice The EIP-712 digest the other DSPs approve (as a Consortium SafeMessage) to cancel a rotation.
    function cancelDigest(bytes32 rotation) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(CANCEL_TYPEHASH, rotation)));
    }

    /// @dev Requires the Board's `Rotation` rule; tells whether the DSPs of the other independent regions co-signed,
    ///      and refuses a Board-only rotation while the Board holds a seat in another region.
    function _approved(uint8 region, bytes32 digest, bytes calldata signatures) private view returns (bool coSigned) {
        bytes32 messageHash = rules.safeMessageHash(digest);
        requireAccepted(rules.checkApproval(address(0), messageHash, signatures, Tier.Rotation, 0));
        uint8 others = _independentOthers(region);
        coSigned = rules.checkApproval(address(0), messageHash, signatures, Tier.Veto, others).refusal == Refusal.None;
        (bool held, uint8 seat) = boardSeatRegion();
        if (!coSigned && held && seat != region) revert BoardSeatTaken(seat);
    }

    /// @dev The regions other than `region` whose DSP the Board did not install alone.
    function _independentOthers(uint8 region) private view returns (uint8 mask) {
        mask = ALL_REGIONS & ~uint8(1 << region);
        (bool held, uint8 seat) = boardSeatRegion();
        if (held) mask &= ~uint8(1 << seat);
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
