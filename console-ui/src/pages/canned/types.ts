// The canned-reply library as GET /console/api/canned returns it.
export interface CannedReply {
  id: string;
  title: string;
  text: string;
  shortcut: string;
  category: string;
  version: number;
  updated_at: number;
  updated_by: string;
  /** placeholders the server does not know: left as written in every chat */
  unknown: string[];
}

export interface Library {
  replies: CannedReply[];
  /** name → what it is filled with ({称呼}: 客户的称呼…) */
  placeholders: Record<string, string>;
  may_edit: boolean;
  limits: { title: number; text: number; shortcut: number; replies: number };
}

export interface Draft {
  title: string;
  text: string;
  shortcut: string;
  category: string;
}
