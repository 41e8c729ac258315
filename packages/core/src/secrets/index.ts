export { secretEnvName } from "@keyflow/schemas";
export { importApiKey } from "./importKey";
export { createSecret, deleteSecret, listSecrets, revealSecret, updateSecret } from "./manage";
export { grantKeyToNode, secretNamesForNode, setNodes } from "./nodes";
export { secretAad, secretValuesForNode } from "./values";
export type { SecretView } from "./views";
