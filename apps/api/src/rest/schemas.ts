import { z } from "@hono/zod-openapi";
import {
  id,
  MAX_FIELDS_BYTES,
  MAX_FILES,
  packageFile as packageFileSchema,
  packageLabel,
  pageNumber,
  pageSize,
  rndflowFields,
  sha256Hex,
} from "@keyflow/schemas";

// Request and response shapes of the REST data plane (SPEC §5), in the snake_case the RnDFlow
// Python client sends and reads. Limits come from @keyflow/schemas, as in core. Descriptions go
// through zod's own `.meta()`, which every schema has: `.openapi()` exists only on schemas built
// after @hono/zod-openapi loaded, so it only names the components built in this file.

const POSITIVE_INTEGER = "must be a positive integer";

/** An integer in a path or query string: decimal digits, then the same schema (bounds) as in JSON. */
const integerString = <T extends z.ZodType<number>>(schema: T) =>
  z.preprocess((value, ctx) => {
    if (typeof value === "string" && /^\d+$/.test(value)) return Number(value);
    ctx.addIssue({ code: "custom", message: POSITIVE_INTEGER, input: value });
    return z.NEVER;
  }, schema);

const idString = (description: string) => integerString(id).meta({ description });

export const projectPath = z.object({ projectId: idString("Project id") });
export const nodePath = projectPath.extend({ nodeId: idString("Node id") });
export const packagePath = nodePath.extend({ packageId: idString("Package id") });
const sha256 = sha256Hex.meta({ description: "SHA-256 hex of the bytes" });
export const objectPath = projectPath.extend({ sha256 });
export const blobPath = z.object({ sha256 });

const LAYER_RULE =
  "An API key defaults to its personal layer; a signed-in user must give one (else 422 `data_layer_id: is required`).";

export const layerQuery = z.object({
  data_layer_id: idString(
    `Data layer. May be sent in the JSON body instead, as the RnDFlow client's documentation examples do. ${LAYER_RULE}`,
  ).optional(),
});

export const searchQuery = layerQuery.extend({
  // page=0 is refused like any id ("must be a positive integer"), up to the page limit of every list
  page: integerString(id.max(pageNumber.maxValue ?? Number.MAX_SAFE_INTEGER))
    .meta({ description: "Page, from 1" })
    .optional(),
  page_size: integerString(pageSize).meta({ description: "Packages per page, default 10" }).optional(),
});

/** The query of a signed URL; a URL missing a part is refused like a tampered one (403). */
export const signatureQuery = z.object({
  s: z.string().meta({ description: "Who the URL was issued to" }).optional(),
  e: z.string().meta({ description: "Expiry, Unix seconds" }).optional(),
  sig: z.string().meta({ description: "HMAC over action, hash, subject and expiry" }).optional(),
});

const fields = (description: string) => rndflowFields.meta({ description }).optional();

const bodyLayer = id
  .nullable()
  .meta({ description: `Data layer, when the query has none. ${LAYER_RULE}` })
  .optional();

// the core shape of a package file, so names, hashes and types are checked by the same rules
const packageFile = packageFileSchema.shape;

export const newPackageFile = z
  .object({
    name: packageFile.name,
    content_hash: packageFile.contentHash.meta({
      description: "SHA-256 of bytes stored already (PUT /api/projects/{projectId}/objects/{sha256})",
    }),
    type: packageFile.type,
    is_executable: packageFile.isExecutable,
  })
  .openapi("NewPackageFile", { description: "Other keys (the client's `size`) are ignored." });

export const newPackageBody = z
  .object({
    label: packageLabel.optional(),
    fields: fields(
      `An object, or the RnDFlow client's list of \`{name, value}\` (a missing value is null); at most ${MAX_FIELDS_BYTES / 1024} KiB as JSON.`,
    ),
    felds: fields(
      "The misspelt `fields` that the RnDFlow client's `create_package_and_post` sends; used when `fields` is absent.",
    ),
    data_layer_id: bodyLayer,
    files: z.array(newPackageFile).max(MAX_FILES, `must be at most ${MAX_FILES} files`).nullable().optional(),
  })
  .openapi("NewPackage", { description: "Unknown keys are ignored. An empty body is `{}`." });

export const packageSearchBody = z
  .object({
    master_id: id
      .nullable()
      .meta({ description: "Only packages of this lineage; null or absent: all packages" })
      .optional(),
    data_layer_id: bodyLayer,
  })
  .openapi("PackageSearch", { description: "Unknown keys are ignored. An empty body is `{}`." });

export const errorBody = z
  .object({
    detail: z.string().meta({
      description:
        "What went wrong; for invalid input it starts with the field, as in `page_size: must be between 1 and 100`",
    }),
  })
  .openapi("Error");

export const dataLayerJson = z
  .object({ id, name: z.string(), kind: z.enum(["shared", "personal"]), owner_id: id.nullable() })
  .openapi("DataLayer");

export const packageJson = z
  .object({
    id,
    label: z.string(),
    fields: z.array(z.object({ name: z.string(), value: z.unknown() })),
    master_id: id,
    parent_id: id.nullable(),
    node_id: id,
    data_layer_id: id,
    created_at: z.iso.datetime(),
  })
  .openapi("Package");

export const packagePage = z
  .object({ total: z.number().int().min(0), items: z.array(packageJson) })
  .openapi("PackagePage", { description: "Newest first" });

export const packageFileJson = z
  .object({
    name: z.string(),
    content: z.url().meta({
      description: "Signed download URL, valid about 10 minutes, needing no Authorization header",
    }),
    content_hash: sha256Hex,
    size: z.number().int().min(0),
    type: z.string(),
    is_executable: z.boolean(),
  })
  .openapi("PackageFile");

export const storedObject = z
  .object({ content_hash: sha256Hex, size: z.number().int().min(0) })
  .openapi("StoredObject");

/** A body or answer of raw bytes (not validated: uploads are checked against their hash). */
export const rawBytes = { type: "string", format: "binary" } as const;

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

const REFUSALS = {
  401: json(
    errorBody,
    "Missing, unknown, revoked or expired key, or signed out where the public role is not enough",
  ),
  403: json(errorBody, "No permission"),
  404: json(errorBody, "Unknown or invisible project, node, package, layer or file"),
  413: json(errorBody, "Body too large"),
  422: json(errorBody, "Invalid input; the message names the field"),
  429: json(errorBody, "Rate limit or too many invalid keys (see Retry-After)"),
  500: json(errorBody, "Internal error (logged)"),
};

/** The documented error answers of a route, all `{"detail": …}`. */
export function refusals<C extends keyof typeof REFUSALS>(...codes: C[]): Pick<typeof REFUSALS, C> {
  return Object.fromEntries(codes.map((code) => [code, REFUSALS[code]])) as Pick<typeof REFUSALS, C>;
}
