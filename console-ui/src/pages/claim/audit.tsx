// The claim's audit log (who viewed or decided it), loaded when opened; for those who may read
// the audit log. Open or closed, it stays so when the claim is loaded again.
import { useEffect, useState } from "preact/hooks";
import { ApiError, api, errorText } from "../../api";
import { formatTime, formatYuan } from "../../format";
import { labels } from "../../labels";
import { sessionKey } from "../../session";

const OPEN_KEY = sessionKey("claimbot.console.claim_audit_open");

export interface AuditEntry {
  seq: number;
  at: string | null;
  who: string;
  role: string | null;
  action: string;
  claim_no: string | null;
  detail: Record<string, unknown> | string | null;
  ip: string | null;
}

interface Reshoot {
  slot?: unknown;
  reason?: unknown;
  note?: unknown;
}

function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

function auditDetail(detail: AuditEntry["detail"]): string {
  if (detail == null || detail === "") return "";
  if (typeof detail !== "object") return String(detail);
  const reasons = new Map(labels().reshoot_reasons);
  const parts: string[] = [];
  for (const [key, value] of Object.entries(detail)) {
    if (value == null || value === "" || (Array.isArray(value) && !value.length)) continue;
    if (key === "reshoots" && Array.isArray(value)) {
      const slots = (value as Reshoot[]).map((r) => {
        const code = text(r.reason);
        const note = r.note ? `（${text(r.note)}）` : "";
        return `第${text(r.slot)}张 ${reasons.get(code) ?? code}${note}`;
      });
      parts.push(`补拍：${slots.join("、")}`);
    } else if (key === "amount") parts.push(`金额：${formatYuan(text(value))}`);
    else if (key === "reason") parts.push(`原因：${text(value)}`);
    else if (key === "version") parts.push(`版本：${text(value)}`);
    else if (key !== "action") parts.push(`${key}: ${text(value)}`);
  }
  return parts.join("；");
}

type Log = { error: string } | { entries: AuditEntry[] };

function AuditTable({ entries }: { entries: AuditEntry[] }) {
  if (!entries.length) return <p class="muted">没有记录</p>;
  const l = labels();
  return (
    <table class="audit" data-testid="audit-table">
      <tbody>
        <tr>
          <th>时间</th>
          <th>人员</th>
          <th>操作</th>
          <th>详情</th>
        </tr>
        {entries.map((e) => (
          <tr key={e.seq}>
            <td class="nowrap">{formatTime(e.at, { seconds: true })}</td>
            <td>
              {e.who}
              {e.role && <div class="faint">{l.roles[e.role] ?? e.role}</div>}
            </td>
            <td>{l.audit_actions[e.action] ?? e.action}</td>
            <td>
              {auditDetail(e.detail)}
              {e.ip && <div class="faint">{e.ip}</div>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** `loads` counts the claim's loads: an open log is read again with each. */
export function AuditPanel({ claimNo, loads }: { claimNo: string; loads: number }) {
  const [open, setOpen] = useState(() => sessionStorage.getItem(OPEN_KEY) === claimNo);
  const [log, setLog] = useState<{ at: number; log: Log } | null>(null);

  useEffect(() => {
    if (open) sessionStorage.setItem(OPEN_KEY, claimNo);
    else if (sessionStorage.getItem(OPEN_KEY) === claimNo) sessionStorage.removeItem(OPEN_KEY);
  }, [open, claimNo]);

  useEffect(() => {
    if (!open) return undefined;
    let live = true;
    const at = loads;
    api<{ entries?: AuditEntry[] }>(`/audit?claim_no=${encodeURIComponent(claimNo)}`).then(
      (data) => {
        if (live) setLog({ at, log: { entries: data.entries ?? [] } });
      },
      (err: unknown) => {
        if (!live || (err instanceof ApiError && err.status === 401)) return;
        setLog({ at, log: { error: errorText(err) } });
      },
    );
    return () => {
      live = false;
    };
  }, [open, claimNo, loads]);

  const current = log && log.at === loads ? log.log : null;
  let body = <p class="muted">加载中…</p>;
  if (!open) body = <p class="muted">展开后加载</p>;
  else if (current && "error" in current) body = <p class="muted">{`加载失败：${current.error}`}</p>;
  else if (current) body = <AuditTable entries={current.entries} />;

  return (
    <details
      class="panel"
      data-testid="audit"
      open={open}
      onToggle={(e) => setOpen(e.currentTarget.open)}
    >
      <summary>操作记录（审计）</summary>
      <div class="panel-body">{body}</div>
    </details>
  );
}
