// How times, ages, amounts and sizes are written on the console (China time).
export const TZ = "Asia/Shanghai";

const timeParts = new Intl.DateTimeFormat("en-CA", {
  timeZone: TZ,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});

function parts(date: Date): Record<string, string> {
  return Object.fromEntries(timeParts.formatToParts(date).map((x) => [x.type, x.value]));
}

/** "2026-12-06 15:04" in China time; a date stays a date; no offset: shown as written (EXIF). */
export function formatTime(iso: string | null | undefined, { seconds = false } = {}): string {
  if (!iso) return "—";
  const s = String(iso);
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return s;
  if (!/([zZ]|[+-]\d{2}:?\d{2})$/.test(s)) return s.replace("T", " ").slice(0, seconds ? 19 : 16);
  const date = new Date(s);
  if (Number.isNaN(date.getTime())) return s;
  const p = parts(date);
  const hm = `${p.hour}:${p.minute}${seconds ? `:${p.second}` : ""}`;
  return `${p.year}-${p.month}-${p.day} ${hm}`;
}

/** "15:04" today, else "12-05 15:04" (China time). */
export function shortTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const p = parts(date);
  const today = parts(new Date());
  const sameDay = p.year === today.year && p.month === today.month && p.day === today.day;
  return sameDay ? `${p.hour}:${p.minute}` : `${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** Seconds since the epoch -> ISO (for APIs that give numbers). */
export function isoFromEpoch(seconds: number | null | undefined): string | null {
  return seconds == null ? null : new Date(seconds * 1000).toISOString();
}

export function formatAge(minutes: number | null | undefined): string {
  if (minutes == null || Number.isNaN(Number(minutes))) return "—";
  const total = Math.max(0, Math.floor(Number(minutes)));
  if (total < 60) return `${total} 分钟`;
  const hours = Math.floor(total / 60);
  if (hours < 24) {
    const rest = total % 60;
    return rest ? `${hours} 小时 ${rest} 分` : `${hours} 小时`;
  }
  const days = Math.floor(hours / 24);
  const restHours = hours % 24;
  return restHours ? `${days} 天 ${restHours} 小时` : `${days} 天`;
}

export function formatYuan(amount: number | string | null | undefined): string {
  if (amount == null || amount === "") return "";
  const n = Number(amount);
  if (!Number.isFinite(n)) return String(amount);
  return `¥${n.toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

export function formatNumber(value: unknown, digits: number): string {
  const n = Number(value);
  return Number.isFinite(n) ? n.toFixed(digits) : "—";
}

export function formatBytes(bytes: unknown): string {
  const n = Number(bytes);
  if (!Number.isFinite(n)) return "";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
