// PLACEHOLDER (being ported from the old console.js by a helper)
export function InboxPage({ chatId }: { chatId: string | null }) {
  return <section data-testid="inbox-view">{chatId}</section>;
}
