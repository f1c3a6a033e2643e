// 快捷回复: the library of canned replies supervisors keep (agents use them in the inbox by
// typing "/"): searchable, each with its placeholders flagged when the server cannot fill them;
// new, edit and delete (each audited; an edit over a colleague's newer one is refused).
import { useEffect, useState } from "preact/hooks";
import { ApiError, api, errorText } from "../../api";
import { formatTime, isoFromEpoch } from "../../format";
import { useTitle } from "../../hooks";
import { labels } from "../../labels";
import type { Route } from "../../router";
import { can } from "../../session";
import { showBanner } from "../../ui/banner";
import { useConfirm } from "../../ui/confirm";
import "./canned.css";
import { CannedForm } from "./form";
import type { CannedReply, Draft, Library } from "./types";

export const mayEditCanned = (): boolean => can("edit_canned");

type Load =
  | { phase: "loading" }
  | { phase: "failed"; error: string }
  | { phase: "ready"; library: Library };

/** The form: closed, a new reply, or the reply being edited. */
type Editing = null | "new" | CannedReply;

export function CannedPage({ route }: { route: Route }) {
  useTitle(`快捷回复 · ${labels().app_title}`);
  const [load, setLoad] = useState<Load>({ phase: "loading" });
  const [loads, setLoads] = useState(0);
  const [query, setQuery] = useState("");
  const [editing, setEditing] = useState<Editing>(null);
  const [formError, setFormError] = useState("");
  const [confirm, confirmDialog] = useConfirm();

  useEffect(() => {
    let live = true;
    api<Library>("/canned").then(
      (library) => {
        if (live) setLoad({ phase: "ready", library });
      },
      (err: unknown) => {
        if (live && !(err instanceof ApiError && err.status === 401)) {
          setLoad({ phase: "failed", error: errorText(err) });
        }
      },
    );
    return () => {
      live = false;
    };
  }, [loads, route.seq]);

  const save = async (draft: Draft) => {
    const reply = editing === "new" ? null : editing;
    setFormError("");
    try {
      await api(reply ? `/canned/${encodeURIComponent(reply.id)}` : "/canned", {
        method: reply ? "PUT" : "POST",
        body: reply ? { ...draft, version: reply.version } : draft,
      });
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        setFormError(`${err.message}（您的修改还在表单里）`);
      } else if (!(err instanceof ApiError && err.status === 401)) {
        setFormError(`保存失败：${errorText(err)}`);
      }
      return;
    }
    showBanner(reply ? `已保存“${draft.title}”。` : `已新增“${draft.title}”。`, "info");
    setEditing(null);
    setLoads((n) => n + 1);
  };

  const remove = async (reply: CannedReply) => {
    const ok = await confirm({
      title: `删除快捷回复：${reply.title}`,
      body: <div class="confirm-summary">删除后坐席将不能再使用这条快捷回复。</div>,
      ok: "删除",
      danger: true,
    });
    if (!ok) return;
    try {
      await api(`/canned/${encodeURIComponent(reply.id)}`, {
        method: "DELETE",
        body: { version: reply.version },
      });
      showBanner(`已删除“${reply.title}”。`, "info");
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) {
        showBanner(`删除失败：${errorText(err)}`, "bad");
      }
    }
    setLoads((n) => n + 1);
  };

  if (load.phase === "loading") return <p class="muted pad">加载中…</p>;
  if (load.phase === "failed") {
    return <p class="result bad" data-testid="canned-load-error">{`加载失败：${load.error}`}</p>;
  }
  const { library } = load;
  const words = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const shown = library.replies.filter((r) => {
    const hay = `${r.title} ${r.shortcut} ${r.text} ${r.category}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
  const mayEdit = library.may_edit && mayEditCanned();

  return (
    <section class="canned-page" data-testid="canned-view">
      <div class="canned-bar">
        <h1>快捷回复</h1>
        <span class="faint">{`共 ${library.replies.length} 条（最多 ${library.limits.replies} 条）`}</span>
        <span class="spacer" />
        <input
          type="search"
          data-testid="canned-filter"
          placeholder="搜索标题、快捷词或内容"
          aria-label="搜索快捷回复"
          value={query}
          onInput={(e) => setQuery(e.currentTarget.value)}
        />
        {mayEdit && (
          <button
            type="button"
            class="primary"
            data-testid="canned-new"
            onClick={() => {
              setFormError("");
              setEditing("new");
            }}
          >
            新增
          </button>
        )}
      </div>
      {editing !== null && (
        <CannedForm
          key={editing === "new" ? "new" : `${editing.id}:${editing.version}`}
          library={library}
          reply={editing === "new" ? null : editing}
          error={formError}
          onSave={(draft) => void save(draft)}
          onCancel={() => setEditing(null)}
        />
      )}
      <table class="queue canned-table" data-testid="canned-table">
        <thead>
          <tr>
            <th>标题</th>
            <th>快捷词</th>
            <th>分类</th>
            <th>内容</th>
            <th>修改</th>
            {mayEdit && <th />}
          </tr>
        </thead>
        <tbody>
          {shown.length === 0 && (
            <tr class="empty">
              <td colSpan={mayEdit ? 6 : 5}>
                {library.replies.length ? "没有匹配的快捷回复" : "还没有快捷回复，点“新增”添加第一条"}
              </td>
            </tr>
          )}
          {shown.map((r) => (
            <tr key={r.id} data-testid="canned-row" data-reply-id={r.id}>
              <td>{r.title}</td>
              <td class="mono">{r.shortcut && `/${r.shortcut}`}</td>
              <td>{r.category}</td>
              <td class="pre-wrap canned-cell">
                {r.text}
                {r.unknown.length > 0 && (
                  <div class="canned-flag">{`需坐席手动填写：${r.unknown.map((n) => `{${n}}`).join("、")}`}</div>
                )}
              </td>
              <td class="faint">{`${formatTime(isoFromEpoch(r.updated_at))} ${r.updated_by}`}</td>
              {mayEdit && (
                <td class="canned-actions">
                  <button
                    type="button"
                    data-testid="canned-edit"
                    onClick={() => {
                      setFormError("");
                      setEditing(r);
                    }}
                  >
                    修改
                  </button>
                  <button
                    type="button"
                    class="danger-outline"
                    data-testid="canned-delete"
                    onClick={() => void remove(r)}
                  >
                    删除
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {confirmDialog}
    </section>
  );
}
