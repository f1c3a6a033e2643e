// The claim's decision panel (审核处理): approve, ask for re-shoots, send a surveyor or reject,
// each confirmed before it is sent with the version on screen (someone else's decision in
// between is a conflict to reload); an approval above its maker's authority waits here for a
// supervisor's sign-off. The claim page keeps it mounted across reloads, so the selected
// action, the last result and what was typed (until the claim's version changes) stay.
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { ApiError, api, errorText } from "../../../api";
import { useKeys } from "../../../keys";
import { labels } from "../../../labels";
import { hasRole } from "../../../session";
import { useConfirm } from "../../../ui/confirm";
import { ActionForm } from "./form";
import { readDecision } from "./read";
import { initialReshoots } from "./reshoot";
import { ResultBox } from "./result";
import { type SignOff, SignOffPanel } from "./signoff";
import type { ClaimDetail } from "../types";
import type { Drafts, Outcome } from "./types";

/** The shortcut that selects each action's tab. */
const KEYS: Record<string, string> = { approve: "a", reshoot: "b", surveyor: "p", reject: "j" };

function initialDrafts(detail: ClaimDetail): Drafts {
  return {
    amount: "",
    approveNote: "",
    reshoots: initialReshoots(detail),
    surveyorReason: "",
    rejectReason: "",
  };
}

/** Why there is nothing to do, when the member may not act on this claim now. */
function readOnlyNote(detail: ClaimDetail): string {
  const c = detail.claim;
  if (labels().decided_statuses.includes(c.status)) {
    return `此赔案已处理（${c.status_text || c.status}），无需操作。`;
  }
  if (c.pending_signoff) return "此赔案的核定金额超出提交人的权限，待主管签批。";
  if (c.status === "reported") return "客户还没有提交查勘照片，暂不能处理。";
  if (hasRole("adjuster", "supervisor")) return "此赔案当前不能处理。";
  return "您的角色只能查看，不能处理赔案。";
}

function refusal(err: unknown): Outcome {
  const server = errorText(err);
  const status = err instanceof ApiError ? err.status : 0;
  if (status === 409) {
    return {
      tone: "conflict",
      title: "未提交：此赔案在您打开后已被他人处理或已变化。",
      server,
      reload: true,
    };
  }
  if (status === 403) return { tone: "bad", title: "未提交：您没有权限执行此操作。", server };
  if (status === 400) return { tone: "bad", title: "未提交：请求未通过校验。", server };
  return { tone: "bad", title: "提交失败，请稍后重试。", server };
}

export function DecisionPanel(props: { detail: ClaimDetail; reload: () => Promise<void> }) {
  const { detail, reload } = props;
  const claimNo = detail.claim.claim_no;
  const allowed = detail.actions ?? [];
  const [chosen, setChosen] = useState<string | null>(null);
  const [result, setResult] = useState<Outcome | null>(null);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState("");
  const draftsKey = `${claimNo}@${detail.claim.version}`;
  const [typed, setTyped] = useState<{ key: string; drafts: Drafts } | null>(null);
  const [confirm, confirmDialog] = useConfirm();
  const sendingRef = useRef(false);
  const mountedRef = useRef(true);
  const formRef = useRef<HTMLFormElement>(null);
  const focusFormRef = useRef(false);

  // The reloaded claim may no longer allow the selected action.
  const action = chosen && allowed.includes(chosen) ? chosen : null;
  useEffect(() => {
    if (chosen && !action) setChosen(null);
  }, [chosen, action]);

  const drafts = typed?.key === draftsKey ? typed.drafts : initialDrafts(detail);
  const update = (change: Partial<Drafts>) =>
    setTyped({ key: draftsKey, drafts: { ...drafts, ...change } });

  useEffect(() => {
    mountedRef.current = true;
    return () => {
      mountedRef.current = false;
    };
  }, []);

  // A tab chosen: the cursor goes to its form's first field (before the next key is read).
  useLayoutEffect(() => {
    if (!focusFormRef.current || !action) return;
    focusFormRef.current = false;
    formRef.current?.querySelector<HTMLElement>("input, textarea")?.focus();
  }, [action]);

  const startSending = (on: boolean) => {
    sendingRef.current = on;
    setSending(on);
  };

  const selectAction = (code: string) => {
    if (!allowed.includes(code) || sendingRef.current || action === code) return;
    setChosen(code);
    setError("");
    focusFormRef.current = true;
  };

  // a/b/p/j choose a tab (Esc out of the form is the claim page's: it knows the panel's class).
  useKeys((e) => {
    const code = Object.keys(KEYS).find((c) => KEYS[c] === e.key);
    if (code) {
      e.preventDefault();
      selectAction(code);
    }
  });

  const labelOf = (code: string) => labels().actions.find(([c]) => c === code)?.[1] ?? code;

  const submit = async () => {
    if (sendingRef.current || !action) return;
    const read = readDecision(action, drafts, detail);
    if ("error" in read) {
      setError(read.error);
      const field = formRef.current?.elements.namedItem(read.focus);
      if (field instanceof HTMLElement) field.focus();
      return;
    }
    setError("");
    const label = labelOf(action);
    const ok = await confirm({
      title: `${label}：${claimNo}`,
      body: <div class="confirm-summary">{read.summary}</div>,
      ok: `确认${label}`,
      danger: action === "reject",
    });
    if (!ok || !mountedRef.current || sendingRef.current) return;
    startSending(true);
    let status: string;
    try {
      const res = await api<{ claim?: { status?: string; status_text?: string } } | null>(
        `/claims/${encodeURIComponent(claimNo)}/decisions`,
        { method: "POST", body: read.body },
      );
      status = res?.claim?.status_text || res?.claim?.status || "";
    } catch (err) {
      startSending(false);
      if (err instanceof ApiError && err.status === 401) return;
      setResult(refusal(err));
      return;
    }
    // The outcome shows with the claim as it is now, not before.
    await reload().catch(() => undefined);
    setResult({
      tone: "ok",
      title: `已提交：${label}${status ? `，赔案状态：${status}` : ""}`,
      at: new Date(),
    });
    setChosen(null);
    startSending(false);
  };

  const signOff = async (decision: SignOff, why: string): Promise<string | null> => {
    if (sendingRef.current) return null;
    startSending(true);
    try {
      const body: { decision: SignOff; version: number; reason?: string } = {
        decision,
        version: detail.claim.version,
      };
      if (why) body.reason = why;
      await api(`/claims/${encodeURIComponent(claimNo)}/signoff`, { method: "POST", body });
    } catch (err) {
      startSending(false);
      return err instanceof ApiError && err.status === 401 ? null : errorText(err);
    }
    await reload().catch(() => undefined);
    setResult({
      tone: "ok",
      title: decision === "approve" ? "已签批通过" : "已退回，赔案回到待审核",
      at: new Date(),
    });
    startSending(false);
    return null;
  };

  const reloadAfterConflict = () => {
    setResult(null);
    setChosen(null);
    void reload();
  };

  return (
    <>
      <section class="panel actions" data-testid="actions">
        <h2>审核处理</h2>
        <div class="panel-body">
          <SignOffPanel detail={detail} sending={sending} send={signOff} />
          {allowed.length === 0 && (
            <p class="readonly-note" data-testid="readonly-note">
              {readOnlyNote(detail)}
            </p>
          )}
          <div class="tabs" role="group" aria-label="处理方式">
            {labels().actions.map(([code, label]) => (
              <button
                key={code}
                type="button"
                data-testid={`action-tab-${code}`}
                data-action={code}
                disabled={!allowed.includes(code)}
                aria-pressed={action === code ? "true" : "false"}
                title={KEYS[code] ? `${label} (${KEYS[code]})` : label}
                onClick={() => selectAction(code)}
              >
                {label}
                {KEYS[code] && <kbd>{KEYS[code]}</kbd>}
              </button>
            ))}
          </div>
          <div id="action-form" data-testid="action-form">
            {action ? (
              <ActionForm
                code={action}
                label={labelOf(action)}
                detail={detail}
                drafts={drafts}
                update={update}
                error={error}
                sending={sending}
                formRef={formRef}
                onSubmit={() => void submit()}
              />
            ) : (
              allowed.length > 0 && (
                <p class="muted" data-testid="action-hint">
                  选择处理方式：通过、补拍、派查勘员或拒赔。
                </p>
              )
            )}
          </div>
          <div id="action-result">
            <ResultBox result={result} onReload={reloadAfterConflict} />
          </div>
        </div>
      </section>
      {confirmDialog}
    </>
  );
}
