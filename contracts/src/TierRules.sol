// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {AgentRegistry} from "./AgentRegistry.sol";
import {ConsortiumOwned} from "./ConsortiumOwned.sol";
import {Guardian} from "./Guardian.sol";
import {ISafe} from "./ISafe.sol";
import {SafeSignatures} from "./SafeSignatures.sol";
import {
    Tier, Refusal, Verdict, Rule, Manifest, REGION_COUNT, ALL_REGIONS
} from "./ConsortiumTypes.sol";

/// @title TierRules
/// @notice The one place the consent rules live. Knows the signer groups (a DSP Safe per region, the DAO Board
///         signers) and the rule per tier; verifies a Safe-format signature set with the Consortium Safe's own
///         `checkNSignatures` (all n signatures, not just the first `threshold`) and then counts signers per group.
///         Approvals of manifests are Safe messages: owners sign the Consortium Safe's `SafeMessage` hash of the
///         manifest's EIP-712 digest. Administered only by the Consortium Safe (`critical`).
contract TierRules is EIP712, ConsortiumOwned {
    using SafeSignatures for bytes;

    enum Group {
        None,
        Dsp,
        Board,
        Revoked
    }

    struct Member {
        Group group;
        uint8 region;
    }

    bytes32 public constant MANIFEST_TYPEHASH = keccak256(
        "Manifest(string project,string stack,bytes32 planDigest,string sourceCommit,bytes32 lockfileDigest,bytes32 configDigest,uint8 tier,uint8 regions,uint64 expiry,uint256 nonce)"
    );
    /// @dev keccak256("SafeMessage(bytes message)"), as in Safe's CompatibilityFallbackHandler.
    bytes32 private constant SAFE_MSG_TYPEHASH = 0x60b3cbf8b4a223d68d641b3b6ddf9a298e7f33710cf3d3a9d1146b5a6150fbca;
    /// @dev Upper bound of a canonical ECDSA `s` (secp256k1n / 2); the Safe accepts either half, we do not.
    uint256 private constant HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    AgentRegistry public immutable agents;
    Guardian public immutable guardian;

    /// @notice The DSP Safe of each region (0 alpha, 1 beta, 2 gamma).
    address[REGION_COUNT] public dspOf;
    address[] private _board;
    mapping(address => Member) private _members;
    mapping(Tier => Rule) private _rules;
    /// @notice Block timestamp at which a manifest digest was recorded (0 when never).
    mapping(bytes32 digest => uint256) public recordedAt;
    /// @notice keccak256 of the exact bytes of governance/gate/tier-table.json: the rule table the gate classifies
    ///         plans with. The gate refuses to run when its local table hashes to anything else, so changing how
    ///         plans are classified is itself a `critical` change. Zero until the Consortium sets it.
    bytes32 public tierTableDigest;

    event ManifestRecorded(
        bytes32 indexed digest, uint8 indexed tier, address indexed proposer, uint8 regions, bytes32 planDigest
    );
    event RuleChanged(Tier indexed tier, uint8 dsps, uint8 board, bool regionDsp);
    event DspReplaced(uint8 indexed region, address indexed oldDsp, address indexed newDsp);
    event BoardSignerReplaced(address indexed oldSigner, address indexed newSigner);
    event TierTableDigestSet(bytes32 indexed previousDigest, bytes32 indexed newDigest);

    error RuleUnsatisfiable(Tier tier);
    error AlreadyMember(address account);
    error NotBoardSigner(address account);
    error UnknownRegion(uint8 region);
    error GroupMemberNotOwner(address member);
    error OwnerNotGroupMember(uint256 owners, uint256 members);
    error GuardianMismatch(address guardianRules);

    constructor(
        ISafe consortium_,
        AgentRegistry agents_,
        Guardian guardian_,
        address[REGION_COUNT] memory dsps,
        address[] memory board
    ) EIP712("DSC Federation", "1") ConsortiumOwned(consortium_) {
        // Guardian asks this contract who is a current agent, so it is deployed first, pointing here.
        if (address(guardian_.rules()) != address(this)) revert GuardianMismatch(address(guardian_.rules()));
        agents = agents_;
        guardian = guardian_;
        for (uint8 r = 0; r < REGION_COUNT; r++) {
            _admit(dsps[r], Group.Dsp, r);
            dspOf[r] = dsps[r];
        }
        for (uint256 i = 0; i < board.length; i++) {
            _admit(board[i], Group.Board, 0);
            _board.push(board[i]);
        }
        _setRule(Tier.Critical, Rule(REGION_COUNT, 1, false));
        _setRule(Tier.Fleet, Rule(2, 0, false));
        _setRule(Tier.Operational, Rule(0, 0, true));
        _setRule(Tier.Rotation, Rule(0, uint8(board.length), false));
        _setRule(Tier.Veto, Rule(0, 0, true));
    }

    // ----------------------------------------------------------------------------------------------- approvals

    /// @notice Checks a manifest approval without a transaction: the proposal (an agent's signature over the
    ///         manifest digest) and the owners' signature set over the Consortium's SafeMessage hash of the digest.
    /// @return digest The manifest digest (EIP-712 typed-data hash).
    /// @return verdict `refusal == None` when accepted; otherwise why, and about which signature/signer/group.
    function verify(Manifest calldata m, bytes calldata proposal, bytes calldata signatures)
        external
        view
        returns (bytes32 digest, Verdict memory verdict)
    {
        (digest, verdict,) = _verifyManifest(m, proposal, signatures);
    }

    /// @notice Records an approved manifest digest, once, with an event. Reverts with `ApprovalRefused` otherwise.
    function record(Manifest calldata m, bytes calldata proposal, bytes calldata signatures)
        external
        returns (bytes32 digest)
    {
        Verdict memory v;
        address proposer;
        (digest, v, proposer) = _verifyManifest(m, proposal, signatures);
        requireAccepted(v);
        recordedAt[digest] = block.timestamp;
        emit ManifestRecorded(digest, m.tier, proposer, m.regions, m.planDigest);
    }

    /// @notice Verifies a signature set over `dataHash` (a Safe transaction hash or a SafeMessage hash) against the
    ///         rule of `tier` for the regions in the `regions` mask. Used by the guard and the modules.
    /// @param executor Passed to the Safe's `checkNSignatures`: the account whose approved-hash signature (v = 1)
    ///        counts without an on-chain `approveHash` (the transaction's sender; zero for messages).
    /// @dev A tier without a signature rule (`emergency`, or any unset tier) is refused with `TierNotApprovable`, and
    ///      a region rule with an empty or unknown mask with `RegionsInvalid`: no set, not even an empty one, passes.
    function checkApproval(address executor, bytes32 dataHash, bytes calldata signatures, Tier tier, uint8 regions)
        public
        view
        returns (Verdict memory)
    {
        Rule memory rule = _rules[tier];
        if (rule.dsps == 0 && rule.board == 0 && !rule.regionDsp) return _refusal(Refusal.TierNotApprovable, 0, address(0));
        if (rule.regionDsp && (regions == 0 || regions > ALL_REGIONS)) return _refusal(Refusal.RegionsInvalid, 0, address(0));
        (uint256 n, bool wellFormed) = signatures.count();
        if (!wellFormed) return _refusal(Refusal.Malformed, 0, address(0));
        uint8 dspMask;
        uint256 boardCount;
        address last;
        for (uint256 i = 0; i < n; i++) {
            (Refusal refusal, address signer) = _checkedSigner(dataHash, signatures, i, last);
            if (refusal != Refusal.None) return _refusal(refusal, i, signer);
            last = signer;
            Member memory member = _members[signer];
            if (member.group == Group.Dsp) dspMask |= uint8(1 << member.region);
            else boardCount++;
        }
        try consortium.checkNSignatures(executor, dataHash, signatures, n) {}
        catch {
            return _refusal(Refusal.SafeRejected, n, address(0));
        }
        return _applyRule(rule, regions, dspMask, boardCount);
    }

    /// @notice The EIP-712 digest of a manifest, in this contract's domain (bound to chain id and address).
    function manifestDigest(Manifest calldata m) public view returns (bytes32) {
        bytes memory head = abi.encode(
            MANIFEST_TYPEHASH,
            keccak256(bytes(m.project)),
            keccak256(bytes(m.stack)),
            m.planDigest,
            keccak256(bytes(m.sourceCommit)),
            m.lockfileDigest
        );
        return _hashTypedDataV4(
            keccak256(bytes.concat(head, abi.encode(m.configDigest, m.tier, m.regions, m.expiry, m.nonce)))
        );
    }

    /// @notice The Consortium Safe's SafeMessage hash of `digest`: what owners sign, and what the Safe's
    ///         CompatibilityFallbackHandler checks in `isValidSignature(bytes32, bytes)`.
    function safeMessageHash(bytes32 digest) public view returns (bytes32) {
        bytes32 structHash = keccak256(abi.encode(SAFE_MSG_TYPEHASH, keccak256(abi.encode(digest))));
        return keccak256(abi.encodePacked(bytes1(0x19), bytes1(0x01), consortium.domainSeparator(), structHash));
    }

    // ------------------------------------------------------------------------------------------ administration

    /// @notice Changes the rule of a tier. Only the Consortium Safe. The rule must stay satisfiable by the groups.
    function setRule(Tier tier, Rule calldata rule) external onlyConsortium {
        _setRule(tier, rule);
    }

    /// @notice Sets the digest of the gate's tier table (keccak256 of governance/gate/tier-table.json's bytes).
    ///         Only the Consortium Safe: set once during deployment, later only by a `critical` transaction.
    function setTierTableDigest(bytes32 digest) external onlyConsortium {
        emit TierTableDigestSet(tierTableDigest, digest);
        tierTableDigest = digest;
    }

    /// @notice Replaces the DSP Safe of a region; the old one is revoked for good. Only the Consortium Safe (the
    ///         Board's rotation module, or `critical`); the Safe's owners must be swapped in the same transaction.
    function replaceDsp(uint8 region, address newDsp) external onlyConsortium {
        if (region >= REGION_COUNT) revert UnknownRegion(region);
        address oldDsp = dspOf[region];
        _members[oldDsp].group = Group.Revoked;
        _admit(newDsp, Group.Dsp, region);
        dspOf[region] = newDsp;
        emit DspReplaced(region, oldDsp, newDsp);
    }

    /// @notice Replaces a DAO Board signer; the old one is revoked for good. Only the Consortium Safe.
    function replaceBoardSigner(address oldSigner, address newSigner) external onlyConsortium {
        if (_members[oldSigner].group != Group.Board) revert NotBoardSigner(oldSigner);
        _members[oldSigner].group = Group.Revoked;
        _admit(newSigner, Group.Board, 0);
        for (uint256 i = 0; i < _board.length; i++) {
            if (_board[i] == oldSigner) _board[i] = newSigner;
        }
        emit BoardSignerReplaced(oldSigner, newSigner);
    }

    /// @notice Reverts unless the Consortium Safe's owners are exactly the group members (every member an owner, no
    ///         other owner). The guard calls it after each Safe transaction and both modules at the end of each
    ///         execution, so that nothing can leave `critical` unreachable or keep a revoked DSP among the owners.
    function assertConsistent() external view {
        for (uint8 r = 0; r < REGION_COUNT; r++) {
            if (!consortium.isOwner(dspOf[r])) revert GroupMemberNotOwner(dspOf[r]);
        }
        for (uint256 i = 0; i < _board.length; i++) {
            if (!consortium.isOwner(_board[i])) revert GroupMemberNotOwner(_board[i]);
        }
        // Members are distinct owners, so equal counts mean no owner outside the groups.
        uint256 owners = consortium.getOwners().length;
        if (owners != REGION_COUNT + _board.length) revert OwnerNotGroupMember(owners, REGION_COUNT + _board.length);
    }

    // ------------------------------------------------------------------------------------------------- views

    /// @notice Whether `agent` holds an agent token of a DSP that is still the current DSP of its region. An agent
    ///         of a revoked DSP keeps no power, however its DSP was revoked (rotation or a direct `critical` batch).
    function isCurrentAgent(address agent) public view returns (bool) {
        return agents.isAgent(agent) && _members[agents.dspOfAgent(agent)].group == Group.Dsp;
    }

    /// @notice The rule of a tier.
    function ruleOf(Tier tier) external view returns (Rule memory) {
        return _rules[tier];
    }

    /// @notice The DAO Board signers.
    function boardSigners() external view returns (address[] memory) {
        return _board;
    }

    /// @notice The group (and region, for a DSP) of an address.
    function memberOf(address account) external view returns (Group group, uint8 region) {
        Member memory m = _members[account];
        return (m.group, m.region);
    }

    // ---------------------------------------------------------------------------------------------- internals

    function _verifyManifest(Manifest calldata m, bytes calldata proposal, bytes calldata signatures)
        private
        view
        returns (bytes32 digest, Verdict memory verdict, address proposer)
    {
        digest = manifestDigest(m);
        Refusal early = _manifestRefusal(m, digest);
        if (early != Refusal.None) return (digest, _refusal(early, 0, address(0)), address(0));
        address proposerDsp;
        try agents.proposerOf(digest, proposal) returns (address agent, address dsp) {
            (proposer, proposerDsp) = (agent, dsp);
        } catch {
            return (digest, _refusal(Refusal.ProposerNotAgent, 0, address(0)), address(0));
        }
        if (_members[proposerDsp].group != Group.Dsp) {
            return (digest, _refusal(Refusal.ProposerDspRevoked, 0, proposerDsp), address(0));
        }
        verdict = checkApproval(address(0), safeMessageHash(digest), signatures, Tier(m.tier), m.regions);
    }

    function _manifestRefusal(Manifest calldata m, bytes32 digest) private view returns (Refusal) {
        if (m.tier > uint8(Tier.Operational)) return Refusal.TierNotApprovable;
        if (m.regions == 0 || m.regions > ALL_REGIONS) return Refusal.RegionsInvalid;
        if (m.tier == uint8(Tier.Operational) && _popcount(m.regions) != 1) return Refusal.RegionsNeedHigherTier;
        if (m.expiry <= block.timestamp) return Refusal.Expired;
        if (recordedAt[digest] != 0) return Refusal.AlreadyRecorded;
        if (m.tier != uint8(Tier.Critical) && guardian.paused()) return Refusal.Paused;
        return Refusal.None;
    }

    /// @dev Who signature `i` speaks for, refusing it early with a precise reason: malformed or high-s ECDSA,
    ///      signers outside the groups or revoked, unsorted or duplicated owners, contract signatures their
    ///      Safe rejects. The Consortium Safe's `checkNSignatures` then re-checks the whole set with Safe semantics.
    function _checkedSigner(bytes32 dataHash, bytes calldata sigs, uint256 i, address last)
        private
        view
        returns (Refusal, address)
    {
        (uint8 v, bytes32 r, bytes32 s) = sigs.split(i);
        address signer;
        if (v <= 1) {
            signer = address(uint160(uint256(r)));
        } else {
            if (uint256(s) > HALF_ORDER) return (Refusal.HighS, address(0));
            bytes32 hash = v > 30 ? MessageHashUtils.toEthSignedMessageHash(dataHash) : dataHash;
            uint8 ecdsaV = v > 30 ? v - 4 : v;
            if (ecdsaV != 27 && ecdsaV != 28) return (Refusal.Malformed, address(0));
            signer = ecrecover(hash, ecdsaV, r, s);
            if (signer == address(0)) return (Refusal.BadSignature, address(0));
        }
        Group group = _members[signer].group;
        if (group == Group.None) return (Refusal.UnknownSigner, signer);
        if (group == Group.Revoked) return (Refusal.RevokedSigner, signer);
        if (signer == last) return (Refusal.DuplicateSigner, signer);
        if (signer < last) return (Refusal.NotSorted, signer);
        if (v == 0 && !SignatureChecker.isValidERC1271SignatureNow(signer, dataHash, sigs.contractData(s))) {
            return (Refusal.ContractSignatureInvalid, signer);
        }
        return (Refusal.None, signer);
    }

    function _applyRule(Rule memory rule, uint8 regions, uint8 dspMask, uint256 boardCount)
        private
        view
        returns (Verdict memory)
    {
        if (rule.regionDsp) {
            for (uint8 r = 0; r < REGION_COUNT; r++) {
                bool touched = regions & (1 << r) != 0;
                if (touched && dspMask & (1 << r) == 0) return Verdict(Refusal.RegionDspMissing, r, dspOf[r], 0, 1);
            }
        }
        uint256 dsps = _popcount(dspMask);
        if (dsps < rule.dsps) return Verdict(Refusal.DspShortfall, 0, address(0), dsps, rule.dsps);
        if (boardCount < rule.board) return Verdict(Refusal.BoardShortfall, 0, address(0), boardCount, rule.board);
        return Verdict(Refusal.None, 0, address(0), 0, 0);
    }

    function _setRule(Tier tier, Rule memory rule) private {
        bool requiresSomeone = rule.dsps > 0 || rule.board > 0 || rule.regionDsp;
        bool reachable = rule.dsps <= REGION_COUNT && rule.board <= _board.length;
        if (tier == Tier.Emergency || !requiresSomeone || !reachable) revert RuleUnsatisfiable(tier);
        _rules[tier] = rule;
        emit RuleChanged(tier, rule.dsps, rule.board, rule.regionDsp);
    }

    function _admit(address account, Group group, uint8 region) private {
        if (account == address(0)) revert ZeroAddress();
        if (_members[account].group != Group.None) revert AlreadyMember(account);
        _members[account] = Member(group, region);
    }

    function _refusal(Refusal refusal, uint256 index, address signer) private pure returns (Verdict memory) {
        return Verdict(refusal, index, signer, 0, 0);
    }

    function _popcount(uint8 mask) private pure returns (uint256 bits) {
        for (; mask != 0; mask &= mask - 1) bits++;
    }
}
