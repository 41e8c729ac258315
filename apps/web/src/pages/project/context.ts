import { type Accessor, createContext, useContext } from "solid-js";
import type { RouterOutputs } from "../../lib/trpc";

export type ProjectInfo = RouterOutputs["projects"]["get"];
export type ProjectPermission = ProjectInfo["permissions"][number];

export interface ProjectContextValue {
  projectId: Accessor<number>;
  /** The project with the caller's permissions; undefined while loading or when only its About page is visible. */
  project: Accessor<ProjectInfo | undefined>;
  can: (permission: string) => boolean;
  /** A project-level grant covers every node. */
  canOnNode: (permission: string, nodeId: number) => boolean;
  refetch: () => void;
}

export const ProjectContext = createContext<ProjectContextValue>();

export function useProject(): ProjectContextValue {
  const ctx = useContext(ProjectContext);
  if (!ctx) throw new Error("useProject outside a project page");
  return ctx;
}
