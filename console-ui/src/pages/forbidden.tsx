// A page the member's roles do not open: what they may use instead, or another account.
import { rolesText } from "../labels";
import { mayHandleChats, mayViewClaims, me, signOut } from "../session";

const DENIED: Record<string, string> = {
  claims: "没有查看赔案的权限",
  inbox: "没有使用人工客服工作台的权限",
  records: "没有查询聊天记录的权限",
  audit: "没有查看审计日志的权限",
  requests: "没有处理客户信息请求的权限",
  canned: "没有编辑快捷回复的权限",
  ratings: "没有查看客户满意度的权限",
  dashboard: "没有查看服务看板的权限",
  tickets: "没有处理工单的权限",
  paths: "没有查看服务轨迹的权限（限稽核人员）",
};

export function ForbiddenPage({ what }: { what: string }) {
  const user = me.value;
  return (
    <section class="panel signin" data-testid="forbidden-view" data-denied={what}>
      <h2>没有权限</h2>
      <div class="panel-body">
        <p>
          {`${user ? user.name : "您"}（${rolesText(user?.roles)}）`}
          {`${DENIED[what] ?? "没有使用此页面的权限"}。如需开通，请联系理赔主管。`}
        </p>
        <div class="button-row">
          {what !== "inbox" && mayHandleChats() && (
            <a href="#/inbox" class="button primary" data-testid="forbidden-to-inbox">
              前往人工客服
            </a>
          )}
          {what !== "claims" && mayViewClaims() && (
            <a href="#/queue" class="button primary" data-testid="forbidden-to-queue">
              前往审核队列
            </a>
          )}
          <button type="button" onClick={() => signOut()}>
            换一个账号登录
          </button>
        </div>
      </div>
    </section>
  );
}
