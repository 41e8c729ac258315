import { z } from "zod";
import { id } from "../projects/schemas";

export const layerName = z.string().trim().min(1, "is required").max(100, "must be at most 100 characters");

export const createDataLayerInput = z.object({
  projectId: id,
  name: layerName,
  kind: z.enum(["shared", "personal"]),
});
export const dataLayerIdInput = z.object({ dataLayerId: id });
