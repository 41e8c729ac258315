export { assertMasterSecret } from "./check";
export { Keyring, type Purpose } from "./keyring";
export { generateToken, hashToken, isWellFormedToken, TOKEN_LENGTH, tokenStart } from "./token";
