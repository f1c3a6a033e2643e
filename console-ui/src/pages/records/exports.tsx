// The search's records as a CSV file and as a printable transcript, fetched with the token
// (fetchDocument) and handed to the browser from a blob URL; each is audited by the server.
import { useState } from "preact/hooks";
import { errorText, fetchDocument } from "../../api";
import { showBanner } from "../../ui/banner";
import { type RecordQuery, apiQuery, exportName } from "./query";

const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" });

/** Keep a blob URL long enough for the browser to read it, then let it go. */
function release(url: string): void {
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function Exports({ query, reason }: { query: RecordQuery; reason: string }) {
  const [busy, setBusy] = useState<"" | "csv" | "print">("");
  const [printable, setPrintable] = useState<string | null>(null);
  const unmasked = reason !== "";

  const download = async () => {
    setBusy("csv");
    try {
      const blob = await fetchDocument(`/records/export.csv?${apiQuery(query, reason)}`);
      const url = URL.createObjectURL(blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = exportName(query, unmasked, today.format(new Date()));
      document.body.append(link);
      link.click();
      link.remove();
      release(url);
    } catch (err) {
      showBanner(`导出失败：${errorText(err)}`, "bad");
    } finally {
      setBusy("");
    }
  };

  const print = async () => {
    setBusy("print");
    if (printable) URL.revokeObjectURL(printable);
    setPrintable(null);
    try {
      const blob = await fetchDocument(`/records/transcript.html?${apiQuery(query, reason)}`);
      const url = URL.createObjectURL(new Blob([blob], { type: "text/html;charset=utf-8" }));
      // A blocked pop-up leaves a link to open it by hand (kept until the next one).
      if (window.open(url, "_blank")) release(url);
      else setPrintable(url);
    } catch (err) {
      showBanner(`生成打印版失败：${errorText(err)}`, "bad");
    } finally {
      setBusy("");
    }
  };

  return (
    <div class="records-exports">
      <button
        type="button"
        data-testid="records-export-csv"
        disabled={busy !== ""}
        title="本次查询的全部记录（最多 2000 条），UTF-8 编码，可用 Excel 打开"
        onClick={() => void download()}
      >
        {busy === "csv" ? "导出中…" : "导出 CSV"}
      </button>
      <button
        type="button"
        data-testid="records-print"
        disabled={busy !== ""}
        title="A4 打印版会话记录（在新标签页打开，可打印或另存为 PDF）"
        onClick={() => void print()}
      >
        {busy === "print" ? "生成中…" : "打印版"}
      </button>
      {printable && (
        <a href={printable} target="_blank" rel="noopener" data-testid="records-print-link">
          打开打印版
        </a>
      )}
    </div>
  );
}
