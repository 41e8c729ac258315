/**
 * Token format (SPEC §7, §14): prefix + 40 base62 CSPRNG characters + the CRC32 of those 40 in
 * base62, left-padded to 6, so secret scanners recognise them and typos fail without a lookup.
 */
export const TOKEN_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** A data-plane API key (accepted on /api only). */
export const API_KEY_PREFIX = "kf_";
/** A personal access token of an internal tool (accepted on /trpc only). */
export const ACCESS_TOKEN_PREFIX = "kfp_";
export const TOKEN_BODY_LENGTH = 40;
export const TOKEN_CHECK_LENGTH = 6;
export const API_KEY_LENGTH = API_KEY_PREFIX.length + TOKEN_BODY_LENGTH + TOKEN_CHECK_LENGTH;
