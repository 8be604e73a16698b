/**
 * An inverted index of labelled items by namespace and `key=value`, so a selector is answered by intersecting its
 * smallest posting list instead of scanning every pod (10k pods / 1k services must rebuild in milliseconds).
 */
import type { Labels } from './objects.js';

export interface Labelled {
  readonly namespace: string;
  readonly labels: Labels;
}

/** True when every selector label is present with the same value. An empty selector matches everything. */
export function labelsMatch(selector: Labels, labels: Labels): boolean {
  for (const k in selector) if (labels[k] !== selector[k]) return false;
  return true;
}

export interface LabelIndex<T extends Labelled> {
  /** Items in `namespace` (or in every namespace when `namespace` is undefined) matching all of `selector`. */
  select(selector: Labels, namespace?: string): readonly T[];
  inNamespace(namespace: string): readonly T[];
  all(): readonly T[];
}

const ALL = '\u0000all';

export function createLabelIndex<T extends Labelled>(items: readonly T[]): LabelIndex<T> {
  const byNs = new Map<string, T[]>();
  const postings = new Map<string, Map<string, T[]>>();
  const push = <K>(m: Map<K, T[]>, k: K, item: T): void => {
    const list = m.get(k);
    if (list) list.push(item);
    else m.set(k, [item]);
  };
  for (const item of items) {
    push(byNs, item.namespace, item);
    for (const ns of [item.namespace, ALL]) {
      let m = postings.get(ns);
      if (!m) postings.set(ns, (m = new Map()));
      for (const k in item.labels) push(m, `${k}=${item.labels[k]}`, item);
    }
  }
  return {
    select(selector, namespace) {
      const m = postings.get(namespace ?? ALL);
      if (!m) return [];
      let smallest: T[] | undefined;
      for (const k in selector) {
        const list = m.get(`${k}=${selector[k]}`);
        if (!list) return [];
        if (!smallest || list.length < smallest.length) smallest = list;
      }
      if (!smallest) return namespace === undefined ? items : (byNs.get(namespace) ?? []);
      return smallest.filter((item) => labelsMatch(selector, item.labels));
    },
    inNamespace: (namespace) => byNs.get(namespace) ?? [],
    all: () => items,
  };
}
