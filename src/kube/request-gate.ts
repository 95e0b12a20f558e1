// The admission point every Kubernetes API request passes before it is sent: the client-side QPS
// limiter (client-go's token bucket, --kube-api-qps/--kube-api-burst). kube/ depends only on this
// interface so the bucket implementation (src/base/token-bucket.ts) can evolve on its own.

export interface RequestGate {
  /** Resolves when the request may be sent; rejects with the signal's reason when it aborts first. */
  acquire(signal: AbortSignal): Promise<void>;
}
