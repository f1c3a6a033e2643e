// The message under the top bar (errors, notices); cleared when the page changes.
import { signal } from "@preact/signals";

export type Tone = "" | "ok" | "warn" | "bad" | "info" | "accent";

export const banner = signal<{ text: string; tone: Tone } | null>(null);

export function showBanner(text: string, tone: Tone = ""): void {
  banner.value = text ? { text, tone } : null;
}
