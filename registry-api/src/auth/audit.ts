import type { Request } from 'express';
import type { Queryable } from '../db/database.js';

/** Who caused a change and from where: a signed-in user over HTTP, or an operator's command (nulls). */
export interface AuditSource {
  actorId: number | null;
  ip: string | null;
}

/** An operator at the registry's command line. */
export const OPERATOR: AuditSource = { actorId: null, ip: null };

export interface AuditEntry {
  /** A dotted verb, e.g. `token.create`. */
  action: string;
  /** What it happened to, e.g. `user:ada` or `token:12`. */
  subject: string;
  detail?: Record<string, unknown>;
}

/** The caller of a request, as the audit log records it. */
export function auditSourceOf(req: Request): AuditSource {
  return { actorId: req.principal?.userId ?? null, ip: req.ip ?? null };
}

/** The columns of an audit row, in the order of {@link auditValues} (`detail` is jsonb). */
export const AUDIT_COLUMNS = 'actor_id, action, subject, detail, ip';

/** An audit row's values, for recordAudit or for a statement that writes more than the row. */
export function auditValues(source: AuditSource, entry: AuditEntry): unknown[] {
  return [source.actorId, entry.action, entry.subject, JSON.stringify(entry.detail ?? {}), source.ip];
}

/** One audit row; write it in the transaction of the change it records. */
export async function recordAudit(q: Queryable, source: AuditSource, entry: AuditEntry): Promise<void> {
  await q.query(
    `INSERT INTO audit_log (${AUDIT_COLUMNS}) VALUES ($1, $2, $3, $4::jsonb, $5)`,
    auditValues(source, entry),
  );
}
