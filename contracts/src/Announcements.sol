// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {ConsortiumOwned} from "./ConsortiumOwned.sol";
import {ISafe} from "./ISafe.sol";

/// @title Announcements
/// @notice The Brand's voice: a post records a content hash and URI, and only the Consortium Safe can post
///         (through the TierModule at `fleet`). Anyone verifies an announcement by reading it here.
contract Announcements is ConsortiumOwned {
    struct Announcement {
        string uri;
        uint64 postedAt;
    }

    mapping(bytes32 contentHash => Announcement) private _posts;

    event Announced(bytes32 indexed contentHash, string uri);

    error AlreadyAnnounced(bytes32 contentHash);
    error EmptyContentHash();

    constructor(ISafe consortium_) ConsortiumOwned(consortium_) {}

    /// @notice Posts an announcement. Only the Consortium Safe.
    function post(bytes32 contentHash, string calldata uri) external onlyConsortium {
        if (contentHash == bytes32(0)) revert EmptyContentHash();
        if (_posts[contentHash].postedAt != 0) revert AlreadyAnnounced(contentHash);
        _posts[contentHash] = Announcement(uri, uint64(block.timestamp));
        emit Announced(contentHash, uri);
    }

    /// @notice Whether the Consortium posted `contentHash`, with its URI and time (0 when never posted).
    function announcement(bytes32 contentHash) external view returns (bool posted, string memory uri, uint64 postedAt) {
        Announcement storage a = _posts[contentHash];
        return (a.postedAt != 0, a.uri, a.postedAt);
    }
}
