import { z } from "zod";
import { id, name } from "./primitives";

export const layerName = name(100);

export const createDataLayerInput = z.object({
  projectId: id,
  name: layerName,
  kind: z.enum(["shared", "personal"]),
});
export const dataLayerIdInput = z.object({ dataLayerId: id });
