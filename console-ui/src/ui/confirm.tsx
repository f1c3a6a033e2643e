// A question before something is sent (a decision, ending a chat): the native modal <dialog>,
// answered with its OK button (true), or Cancel / Esc / sign-out (false).
//
//   const [confirm, confirmDialog] = useConfirm();
//   …
//   if (!(await confirm({ title, body, ok: "确认通过" }))) return;
//   …
//   return <>{page}{confirmDialog}</>;
//
// Render `confirmDialog` outside forms and panels whose CSS would restyle it.
import type { ComponentChildren, VNode } from "preact";
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";

export interface ConfirmRequest {
  title: string;
  /** what will happen, e.g. a <div class="confirm-summary"> */
  body: ComponentChildren;
  /** the OK button's words */
  ok: string;
  /** red OK button (rejecting, ending) */
  danger?: boolean;
}

type Ask = (request: ConfirmRequest) => Promise<boolean>;

interface Open {
  request: ConfirmRequest;
  answer: (ok: boolean) => void;
}

/** `confirm(request)` shows the dialog and resolves with the answer; `dialog` is the element
 * to render (once, wherever the component renders its content). */
export function useConfirm(): [Ask, VNode] {
  const [open, setOpen] = useState<Open | null>(null);
  const openRef = useRef<Open | null>(null);

  const confirm = useCallback<Ask>(
    (request) =>
      new Promise<boolean>((resolve) => {
        openRef.current?.answer(false); // a second question replaces the first
        const asked: Open = {
          request,
          answer: (ok) => {
            if (openRef.current === asked) openRef.current = null;
            resolve(ok);
          },
        };
        openRef.current = asked;
        setOpen(asked);
      }),
    [],
  );

  // Leaving the page with the question open answers it: no.
  useEffect(() => () => openRef.current?.answer(false), []);

  const onClosed = useCallback((ok: boolean) => {
    openRef.current?.answer(ok);
    setOpen(null);
  }, []);

  return [confirm, <ConfirmDialog key="confirm" open={open?.request ?? null} onClosed={onClosed} />];
}

function ConfirmDialog(props: {
  open: ConfirmRequest | null;
  onClosed: (ok: boolean) => void;
}) {
  const { open, onClosed } = props;
  const dialogRef = useRef<HTMLDialogElement>(null);
  const okRef = useRef<HTMLButtonElement>(null);

  useLayoutEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      dialog.returnValue = "";
      dialog.showModal();
      okRef.current?.focus();
    } else if (!open && dialog.open) {
      dialog.close("cancel");
    }
  }, [open]);

  return (
    <dialog
      class="confirm"
      id="confirm"
      data-testid="confirm-dialog"
      ref={dialogRef}
      onClose={(e) => onClosed(e.currentTarget.returnValue === "ok")}
    >
      <form method="dialog">
        <h2 id="confirm-title">{open?.title ?? "确认提交"}</h2>
        <div id="confirm-body" data-testid="confirm-body">
          {open?.body}
        </div>
        <div class="buttons">
          <button value="cancel" type="submit" data-testid="confirm-cancel">
            取消
          </button>
          <button
            value="ok"
            type="submit"
            class={open?.danger ? "danger" : "primary"}
            id="confirm-ok"
            data-testid="confirm-ok"
            ref={okRef}
          >
            {open?.ok ?? "确认提交"}
          </button>
        </div>
      </form>
    </dialog>
  );
}
