export { keyHashesSince } from "./directory";
export { type ExpiryNoticeCounts, sendExpiryNotices } from "./expiry";
export { addField, removeField, updateField } from "./fields";
export { KEY_CHANNEL, type KeyScope, keysChanged, onKeysChanged } from "./invalidation";
export {
  findKeyByHash,
  type KeyFilter,
  keyIsUsable,
  keyState,
  revealKey,
  revokeKey,
  revokeKeys,
  type VerifiedKey,
} from "./keys";
export {
  type Actor,
  assertKeyTransition,
  canTransitionKey,
  KEY_TRANSITIONS,
  keyTransitionMessage,
  REQUEST_TRANSITIONS,
} from "./lifecycle";
export { type KeyImport, myKeys } from "./myKeys";
export { approveRequest, listRequests, rejectRequest, requestKey, withdrawRequest } from "./requests";
export { type RollResult, rollKey } from "./roll";
export { resumeKey, suspendKey } from "./suspend";
export { assertTemplateRoles, templatesUsingRole } from "./templateRule";
export {
  createTemplate,
  deleteTemplate,
  listTemplates,
  RECOMMENDED_FIELDS,
  updateTemplate,
} from "./templates";
export { keyTiles, type TileState } from "./tiles";
