// Satisfaction figures as the API gives them (chalicelib/service/satisfaction.py report).

export interface Figures {
  /** questions sent */
  asked: number;
  /** questions not sent (window closed, no quota, unfollowed, busy) */
  skipped: number;
  rated: number;
  /** mean of the scores, null when nothing was rated */
  average: number | null;
  /** rated / asked */
  response_rate: number | null;
  /** ratings of 1 or 2 */
  low: number;
  /** "1".."5" → count */
  distribution: Record<string, number>;
}

export interface FlowFigures extends Figures {
  /** chat | claim (labels().rating_flows) */
  flow: string;
}

export interface StaffFigures extends Figures {
  staff_id: string;
  name: string;
}

export interface RatingComment {
  at: string | null;
  flow: string;
  score: number;
  /** the customer's words, masked when stored */
  comment: string;
  staff_id: string | null;
  staff_name: string | null;
}

export interface RatingsReport {
  from: string;
  to: string;
  /** more questions in the period than one page reads */
  truncated: boolean;
  overall: Figures;
  flows: FlowFigures[];
  staff: StaffFigures[];
  /** reason → count (labels().rating_skip_reasons) */
  skip_reasons: Record<string, number>;
  comments: RatingComment[];
}
