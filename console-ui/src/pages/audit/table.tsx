// The log as a table: when, who, what, about what, the details, from where.
import { formatTime } from "../../format";
import { labels } from "../../labels";
import { hashFor } from "../../router";
import { detailPairs } from "./detail";
import type { AuditRow, AuditTarget } from "./types";

function Target({ target }: { target: AuditTarget }) {
  if (!target.type || !target.id) return <span class="faint">—</span>;
  const kind = labels().audit_targets[target.type] ?? target.type;
  const id =
    target.type === "claim" ? (
      <a href={hashFor(["claim", target.id])} data-testid="audit-target-claim">
        {target.id}
      </a>
    ) : (
      <span class="mono">{target.id}</span>
    );
  return (
    <span data-testid="audit-target" data-type={target.type}>
      <span class="faint">{kind}</span> {id}
      {target.by && (
        <span class="faint">{`（按${labels().records_find_by[target.by] ?? target.by}）`}</span>
      )}
    </span>
  );
}

function Row({ entry, filterWho }: { entry: AuditRow; filterWho: (who: string) => string }) {
  const l = labels();
  const pairs = detailPairs(entry);
  return (
    <tr data-testid="audit-row" data-seq={entry.seq} data-action={entry.action}>
      <td class="num faint">{entry.seq}</td>
      <td class="nowrap">{formatTime(entry.at, { seconds: true })}</td>
      <td>
        <a href={filterWho(entry.who)} title="只看此人的操作" data-testid="audit-who">
          {entry.name || entry.who}
        </a>
        <div class="faint">
          {entry.name ? `${entry.who} · ` : ""}
          {entry.role ? (l.roles[entry.role] ?? entry.role) : ""}
        </div>
      </td>
      <td data-testid="audit-action">{l.audit_actions[entry.action] ?? entry.action}</td>
      <td>
        <Target target={entry.target} />
      </td>
      <td data-testid="audit-detail">
        {pairs.length === 0 ? (
          <span class="faint">—</span>
        ) : (
          <ul class="audit-detail">
            {pairs.map(([label, value]) => (
              <li key={label}>
                <span class="faint">{`${label}：`}</span>
                {value}
              </li>
            ))}
          </ul>
        )}
      </td>
      <td class="mono nowrap">{entry.ip ?? "—"}</td>
    </tr>
  );
}

export function AuditTable(props: { entries: AuditRow[]; filterWho: (who: string) => string }) {
  return (
    <table class="queue audit-log" data-testid="audit-log">
      <thead>
        <tr>
          <th>序号</th>
          <th>时间</th>
          <th>人员</th>
          <th>操作</th>
          <th>对象</th>
          <th>详情</th>
          <th>IP</th>
        </tr>
      </thead>
      <tbody>
        {props.entries.length === 0 ? (
          <tr class="empty">
            <td colSpan={7}>没有符合条件的记录</td>
          </tr>
        ) : (
          props.entries.map((e) => <Row key={e.seq} entry={e} filterWho={props.filterWho} />)
        )}
      </tbody>
    </table>
  );
}
