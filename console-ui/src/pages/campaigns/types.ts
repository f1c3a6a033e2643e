// Campaigns (群发) as GET /console/api/campaigns returns them (service/campaigns.py _json).
export interface Audience {
  kind: string;
  region?: string;
  ends_from?: string;
  ends_to?: string;
}

export interface Campaign {
  id: string;
  kind: string;
  format: string;
  title: string;
  text: string;
  audience: Audience;
  status: string;
  version: number;
  author: string;
  author_name: string;
  created_at: number;
  updated_at: number;
  submitted_at: number | null;
  decided_by: string;
  decided_by_name: string;
  decided_at: number | null;
  reason: string;
  sent_at: number | null;
  finished_at: number | null;
  /** counts: audience, opted_out, capped, …, total, filter, sent, error (no openid) */
  results: Record<string, unknown>;
  has_picture: boolean;
  /** base64 JPEG, only when one campaign is read */
  picture?: string;
}

export interface Listing {
  campaigns: Campaign[];
  preview_openid: string;
  may_compose: boolean;
  may_approve: boolean;
  limits: {
    text: number;
    min_text: number;
    title: number;
    picture_bytes: number;
    reason: number;
    ending_days: number;
  };
}

export interface Draft {
  kind: string;
  format: string;
  title: string;
  text: string;
  audience: Audience;
  /** a new cover (base64 JPEG); absent: keep the one saved */
  picture?: string;
}
