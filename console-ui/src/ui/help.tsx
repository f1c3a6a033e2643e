// The list of keyboard shortcuts ("?" or the top bar's 快捷键).
import type { RefObject } from "preact";

const SECTIONS: [string, [string[], string][]][] = [
  [
    "队列",
    [
      [["↑", "↓", "/", "j", "k"], "上下移动"],
      [["Enter"], "打开赔案"],
      [["r"], "刷新"],
    ],
  ],
  [
    "赔案",
    [
      [["1", "–", "5"], "查看第 N 张照片"],
      [["a", "b", "p", "j"], "通过 / 补拍 / 派查勘员 / 拒赔"],
      [["r"], "重新加载赔案"],
      [["Esc"], "返回队列"],
    ],
  ],
  [
    "人工客服",
    [
      [["↑", "↓", "/", "j", "k"], "切换客户"],
      [["i", "/", "Enter"], "到输入框"],
      [["Enter", "·", "Shift+Enter"], "发送（在输入框中）· 换行"],
      [["Esc"], "离开输入框"],
      [["r"], "刷新"],
    ],
  ],
  [
    "看图",
    [
      [["←", "→"], "上一张 / 下一张"],
      [["+", "-", "0", "/", "滚轮", "/", "拖动"], "放大 / 缩小 / 适应 / 平移"],
      [["Esc"], "关闭"],
    ],
  ],
];

const SEPARATORS = new Set(["/", "–", "·", "滚轮", "拖动"]);

export function HelpDialog({ dialogRef }: { dialogRef: RefObject<HTMLDialogElement | null> }) {
  return (
    <dialog class="help" id="help" data-testid="help-dialog" ref={dialogRef}>
      <form method="dialog">
        <h2>键盘快捷键</h2>
        <table>
          {SECTIONS.map(([title, rows]) => (
            <tbody key={title}>
              <tr>
                <th colSpan={2}>{title}</th>
              </tr>
              {rows.map(([keys, what]) => (
                <tr key={what}>
                  <td>
                    {keys.map((k, i) =>
                      SEPARATORS.has(k) ? ` ${k} ` : <kbd key={i}>{k}</kbd>,
                    )}
                  </td>
                  <td>{what}</td>
                </tr>
              ))}
            </tbody>
          ))}
        </table>
        <div class="buttons">
          <button type="submit" class="primary">
            知道了
          </button>
        </div>
      </form>
    </dialog>
  );
}
