// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {ConsortiumOwned} from "./ConsortiumOwned.sol";
import {ISafe} from "./ISafe.sol";

/// @notice ERC-5192 minimal soulbound interface (interface id 0xb45a3c0e).
interface IERC5192 {
    event Locked(uint256 tokenId);
    event Unlocked(uint256 tokenId);

    function locked(uint256 tokenId) external view returns (bool);
}

/// @title AgentRegistry
/// @notice The soulbound identity of each DSP: one ERC-721 token per DSP, held by the DSP's agent address,
///         minted and burned only by the Consortium Safe. Tokens never move and cannot be approved.
contract AgentRegistry is ERC721, IERC5192, ConsortiumOwned {
    struct Agent {
        address dsp;
        uint256 tokenId;
    }

    uint256 private _lastTokenId;
    mapping(uint256 tokenId => address dsp) private _dspOfToken;
    mapping(address dsp => uint256 tokenId) private _tokenOfDsp;
    mapping(address agent => uint256 tokenId) private _tokenOfAgent;

    event AgentMinted(uint256 indexed tokenId, address indexed agent, address indexed dsp);
    event AgentBurned(uint256 indexed tokenId, address indexed agent, address indexed dsp);

    error Soulbound();
    error DspAlreadyHasAgent(address dsp, uint256 tokenId);
    error AddressAlreadyAgent(address agent);
    error NotAnAgent(address signer);

    constructor(ISafe consortium_) ERC721("DSC Agent", "DSCA") ConsortiumOwned(consortium_) {}

    /// @notice Mints the agent token of `dsp` to `agent`. Only the Consortium Safe.
    function mint(address agent, address dsp) external onlyConsortium returns (uint256 tokenId) {
        if (agent == address(0) || dsp == address(0)) revert ZeroAddress();
        if (_tokenOfDsp[dsp] != 0) revert DspAlreadyHasAgent(dsp, _tokenOfDsp[dsp]);
        if (_tokenOfAgent[agent] != 0) revert AddressAlreadyAgent(agent);
        tokenId = ++_lastTokenId;
        _dspOfToken[tokenId] = dsp;
        _tokenOfDsp[dsp] = tokenId;
        _tokenOfAgent[agent] = tokenId;
        _mint(agent, tokenId);
        emit Locked(tokenId);
        emit AgentMinted(tokenId, agent, dsp);
    }

    /// @notice Burns the agent token of `dsp`. Only the Consortium Safe.
    function burnAgentOf(address dsp) external onlyConsortium {
        uint256 tokenId = _tokenOfDsp[dsp];
        address agent = _requireOwned(tokenId);
        delete _tokenOfDsp[dsp];
        delete _tokenOfAgent[agent];
        delete _dspOfToken[tokenId];
        _burn(tokenId);
        emit AgentBurned(tokenId, agent, dsp);
    }

    /// @notice Whether `account` currently holds an agent token.
    function isAgent(address account) public view returns (bool) {
        return _tokenOfAgent[account] != 0;
    }

    /// @notice The DSP whose agent is `agent` (zero address when it is not an agent).
    function dspOfAgent(address agent) public view returns (address) {
        return _dspOfToken[_tokenOfAgent[agent]];
    }

    /// @notice The current agent of `dsp` (zero address when it has none).
    function agentOfDsp(address dsp) external view returns (address) {
        uint256 tokenId = _tokenOfDsp[dsp];
        return tokenId == 0 ? address(0) : ownerOf(tokenId);
    }

    /// @notice Recovers who signed a proposal (the agent's ECDSA signature over the manifest digest, low-s only)
    ///         and the DSP it speaks for; reverts with `NotAnAgent` when the signer holds no agent token.
    function proposerOf(bytes32 digest, bytes calldata signature) external view returns (address agent, address dsp) {
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(digest, signature);
        if (err != ECDSA.RecoverError.NoError || !isAgent(signer)) revert NotAnAgent(signer);
        return (signer, dspOfAgent(signer));
    }

    /// @notice ERC-5192: every existing token is locked.
    function locked(uint256 tokenId) external view returns (bool) {
        _requireOwned(tokenId);
        return true;
    }

    /// @notice Approvals are meaningless for soulbound tokens and always revert.
    function approve(address, uint256) public pure override {
        revert Soulbound();
    }

    /// @notice Operator approvals always revert.
    function setApprovalForAll(address, bool) public pure override {
        revert Soulbound();
    }

    /// @notice ERC-165, including ERC-5192.
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IERC5192).interfaceId || super.supportsInterface(interfaceId);
    }

    /// @dev Mints (from = 0) and burns (to = 0) pass; every transfer between two holders reverts.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        from = _ownerOf(tokenId);
        if (from != address(0) && to != address(0)) revert Soulbound();
        return super._update(to, tokenId, auth);
    }
}
