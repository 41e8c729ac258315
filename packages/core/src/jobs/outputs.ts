import {
  filePath,
  MAX_FILES,
  MAX_OUTPUTS_PER_JOB,
  MAX_PACKAGE_FILE_BYTES,
  packageFields,
  packageLabel,
} from "@keyflow/schemas";
import { z } from "zod";

/** What a job wrote to `out/<n>/`, checked with the same size limits as packages from outside. */
export const jobOutputsSchema = z.object({
  outputs: z
    .array(
      z.object({
        label: packageLabel,
        fields: packageFields,
        files: z
          .array(
            z.object({
              name: filePath,
              bytes: z
                .instanceof(Buffer)
                .refine((b) => b.byteLength <= MAX_PACKAGE_FILE_BYTES, "must be at most 50 MiB"),
              executable: z.boolean().optional(),
            }),
          )
          .max(MAX_FILES, `must be at most ${MAX_FILES} files`),
      }),
    )
    .max(MAX_OUTPUTS_PER_JOB, `must be at most ${MAX_OUTPUTS_PER_JOB} packages`),
});
