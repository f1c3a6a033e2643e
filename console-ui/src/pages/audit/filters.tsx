// The audit page's filters: a period (China dates), a staff member, a kind of action. They live
// in the hash (#/audit?from=…&to=…&who=…&kind=…), so a filtered view can be reloaded or shared.
import { useState } from "preact/hooks";
import { labels } from "../../labels";
import { go, hashFor } from "../../router";

export interface AuditFilter {
  from: string;
  to: string;
  who: string;
  kind: string;
}

const FIELDS = ["from", "to", "who", "kind"] as const;

export function filterFrom(params: URLSearchParams): AuditFilter {
  const kind = params.get("kind") ?? "";
  return {
    from: params.get("from") ?? "",
    to: params.get("to") ?? "",
    who: (params.get("who") ?? "").trim(),
    kind: labels().audit_kinds.some(([code]) => code === kind) ? kind : "",
  };
}

/** The filter as the API and the hash take it (empty fields left out). */
export function filterParams(filter: AuditFilter): Record<string, string> {
  const params: Record<string, string> = {};
  for (const name of FIELDS) if (filter[name]) params[name] = filter[name];
  return params;
}

export function filterHash(filter: AuditFilter): string {
  return hashFor(["audit"], filterParams(filter));
}

export function AuditFilters({ initial }: { initial: AuditFilter }) {
  const [filter, setFilter] = useState(initial);
  const set = (name: keyof AuditFilter) => (e: Event) => {
    const value = (e.currentTarget as HTMLInputElement | HTMLSelectElement).value;
    setFilter((f) => ({ ...f, [name]: value }));
  };
  const empty: AuditFilter = { from: "", to: "", who: "", kind: "" };
  return (
    <form
      class="audit-filters panel"
      data-testid="audit-filters"
      onSubmit={(e) => {
        e.preventDefault();
        go(filterHash({ ...filter, who: filter.who.trim() }));
      }}
    >
      <label>
        <span>从</span>
        <input type="date" value={filter.from} onInput={set("from")} data-testid="audit-from" />
      </label>
      <label>
        <span>到</span>
        <input type="date" value={filter.to} onInput={set("to")} data-testid="audit-to" />
      </label>
      <label>
        <span>员工账号</span>
        <input
          type="text"
          value={filter.who}
          onInput={set("who")}
          placeholder="如 auditor1"
          maxLength={64}
          data-testid="audit-who-input"
        />
      </label>
      <label>
        <span>操作类别</span>
        <select value={filter.kind} onChange={set("kind")} data-testid="audit-kind">
          <option value="">全部</option>
          {labels().audit_kinds.map(([code, label]) => (
            <option key={code} value={code}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" class="primary" data-testid="audit-apply">
        查询
      </button>
      <button type="button" onClick={() => go(filterHash(empty))} data-testid="audit-clear">
        清除条件
      </button>
    </form>
  );
}
