// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {Enum} from "@safe-global/safe-smart-account/contracts/libraries/Enum.sol";

/// @notice The parts of a Safe v1.5.0 the consortium contracts call.
interface ISafe {
    function checkNSignatures(address executor, bytes32 dataHash, bytes memory signatures, uint256 requiredSignatures)
        external
        view;
    function isOwner(address owner) external view returns (bool);
    function getOwners() external view returns (address[] memory);
    function getThreshold() external view returns (uint256);
    function nonce() external view returns (uint256);
    function domainSeparator() external view returns (bytes32);
    function getTransactionHash(
        address to,
        uint256 value,
        bytes calldata data,
        Enum.Operation operation,
        uint256 safeTxGas,
        uint256 baseGas,
        uint256 gasPrice,
        address gasToken,
        address refundReceiver,
        uint256 _nonce
    ) external view returns (bytes32);
    function execTransactionFromModule(address to, uint256 value, bytes memory data, Enum.Operation operation)
        external
        returns (bool success);
    function swapOwner(address prevOwner, address oldOwner, address newOwner) external;
    function isModuleEnabled(address module) external view returns (bool);
    function getStorageAt(uint256 offset, uint256 length) external view returns (bytes memory);
    function signedMessages(bytes32 messageHash) external view returns (uint256);
}
