// The look-up: a customer named in full as on the records page (the same kinds), a period.
import { useState } from "preact/hooks";
import { findBy } from "../records/query";
import type { PathQuery } from "./types";

export function PathSearch({
  initial,
  onSearch,
}: {
  initial: PathQuery;
  onSearch: (query: PathQuery) => void;
}) {
  const [by, setBy] = useState(initial.by);
  const [value, setValue] = useState(initial.value);
  const [from, setFrom] = useState(initial.from);
  const [to, setTo] = useState(initial.to);
  const [problem, setProblem] = useState("");

  const submit = (e: Event) => {
    e.preventDefault();
    if (!value.trim()) {
      setProblem("请填写客户标识（完整输入）");
      return;
    }
    if (from && to && from > to) {
      setProblem("开始日期晚于结束日期");
      return;
    }
    setProblem("");
    onSearch({ by, value: value.trim(), from, to });
  };

  return (
    <form class="records-form" data-testid="paths-search" onSubmit={submit} noValidate>
      <label class="field">
        <span>查询方式</span>
        <select data-testid="paths-by" value={by} onChange={(e) => setBy(e.currentTarget.value)}>
          {findBy().map(([code, label]) => (
            <option key={code} value={code}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <label class="field grow">
        <span>客户标识</span>
        <input
          type="text"
          data-testid="paths-value"
          value={value}
          autoComplete="off"
          spellcheck={false}
          onInput={(e) => setValue(e.currentTarget.value)}
        />
      </label>
      <label class="field">
        <span>开始日期</span>
        <input
          type="date"
          data-testid="paths-from"
          value={from}
          onInput={(e) => setFrom(e.currentTarget.value)}
        />
      </label>
      <label class="field">
        <span>结束日期</span>
        <input
          type="date"
          data-testid="paths-to"
          value={to}
          onInput={(e) => setTo(e.currentTarget.value)}
        />
      </label>
      <div class="field">
        <span>&nbsp;</span>
        <button type="submit" class="primary" data-testid="paths-submit">
          查询
        </button>
      </div>
      <p class="records-hint muted">
        日期不填时查询最近 30 天，一次最多 366 天。客户标识须完整输入；个人信息遮盖显示，每次查询记入审计日志。
      </p>
      {problem && (
        <p class="records-problem" role="alert" data-testid="paths-form-problem">
          {problem}
        </p>
      )}
    </form>
  );
}
