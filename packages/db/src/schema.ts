import type { ColumnType, Generated } from "kysely";

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json<T = unknown> = ColumnType<T, string, string>;

export interface UsersTable {
  id: Generated<number>;
  email: string;
  name: string;
  password_hash: string;
  created_at: CreatedAt;
}

export interface UserSessionsTable {
  id: string;
  user_id: number;
  expires_at: Timestamp;
}

export interface AuthThrottleTable {
  key: string;
  failures: number;
  window_start: Timestamp;
  locked_until: Timestamp | null;
}

export interface ProjectsTable {
  id: Generated<number>;
  name: string;
  description: Generated<string>;
  is_public: Generated<boolean>;
  created_by: number | null;
  created_at: CreatedAt;
  deleted_at: Timestamp | null;
}

export interface RolesTable {
  id: Generated<number>;
  project_id: number;
  name: string;
  description: Generated<string>;
  is_owner: Generated<boolean>;
  is_public: Generated<boolean>;
  permissions: ColumnType<string[], string[] | undefined, string[]>;
  created_at: CreatedAt;
}

export interface MembersTable {
  project_id: number;
  user_id: number;
  created_at: CreatedAt;
}

export interface MemberRolesTable {
  project_id: number;
  user_id: number;
  role_id: number;
}

export interface NodesTable {
  id: Generated<number>;
  project_id: number;
  name: string;
  kind: "data" | "compute";
  description: Generated<string>;
  runtime: "node" | "python" | null;
  entry: string | null;
  timeout_s: Generated<number>;
  params: ColumnType<Record<string, unknown>, string | undefined, string>;
  pos_x: number | null;
  pos_y: number | null;
  created_at: CreatedAt;
}

export interface RoleNodePermissionsTable {
  role_id: number;
  node_id: number;
  permissions: string[];
}

export interface LinksTable {
  id: Generated<number>;
  project_id: number;
  from_node_id: number;
  to_node_id: number;
  label_filter: string | null;
  filter_error: string | null;
  created_at: CreatedAt;
}

export interface NodeFilesTable {
  node_id: number;
  path: string;
  content: Buffer;
  executable: Generated<boolean>;
  updated_at: Timestamp;
}

export interface DataLayersTable {
  id: Generated<number>;
  project_id: number;
  name: string;
  kind: "shared" | "personal";
  owner_id: number | null;
  created_at: CreatedAt;
}

export interface NodeLayerStateTable {
  node_id: number;
  data_layer_id: number;
  active: boolean;
}

export interface BlobsTable {
  hash: string;
  content: Buffer;
  size: ColumnType<string, number, number>;
  created_at: CreatedAt;
}

export interface PackagesTable {
  id: Generated<number>;
  project_id: number;
  node_id: number;
  data_layer_id: number;
  label: Generated<string>;
  fields: Json<Record<string, unknown>>;
  master_id: number;
  parent_id: number | null;
  origin: "external" | "push" | "job";
  node_path: number[];
  created_by: number | null;
  created_at: CreatedAt;
}

export interface PackageFilesTable {
  package_id: number;
  name: string;
  blob_hash: string;
  type: Generated<string>;
  is_executable: Generated<boolean>;
  size: ColumnType<string, number, number>;
}

export interface AuditLogTable {
  id: Generated<number>;
  project_id: number | null;
  actor_id: number | null;
  action: string;
  target: Generated<string>;
  details: Json<Record<string, unknown>>;
  created_at: CreatedAt;
}

export interface DevMailboxTable {
  id: Generated<number>;
  mail_from: string;
  mail_to: string[];
  subject: string;
  text_body: Generated<string>;
  html_body: Generated<string>;
  received_at: CreatedAt;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface ApiKeyTemplatesTable {
  id: Generated<number>;
  project_id: number;
  name: string;
  description: Generated<string>;
  role_id: number | null;
  /** numeric: kept as a decimal string */
  price_per_request: ColumnType<string, string | undefined, string>;
  rate_limit_per_minute: number | null;
  key_ttl_days: number | null;
  allow_shared_layers: Generated<boolean>;
  /** "auto": a request issues the key at once (SPEC §12) */
  approval: Generated<"manual" | "auto">;
  /** caps every key's lifetime, also an expiry chosen at approval; null = unlimited */
  max_ttl_days: number | null;
  /** up to 5 questions the requester answers: `[{id, text, required}]` */
  request_questions: ColumnType<RequestQuestion[], string | undefined, string>;
  /** over the rate limit: "reject" (429) or "wait" (held up to 10 s, for the RnDFlow client) */
  rate_limit_mode: Generated<"reject" | "wait">;
  /** a quota of requests answered < 400 per period; both null = no quota */
  quota_requests: number | null;
  quota_period: "day" | "month" | "total" | null;
  created_at: CreatedAt;
  deleted_at: Timestamp | null;
}

export interface RequestQuestion {
  id: string;
  text: string;
  required: boolean;
}

export interface ApiKeyTemplateFieldsTable {
  id: Generated<number>;
  template_id: number;
  name: string;
  description: Generated<string>;
  value: Generated<string>;
  node_id: number | null;
  from_node: Generated<boolean>;
  created_at: CreatedAt;
}

export type KeyRequestStatus = "pending" | "approved" | "rejected" | "withdrawn" | "cancelled";

export interface KeyRequestsTable {
  id: Generated<number>;
  project_id: number;
  template_id: number;
  user_id: number;
  message: Generated<string>;
  status: KeyRequestStatus;
  reason: Generated<string>;
  decided_by: number | null;
  decided_at: Timestamp | null;
  /** answers to the template's request questions, by question id */
  answers: ColumnType<Record<string, string>, string | undefined, string>;
  /** the expiry a manager set at approval (null: the template's default) */
  expires_at: Timestamp | null;
  created_at: CreatedAt;
}

export interface ApiKeysTable {
  id: Generated<number>;
  project_id: number;
  template_id: number;
  user_id: number;
  request_id: number | null;
  data_layer_id: number;
  token_hash: Buffer;
  token_encrypted: string;
  token_start: string;
  created_at: CreatedAt;
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
  revoked_by: number | null;
  revoke_reason: string | null;
  suspended_at: Timestamp | null;
  suspended_by: number | null;
  suspend_reason: string | null;
  /** the token before the last roll: accepted until previous_token_until, then refused as rolled */
  previous_token_hash: Buffer | null;
  previous_token_until: Timestamp | null;
  rolled_at: Timestamp | null;
  rolled_by: number | null;
  /** expiry notices already sent (each at most once per key) */
  notified_7d_at: Timestamp | null;
  notified_1d_at: Timestamp | null;
  notified_expired_at: Timestamp | null;
}

export type UsageOutcome = "ok" | "client_error" | "server_error" | "rate_limited" | "denied";

/** Usage events stored as blocks: one row per key and UTC minute of a write, one array element per event. */
export interface UsageEventBlocksTable {
  id: Generated<string>;
  key_id: number;
  /** date_trunc('minute', at, 'UTC') of every event in the block */
  minute: Timestamp;
  at: Date[];
  method: string[];
  route: string[];
  status: number[];
  outcome: UsageOutcome[];
  duration_ms: number[];
  price: string[];
  /** where each call came from (SPEC §13) */
  ip: (string | null)[];
}

type ViewColumn<T> = ColumnType<T, never, never>;

/** The view `usage_events`: one read-only row per event of usage_event_blocks. */
export interface UsageEventsView {
  key_id: ViewColumn<number>;
  at: ViewColumn<Date>;
  method: ViewColumn<string>;
  route: ViewColumn<string>;
  status: ViewColumn<number>;
  outcome: ViewColumn<UsageOutcome>;
  duration_ms: ViewColumn<number>;
  price: ViewColumn<string>;
  ip: ViewColumn<string | null>;
}

export interface RateWindowsTable {
  key_id: number;
  window_start: Timestamp;
  used: number;
  last_grant: number;
}

export interface QuotaUsageTable {
  key_id: number;
  period_start: Timestamp;
  leased: Generated<number>;
  granted: Generated<number>;
  notified_80_at: Timestamp | null;
  notified_100_at: Timestamp | null;
}

export interface UsageHourlyTable {
  key_id: number;
  hour: Timestamp;
  requests: number;
  errors: number;
  ok: number;
  client_error: number;
  server_error: number;
  rate_limited: number;
  denied: number;
  cost: ColumnType<string, string, string>;
  last_used_at: Timestamp;
}

export interface SecretsTable {
  id: Generated<number>;
  project_id: number;
  name: string;
  description: Generated<string>;
  type: Generated<"variable">;
  value_encrypted: string;
  source_key_id: number | null;
  source_field: string | null;
  write_only: Generated<boolean>;
  created_by: number | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface SecretNodesTable {
  secret_id: number;
  node_id: number;
}

export type JobState = "queued" | "running" | "completed" | "failed" | "timeout";

export interface JobsTable {
  id: Generated<number>;
  project_id: number;
  node_id: number;
  package_id: number;
  data_layer_id: number;
  state: JobState;
  exit_code: number | null;
  log: Generated<string>;
  log_truncated: Generated<boolean>;
  error: string | null;
  outputs: Generated<number>;
  created_at: CreatedAt;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
}

/** A running worker process, refreshed every few seconds (crash recovery of its locked jobs). */
export interface WorkerHeartbeatsTable {
  worker_id: string;
  lock_ids: ColumnType<string[], string[], string[]>;
  host: string;
  pid: number;
  started_at: CreatedAt;
  seen_at: Timestamp;
}

/** A send_email job that started sending; `sent_at` once the SMTP server accepted the message. */
export interface EmailDeliveriesTable {
  job_id: ColumnType<number, number, never>;
  created_at: CreatedAt;
  sent_at: Timestamp | null;
}

export interface AccessTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  token_hash: Buffer;
  token_start: string;
  created_at: CreatedAt;
  expires_at: Timestamp | null;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface Database {
  users: UsersTable;
  user_sessions: UserSessionsTable;
  auth_throttle: AuthThrottleTable;
  projects: ProjectsTable;
  roles: RolesTable;
  members: MembersTable;
  member_roles: MemberRolesTable;
  nodes: NodesTable;
  role_node_permissions: RoleNodePermissionsTable;
  links: LinksTable;
  node_files: NodeFilesTable;
  data_layers: DataLayersTable;
  node_layer_state: NodeLayerStateTable;
  blobs: BlobsTable;
  packages: PackagesTable;
  package_files: PackageFilesTable;
  audit_log: AuditLogTable;
  dev_mailbox: DevMailboxTable;
  settings: SettingsTable;
  api_key_templates: ApiKeyTemplatesTable;
  api_key_template_fields: ApiKeyTemplateFieldsTable;
  key_requests: KeyRequestsTable;
  api_keys: ApiKeysTable;
  access_tokens: AccessTokensTable;
  usage_event_blocks: UsageEventBlocksTable;
  usage_events: UsageEventsView;
  usage_hourly: UsageHourlyTable;
  secrets: SecretsTable;
  secret_nodes: SecretNodesTable;
  jobs: JobsTable;
  worker_heartbeats: WorkerHeartbeatsTable;
  email_deliveries: EmailDeliveriesTable;
  rate_windows: RateWindowsTable;
  quota_usage: QuotaUsageTable;
}
