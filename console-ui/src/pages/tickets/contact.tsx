// Whom to call: the number the customer left (masked; in full on request, which is audited),
// or that they left none, and the policy's number (kept masked only: the core system has it).
import { useState } from "preact/hooks";
import { ApiError, api, errorText } from "../../api";
import { showBanner } from "../../ui/banner";
import type { Ticket } from "./types";

export function Contact({ ticket }: { ticket: Ticket }) {
  const [full, setFull] = useState<string | null>(null);
  const phone = ticket.phone;
  if (!phone) return null;

  const reveal = async () => {
    try {
      const answer = await api<{ phone: string }>(
        `/tickets/${encodeURIComponent(ticket.ticket_no)}/phone`,
        { method: "POST", body: {} },
      );
      setFull(answer.phone);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) {
        showBanner(`无法显示号码：${errorText(err)}`, "bad");
      }
    }
  };

  let line;
  if (phone.masked) {
    line = (
      <>
        {"回访电话 "}
        <strong class="mono" data-testid={full ? "ticket-phone-full" : "ticket-phone-masked"}>
          {full ?? phone.masked}
        </strong>
        {phone.is_policy && <span class="faint">（与保单预留号码一致）</span>}
        {!full && phone.revealable && (
          <button
            type="button"
            class="link"
            onClick={() => void reveal()}
            data-testid="ticket-phone-reveal"
          >
            显示完整号码（记入审计）
          </button>
        )}
      </>
    );
  } else if (phone.declined) {
    line = <span class="faint">客户未留电话（已告知客服热线和 12378）</span>;
  } else if (ticket.kind === "sensitive") {
    line = <span class="faint">客户尚未留回访电话</span>;
  }
  return (
    <div class="ticket-contact" data-testid="ticket-phone">
      {line}
      {ticket.policy_no && (
        <span class="faint" data-testid="ticket-policy">
          {`保单 ${ticket.policy_no}`}
          {ticket.policy_phone_masked &&
            `，预留号码 ${ticket.policy_phone_masked}（完整号码请在核心系统查询）`}
        </span>
      )}
    </div>
  );
}
