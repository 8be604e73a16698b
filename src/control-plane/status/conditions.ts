/** Gateway API status condition shape (metav1.Condition without timestamps; the publisher adds those). */
export interface Condition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration?: number;
}

export function condition(type: string, ok: boolean, reason: string, message: string, generation?: number): Condition {
  return { type, status: ok ? 'True' : 'False', reason, message, ...(generation !== undefined ? { observedGeneration: generation } : {}) };
}
