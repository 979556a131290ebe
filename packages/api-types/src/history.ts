/** GET /api/history?limit= */
export interface HistoryResponse {
  /** Newest first; `at` is epoch ms. */
  recent: { query: string; at: number }[];
  top: { query: string; count: number }[];
}
