// What Assist remembers while the member is signed in: the customer message picked in each chat,
// and the answer taken into the reply box (sending that reply records it as chosen).
import { signal } from "@preact/signals";
import { whenSignedOut } from "../../session";

/** The customer message the agent clicked, per chat (none: the latest). */
export const pickedMessage = signal<Record<string, string>>({});

/** An answer taken into the reply box with 编辑: the chat's next reply is sent as that answer
 * (edited or not: the server compares), until the box is emptied. */
export const assistDraft = signal<{ chatId: string; message: string; entry: string } | null>(
  null,
);

whenSignedOut(() => {
  pickedMessage.value = {};
  assistDraft.value = null;
});

export function pickMessage(chatId: string, messageId: string): void {
  pickedMessage.value = { ...pickedMessage.value, [chatId]: messageId };
}
