// The chain check (as `claimbot audit verify`): every entry must carry the hash of the one
// before it and a hash of its own content. The API checks a bounded stretch per request; this
// asks again from where each stretch ended until the chain ends or breaks.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, api, errorText } from "../../api";
import { formatNumber } from "../../format";
import type { VerifyAnswer } from "./types";

type Check =
  | { phase: "idle" }
  | { phase: "running"; checked: number; head: number }
  | { phase: "intact"; checked: number }
  | { phase: "broken"; seq: number; why: string; checked: number }
  | { phase: "failed"; error: string };

const count = (n: number) => formatNumber(n, 0);

function Outcome({ check }: { check: Check }) {
  switch (check.phase) {
    case "idle":
      return (
        <p class="muted">
          逐条核对审计日志的哈希链：任何一条被修改、删除或插入，都会在这里指出第一处断开的位置。
        </p>
      );
    case "running":
      return (
        <p class="muted" data-testid="audit-verify-progress">
          {`正在核验… 已核验 ${count(check.checked)} / ${count(check.head)} 条`}
        </p>
      );
    case "intact":
      return (
        <p class="result ok" data-testid="audit-verify-result" data-ok="true">
          {`日志完整：共 ${count(check.checked)} 条记录，每一环都相符。`}
        </p>
      );
    case "broken":
      return (
        <div class="result bad" data-testid="audit-verify-result" data-ok="false">
          <p class="title">
            日志在第 <strong data-testid="audit-broken-seq">{check.seq}</strong>{" "}
            条记录处断开：该记录或其前一条在写入后被修改、删除或插入。
          </p>
          <p class="faint">{`${check.why}（之前的 ${count(check.checked)} 条相符）`}</p>
          <p>请保留现场并报告信息安全负责人；可用命令行 claimbot audit verify 复核。</p>
        </div>
      );
    case "failed":
      return <p class="result bad">{`核验失败：${check.error}`}</p>;
  }
}

export function ChainCheck() {
  const [check, setCheck] = useState<Check>({ phase: "idle" });
  const liveRef = useRef(true);
  useEffect(
    () => () => {
      liveRef.current = false;
    },
    [],
  );

  const run = async () => {
    let after = 0;
    let checked = 0;
    setCheck({ phase: "running", checked: 0, head: 0 });
    try {
      for (;;) {
        const answer = await api<VerifyAnswer>(`/audit/verify?after=${after}`);
        if (!liveRef.current) return;
        checked += answer.checked;
        if (answer.ok === true) {
          setCheck({ phase: "intact", checked });
          return;
        }
        if (answer.ok === false && answer.broken) {
          setCheck({ phase: "broken", ...answer.broken, checked });
          return;
        }
        if (answer.next == null) throw new Error("服务器没有给出继续核验的位置");
        after = answer.next;
        setCheck({ phase: "running", checked, head: answer.head });
      }
    } catch (err) {
      if (!liveRef.current || (err instanceof ApiError && err.status === 401)) return;
      setCheck({ phase: "failed", error: errorText(err) });
    }
  };

  return (
    <section class="panel audit-verify" data-testid="audit-verify">
      <h2>完整性核验</h2>
      <div class="panel-body">
        <Outcome check={check} />
        <button
          type="button"
          class="primary"
          disabled={check.phase === "running"}
          onClick={() => void run()}
          data-testid="audit-verify-run"
        >
          {check.phase === "idle" ? "核验日志" : "重新核验"}
        </button>
      </div>
    </section>
  );
}
