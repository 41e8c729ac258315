import { z } from "zod";
import { filePath, jsonObject, text } from "../graph/schemas";
import { MAX_FIELDS_BYTES, MAX_FILES, MAX_LABEL_BYTES } from "../packages/schemas";
import { id } from "../projects/schemas";

export const MAX_JOB_FILE_BYTES = 50 * 1024 * 1024;
/** Packages one job may produce. */
export const MAX_OUTPUTS_PER_JOB = 1000;

export const listJobsInput = z.object({ nodeId: id, dataLayerId: id.optional() });
export const jobIdInput = z.object({ jobId: id });

/** What a job wrote to `out/<n>/`, checked with the same size limits as packages from outside. */
export const jobOutputsSchema = z.object({
  outputs: z
    .array(
      z.object({
        label: text().refine((s) => Buffer.byteLength(s) <= MAX_LABEL_BYTES, "must be at most 1 KiB"),
        fields: jsonObject(MAX_FIELDS_BYTES, "must be at most 256 KiB as JSON"),
        files: z
          .array(
            z.object({
              name: filePath,
              bytes: z
                .instanceof(Buffer)
                .refine((b) => b.byteLength <= MAX_JOB_FILE_BYTES, "must be at most 50 MiB"),
              executable: z.boolean().optional(),
            }),
          )
          .max(MAX_FILES, `must be at most ${MAX_FILES} files`),
      }),
    )
    .max(MAX_OUTPUTS_PER_JOB, `must be at most ${MAX_OUTPUTS_PER_JOB} packages`),
});
