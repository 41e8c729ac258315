export { assertMasterSecret } from "./check";
export { Keyring, type Purpose } from "./keyring";
export { generateToken, hashToken, isWellFormedToken, tokenHashHex, tokenStart } from "./token";
