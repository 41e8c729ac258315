export { addField, removeField, updateField } from "./fields";
export { KEY_CHANNEL, type KeyScope, keysChanged, onKeysChanged } from "./invalidation";
export { findKeyByHash, keyIsUsable, keyState, myKeys, revealKey, revokeKey, type VerifiedKey } from "./keys";
export { approveRequest, listRequests, rejectRequest, requestKey, withdrawRequest } from "./requests";
export { assertTemplateRoles, templatesUsingRole } from "./templateRule";
export {
  createTemplate,
  deleteTemplate,
  listTemplates,
  RECOMMENDED_FIELDS,
  revokeKeys,
  updateTemplate,
} from "./templates";
export { keyTiles, type TileState } from "./tiles";
