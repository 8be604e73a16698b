/** Gateway API HTTPRoute filters → fields of an Envoy Route / RouteAction. */
import type { HTTPHeaderFilter, HTTPRouteFilter } from '../../../shared/model/objects.js';

type Json = Record<string, unknown>;

const REDIRECT_CODES: Readonly<Record<number, string>> = {
  301: 'MOVED_PERMANENTLY',
  302: 'FOUND',
  303: 'SEE_OTHER',
  307: 'TEMPORARY_REDIRECT',
  308: 'PERMANENT_REDIRECT',
};

/** `set` overwrites, `add` appends (Gateway API semantics). */
export function headersToAdd(f: HTTPHeaderFilter): Json[] {
  return [
    ...f.set.map((h) => ({ header: { key: h.name, value: h.value }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' })),
    ...f.add.map((h) => ({ header: { key: h.name, value: h.value }, append_action: 'APPEND_IF_EXISTS_OR_ADD' })),
  ];
}

/** Header modifiers, as Route (or WeightedCluster.ClusterWeight) fields. */
export function headerModifierFields(filters: readonly HTTPRouteFilter[], includeResponse: boolean): Json {
  const out: Json = {};
  const reqAdd: Json[] = [];
  const reqRemove: string[] = [];
  const respAdd: Json[] = [];
  const respRemove: string[] = [];
  for (const f of filters) {
    if (f.type === 'RequestHeaderModifier') {
      reqAdd.push(...headersToAdd(f.requestHeaderModifier));
      reqRemove.push(...f.requestHeaderModifier.remove);
    } else if (f.type === 'ResponseHeaderModifier' && includeResponse) {
      respAdd.push(...headersToAdd(f.responseHeaderModifier));
      respRemove.push(...f.responseHeaderModifier.remove);
    }
  }
  if (reqAdd.length) out.request_headers_to_add = reqAdd;
  if (reqRemove.length) out.request_headers_to_remove = reqRemove;
  if (respAdd.length) out.response_headers_to_add = respAdd;
  if (respRemove.length) out.response_headers_to_remove = respRemove;
  return out;
}

/** RequestRedirect → Envoy RedirectAction; `prefixMatched` says whether the rule matched a path prefix. */
export function redirectAction(f: Extract<HTTPRouteFilter, { type: 'RequestRedirect' }>, prefixMatched: boolean): Json | string {
  const r = f.requestRedirect;
  const out: Json = {};
  if (r.scheme) out.scheme_redirect = r.scheme;
  if (r.hostname) out.host_redirect = r.hostname;
  if (r.port !== undefined) out.port_redirect = r.port;
  const code = REDIRECT_CODES[r.statusCode];
  if (!code) return `unsupported redirect statusCode ${r.statusCode}`;
  out.response_code = code;
  if (r.path?.type === 'ReplaceFullPath') out.path_redirect = r.path.replaceFullPath ?? '/';
  if (r.path?.type === 'ReplacePrefixMatch') {
    if (!prefixMatched) return 'ReplacePrefixMatch requires a PathPrefix match';
    out.prefix_rewrite = r.path.replacePrefixMatch ?? '/';
  }
  return out;
}

/** URLRewrite → RouteAction fields (host_rewrite_literal, prefix_rewrite or regex_rewrite). */
export function urlRewriteFields(f: Extract<HTTPRouteFilter, { type: 'URLRewrite' }>, prefixMatched: boolean): Json | string {
  const out: Json = {};
  const u = f.urlRewrite;
  if (u.hostname) out.host_rewrite_literal = u.hostname;
  if (u.path?.type === 'ReplaceFullPath') {
    out.regex_rewrite = { pattern: { regex: '^/.*$' }, substitution: u.path.replaceFullPath ?? '/' };
  } else if (u.path?.type === 'ReplacePrefixMatch') {
    if (!prefixMatched) return 'ReplacePrefixMatch requires a PathPrefix match';
    out.prefix_rewrite = u.path.replacePrefixMatch ?? '/';
  }
  return out;
}
