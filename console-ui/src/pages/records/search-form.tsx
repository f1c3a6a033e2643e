// The search: a customer named in full, a keyword, a period; for an auditor, a reason to see
// personal data unmasked (checked here as the API checks it; it never goes into the hash).
import { useState } from "preact/hooks";
import { findBy, minReasonChars, type RecordQuery } from "./query";

const PLACEHOLDER: Record<string, string> = {
  claim: "完整赔案号",
  policy: "完整保单号",
  plate: "完整车牌号，如 粤B12345",
  phone: "投保人完整手机号",
  openid: "完整的微信 openid",
};

export interface Submitted {
  query: RecordQuery;
  /** "" unless unmasking was asked for with a reason of the required length */
  reason: string;
}

export function SearchForm({
  initial,
  mayUnmask,
  unmaskReason,
  onSearch,
}: {
  initial: RecordQuery;
  mayUnmask: boolean;
  /** the reason in force (the form starts with it) */
  unmaskReason: string;
  onSearch: (submitted: Submitted) => void;
}) {
  const [by, setBy] = useState(initial.by);
  const [value, setValue] = useState(initial.value);
  const [keyword, setKeyword] = useState(initial.keyword);
  const [from, setFrom] = useState(initial.from);
  const [to, setTo] = useState(initial.to);
  const [unmask, setUnmask] = useState(unmaskReason !== "");
  const [reason, setReason] = useState(unmaskReason);
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
    const why = reason.trim();
    if (unmask && why.length < minReasonChars()) {
      setProblem(`查看未遮盖的个人信息须填写理由（至少 ${minReasonChars()} 个字）`);
      return;
    }
    setProblem("");
    onSearch({
      query: { by, value: value.trim(), keyword: keyword.trim(), from, to },
      reason: unmask ? why : "",
    });
  };

  return (
    <form class="records-form" data-testid="records-search" onSubmit={submit} noValidate>
      <label class="field">
        <span>查询方式</span>
        <select
          data-testid="records-by"
          value={by}
          onChange={(e) => setBy(e.currentTarget.value)}
        >
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
          data-testid="records-value"
          value={value}
          placeholder={PLACEHOLDER[by]}
          autoComplete="off"
          spellcheck={false}
          onInput={(e) => setValue(e.currentTarget.value)}
        />
      </label>
      <label class="field">
        <span>关键词（可选）</span>
        <input
          type="text"
          data-testid="records-keyword"
          value={keyword}
          maxLength={50}
          onInput={(e) => setKeyword(e.currentTarget.value)}
        />
      </label>
      <label class="field">
        <span>开始日期</span>
        <input
          type="date"
          data-testid="records-from"
          value={from}
          onInput={(e) => setFrom(e.currentTarget.value)}
        />
      </label>
      <label class="field">
        <span>结束日期</span>
        <input
          type="date"
          data-testid="records-to"
          value={to}
          onInput={(e) => setTo(e.currentTarget.value)}
        />
      </label>
      <div class="field">
        <span>&nbsp;</span>
        <button type="submit" class="primary" data-testid="records-submit">
          查询
        </button>
      </div>
      <p class="records-hint muted">
        日期不填时查询最近 30 天，一次最多 366 天。客户标识须完整输入，不支持模糊查询。
      </p>
      {mayUnmask && (
        <div class={`records-unmask ${unmask ? "on" : ""}`.trim()}>
          <label>
            <input
              type="checkbox"
              data-testid="records-unmask-toggle"
              checked={unmask}
              onChange={(e) => setUnmask(e.currentTarget.checked)}
            />
            {" 查看未遮盖的个人信息（须填写理由，查询和理由记入审计日志）"}
          </label>
          {unmask && (
            <input
              type="text"
              class="reason"
              data-testid="records-reason"
              value={reason}
              maxLength={200}
              placeholder={`查看理由，如：投诉调查 TS-2026-118（至少 ${minReasonChars()} 个字）`}
              onInput={(e) => setReason(e.currentTarget.value)}
            />
          )}
        </div>
      )}
      {problem && (
        <p class="records-problem" role="alert" data-testid="records-form-problem">
          {problem}
        </p>
      )}
    </form>
  );
}
