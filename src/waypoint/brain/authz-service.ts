/**
 * The ext_authz Check handler: CheckRequest → (JWT validation) → engine decision → CheckResponse. Synchronous and
 * allocation-light because it sits on every request's path. Denials answer 403 `RBAC: access denied` like Istio's
 * waypoint; a present-but-invalid JWT answers 401 like Envoy's jwt_authn. The deciding policy and rule go into
 * dynamic metadata (so access logs carry them) and, in debug mode, into an `x-ambit-authz` response header.
 */
import type { Tracer } from '@opentelemetry/api';
import type { AuthzRequest, Decision } from '../../shared/authz/index.js';
import { authenticate, type JwksLookup } from '../../shared/jwt/index.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import { toAuthzRequest, type CheckRequestMessage, type MappingOptions } from './check-request.js';
import { AUTHZ_DEBUG_HEADER, GRPC_CODE, RBAC_DENIED_BODY } from './constants.js';
import type { BrainMetrics } from './metrics.js';
import type { PolicyStore } from './policy-store.js';
import type { ServiceResolver } from './service-resolver.js';

export interface CheckHandlerDeps {
  readonly store: PolicyStore;
  readonly jwks: JwksLookup;
  readonly metrics: BrainMetrics;
  readonly logger: Logger;
  readonly tracer?: Tracer;
  /** Service of a request beyond `context_extensions.service`; default: `:authority` among policy services. */
  readonly resolveService?: ServiceResolver;
  readonly nowSec?: () => number;
  readonly mapping?: MappingOptions;
  /** False until the first policy set arrived: deny rather than enforce an empty (allow-all) set. */
  readonly synced?: () => boolean;
}

type HeaderOption = { header: { key: string; value: string } };
type UpstreamHeader = HeaderOption & { append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' };

/** Request-header changes for the upstream after a successful JWT (Istio: strip the token, forward the payload). */
interface Upstream {
  readonly remove?: string;
  readonly set?: { readonly name: string; readonly value: string };
}
export interface CheckResponseMessage {
  status: { code: number; message?: string };
  ok_response?: { response_headers_to_add: HeaderOption[]; headers_to_remove?: string[]; headers?: UpstreamHeader[] };
  denied_response?: { status: { code: string }; body: string; headers: HeaderOption[] };
  /** google.protobuf.Struct: protobufjs ships the well-known types with camelCase field names (wire unchanged). */
  dynamic_metadata?: { fields: Record<string, { stringValue: string }> };
}

/** What decided, for logs, metadata and the debug header. */
export interface CheckOutcome {
  readonly allow: boolean;
  readonly status: 200 | 401 | 403;
  readonly policy?: string;
  readonly rule?: number;
  readonly reason: string;
}

function describe(o: CheckOutcome): string {
  return `${o.allow ? 'allow' : 'deny'} policy=${o.policy ?? '-'} rule=${o.rule ?? '-'}`;
}

function toResponse(o: CheckOutcome, debug: boolean, extraHeaders: HeaderOption[], up: Upstream): CheckResponseMessage {
  const headers = debug ? [{ header: { key: AUTHZ_DEBUG_HEADER, value: describe(o) } }, ...extraHeaders] : extraHeaders;
  const dynamic_metadata = {
    fields: {
      ambit_decision: { stringValue: o.allow ? 'allow' : 'deny' },
      ambit_reason: { stringValue: o.reason },
      ambit_policy: { stringValue: o.policy ?? '' },
      ambit_rule: { stringValue: o.rule === undefined ? '' : String(o.rule) },
    },
  };
  if (o.allow) {
    const ok_response = {
      response_headers_to_add: headers,
      ...(up.remove ? { headers_to_remove: [up.remove] } : {}),
      ...(up.set ? { headers: [{ header: { key: up.set.name, value: up.set.value }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' as const }] } : {}),
    };
    return { status: { code: GRPC_CODE.ok }, ok_response, dynamic_metadata };
  }
  const unauth = o.status === 401;
  return {
    status: { code: unauth ? GRPC_CODE.unauthenticated : GRPC_CODE.permissionDenied, message: o.reason },
    denied_response: { status: { code: unauth ? 'Unauthorized' : 'Forbidden' }, body: unauth ? o.reason : RBAC_DENIED_BODY, headers },
    dynamic_metadata,
  };
}

export interface CheckHandler {
  check(msg: CheckRequestMessage): CheckResponseMessage;
}

export function createCheckHandler(deps: CheckHandlerDeps): CheckHandler {
  const nowSec = deps.nowSec ?? (() => Math.floor(Date.now() / 1000));
  const resolve: ServiceResolver = deps.resolveService ?? ((state, host) => state.serviceForHost(host));
  const outcomeOf = (d: Decision): CheckOutcome => ({
    allow: d.allow,
    status: d.allow ? 200 : 403,
    reason: d.reason,
    ...(d.policy !== undefined ? { policy: d.policy } : {}),
    ...(d.rule !== undefined ? { rule: d.rule } : {}),
  });

  const decide = (msg: CheckRequestMessage): { outcome: CheckOutcome; decision?: Decision; request: AuthzRequest; upstream: Upstream } => {
    const state = deps.store.current();
    const { request, serviceHint } = toAuthzRequest(msg, deps.mapping);
    if (deps.synced && !deps.synced()) return { outcome: { allow: false, status: 403, reason: 'policies-not-synced' }, request, upstream: {} };
    const service = serviceHint ?? resolve(state, request.host, request.destinationIp);
    const authn = authenticate(state.jwtRulesFor(service), deps.jwks, request, nowSec());
    if (authn.kind === 'rejected') {
      deps.metrics.jwtRejections.inc({ reason: authn.error });
      return { outcome: { allow: false, status: 401, reason: authn.error, ...(authn.ruleOwner ? { policy: authn.ruleOwner } : {}) }, request, upstream: {} };
    }
    const full: AuthzRequest = { ...request, ...(service ? { service } : {}), ...(authn.kind === 'ok' ? { auth: authn.auth } : {}) };
    const decision = state.engine.evaluate(full);
    for (const r of decision.extra.dryRun) deps.metrics.dryRunDecisions.inc({ policy: r.name, namespace: r.namespace, result: r.result });
    const upstream: Upstream =
      authn.kind === 'ok'
        ? { ...(authn.stripHeader ? { remove: authn.stripHeader } : {}), ...(authn.payloadHeader ? { set: authn.payloadHeader } : {}) }
        : {};
    return { outcome: outcomeOf(decision), decision, request: full, upstream };
  };

  return {
    check(msg) {
      const span = deps.tracer?.startSpan('ambit.authz.check');
      const { outcome, decision, request, upstream } = decide(msg);
      deps.metrics.decisions.inc({ decision: outcome.allow ? 'allow' : 'deny', reason: outcome.reason });
      if (!outcome.allow || (decision && decision.extra.audited.length > 0)) {
        deps.logger.info('authz decision', {
          decision: outcome.allow ? 'allow' : 'deny',
          status: outcome.status,
          reason: outcome.reason,
          policy: outcome.policy,
          rule: outcome.rule,
          audited: decision?.extra.audited,
          principal: request.sourcePrincipal,
          method: request.method,
          host: request.host,
          path: request.path,
        });
      }
      if (span) {
        span.setAttributes({
          'ambit.authz.decision': outcome.allow ? 'allow' : 'deny',
          'ambit.authz.reason': outcome.reason,
          'ambit.authz.policy': outcome.policy ?? '',
          'ambit.authz.rule': outcome.rule ?? -1,
          'http.request.method': request.method,
          'url.path': request.path,
        });
        span.end();
      }
      const extra: HeaderOption[] =
        outcome.status === 401 ? [{ header: { key: 'www-authenticate', value: `Bearer realm="http://${request.host}${request.path}", error="invalid_token"` } }] : [];
      return toResponse(outcome, deps.store.current().settings.debug, extra, upstream);
    },
  };
}
