// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ConsortiumOwned} from "./ConsortiumOwned.sol";
import {ISafe} from "./ISafe.sol";

/// @title Announcements
/// @notice The Brand's voice: a post records a content hash and URI, and only the Consortium Safe can post
///         (through the TierModule at `fleet`). Anyone verifies an announcement here, or with any EIP-1271 client:
///         the Consortium Safe's `isValidSignature(announcementDigest(contentHash), "")` answers yes once posted.
/// @dev The EIP-1271 answer is for the EIP-712 `Announcement` digest in this contract's domain, never for the raw
///      content hash: a `fleet` post can thus never make the Brand "sign" a permit or an order.
contract Announcements is EIP712, ConsortiumOwned {
    struct Announcement {
        string uri;
        uint64 postedAt;
    }

    bytes32 public constant ANNOUNCEMENT_TYPEHASH = keccak256("Announcement(bytes32 contentHash)");

    mapping(bytes32 contentHash => Announcement) private _posts;
    /// @notice Whether an `Announcement` digest was posted (what the Consortium's fallback handler asks).
    mapping(bytes32 digest => bool) public isAnnouncedDigest;

    event Announced(bytes32 indexed contentHash, string uri);

    error AlreadyAnnounced(bytes32 contentHash);
    error EmptyContentHash();

    constructor(ISafe consortium_) EIP712("DSC Announcements", "1") ConsortiumOwned(consortium_) {}

    /// @notice Posts an announcement. Only the Consortium Safe.
    function post(bytes32 contentHash, string calldata uri) external onlyConsortium {
        if (contentHash == bytes32(0)) revert EmptyContentHash();
        if (_posts[contentHash].postedAt != 0) revert AlreadyAnnounced(contentHash);
        _posts[contentHash] = Announcement(uri, uint64(block.timestamp));
        isAnnouncedDigest[announcementDigest(contentHash)] = true;
        emit Announced(contentHash, uri);
    }

    /// @notice Whether the Consortium posted `contentHash`, with its URI and time (0 when never posted).
    function announcement(bytes32 contentHash) external view returns (bool posted, string memory uri, uint64 postedAt) {
        Announcement storage a = _posts[contentHash];
        return (a.postedAt != 0, a.uri, a.postedAt);
    }

    /// @notice The EIP-712 digest an EIP-1271 client checks against the Consortium Safe for `contentHash`.
    function announcementDigest(bytes32 contentHash) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(ANNOUNCEMENT_TYPEHASH, contentHash)));
    }
}
