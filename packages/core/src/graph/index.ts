export { deleteFile, listFiles, type NodeFileView, putFile } from "./files";
export { getGraph } from "./getGraph";
export { createLink, deleteLink, type LinkView } from "./links";
export { createNode, deleteNode, type LastJob, type NodeView, setActive, updateNode } from "./nodes";
