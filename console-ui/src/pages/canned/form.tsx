// One canned reply being written: title, shortcut, category, the text with its placeholders
// (a click on one puts it at the caret); a placeholder the server does not know is flagged.
import { useRef, useState } from "preact/hooks";
import type { CannedReply, Draft, Library } from "./types";

const PLACEHOLDER = /\{([^{}\s]{1,12})\}/g;

export function unknownIn(text: string, known: Record<string, string>): string[] {
  const names = [...text.matchAll(PLACEHOLDER)].map((m) => m[1] ?? "");
  return [...new Set(names.filter((n) => !(n in known)))];
}

export function CannedForm(props: {
  library: Library;
  reply: CannedReply | null;
  error: string;
  onSave: (draft: Draft) => void;
  onCancel: () => void;
}) {
  const { library, reply, error, onSave, onCancel } = props;
  const [draft, setDraft] = useState<Draft>(() => ({
    title: reply?.title ?? "",
    text: reply?.text ?? "",
    shortcut: reply?.shortcut ?? "",
    category: reply?.category ?? "",
  }));
  const textRef = useRef<HTMLTextAreaElement>(null);
  const set = (key: keyof Draft, value: string) => setDraft((d) => ({ ...d, [key]: value }));
  const unknown = unknownIn(draft.text, library.placeholders);
  const limits = library.limits;

  const insert = (name: string) => {
    const box = textRef.current;
    const at = box ? box.selectionStart : draft.text.length;
    const end = box ? box.selectionEnd : at;
    const token = `{${name}}`;
    set("text", draft.text.slice(0, at) + token + draft.text.slice(end));
    setTimeout(() => {
      box?.focus();
      box?.setSelectionRange(at + token.length, at + token.length);
    });
  };

  return (
    <form
      class="panel canned-form"
      data-testid="canned-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        onSave(draft);
      }}
    >
      <h2>{reply ? `修改快捷回复：${reply.title}` : "新增快捷回复"}</h2>
      <div class="canned-fields">
        <label>
          <span>标题</span>
          <input
            data-testid="canned-title"
            maxLength={limits.title}
            value={draft.title}
            onInput={(e) => set("title", e.currentTarget.value)}
          />
        </label>
        <label>
          <span>快捷词（输入 / 加快捷词即可找到）</span>
          <input
            data-testid="canned-shortcut"
            maxLength={limits.shortcut}
            value={draft.shortcut}
            onInput={(e) => set("shortcut", e.currentTarget.value)}
          />
        </label>
        <label>
          <span>分类</span>
          <input
            data-testid="canned-category"
            maxLength={20}
            value={draft.category}
            onInput={(e) => set("category", e.currentTarget.value)}
          />
        </label>
      </div>
      <label class="canned-text-field">
        <span>{`回复内容（最多 ${limits.text} 字）`}</span>
        <textarea
          ref={textRef}
          data-testid="canned-text"
          rows={5}
          value={draft.text}
          onInput={(e) => set("text", e.currentTarget.value)}
        />
      </label>
      <div class="canned-placeholders">
        <span class="faint">插入占位符（发送时按客户自动填写）：</span>
        {Object.entries(library.placeholders).map(([name, what]) => (
          <button
            type="button"
            key={name}
            class="link"
            title={what}
            data-testid="canned-placeholder"
            onClick={() => insert(name)}
          >
            {`{${name}}`}
          </button>
        ))}
      </div>
      {unknown.length > 0 && (
        <p class="canned-flag" data-testid="canned-unknown">
          {`${unknown.map((n) => `{${n}}`).join("、")} 不是系统能填写的占位符：坐席发送前需要手动替换。`}
        </p>
      )}
      {error && (
        <p class="form-error" role="alert" data-testid="canned-error">
          {error}
        </p>
      )}
      <div class="button-row">
        <button type="submit" class="primary" data-testid="canned-save">
          保存
        </button>
        <button type="button" onClick={onCancel}>
          取消
        </button>
      </div>
    </form>
  );
}
