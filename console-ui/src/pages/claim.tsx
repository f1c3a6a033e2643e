// PLACEHOLDER (being ported from the old console.js by a helper)
export function ClaimPage({ claimNo }: { claimNo: string }) {
  return <section data-testid="claim-view">{claimNo}</section>;
}
